import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../engine/engine.ts';

/** Sensor state: running, restarting, failed, ... with restart counts and the last error. */
export async function registerSensorRoutes(app: FastifyInstance, engine: Engine): Promise<void> {
  app.get<{ Querystring: { pack?: string } }>('/api/v1/sensors', async (request) =>
    (engine.sensorStatus?.() ?? []).filter((s) => !request.query.pack || s.pack === request.query.pack),
  );
}
