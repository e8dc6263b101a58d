import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../engine/engine.ts';

export async function registerHealthRoutes(app: FastifyInstance, engine: Engine): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const readiness = engine.readiness();
    return reply.code(readiness.ready ? 200 : 503).send(readiness);
  });
}
