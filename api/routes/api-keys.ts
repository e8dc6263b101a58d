import type { FastifyInstance } from 'fastify';
import { createApiKey } from '../../engine/auth/api-keys.ts';
import { type Engine, EngineRequestError } from '../../engine/engine.ts';
import { requireAdmin } from '../auth.ts';

export async function registerApiKeyRoutes(app: FastifyInstance, engine: Engine): Promise<void> {
  app.get('/api/v1/apikeys', async (request, reply) => {
    if (!requireAdmin(request, reply)) return;
    return engine.store.listApiKeys().map(({ key_hash: _hash, ...rest }) => rest);
  });
  app.post<{ Body: { user?: string; name?: string } }>('/api/v1/apikeys', async (request, reply) => {
    if (!requireAdmin(request, reply)) return;
    const user = request.body?.user ?? request.principal!.user;
    if (!engine.rbac.knowsUser(user))
      throw new EngineRequestError(`user "${user}" is not configured (add it under "users" in squall.yaml)`);
    const { key, record } = createApiKey(engine.store, user, request.body?.name);
    const { key_hash: _hash, ...shown } = record;
    return reply.code(201).send({ ...shown, key });
  });
  app.delete<{ Params: { id: string } }>('/api/v1/apikeys/:id', async (request, reply) => {
    if (!requireAdmin(request, reply)) return;
    if (!engine.store.deleteApiKey(request.params.id))
      throw new EngineRequestError(`API key "${request.params.id}" not found`, 404);
    return reply.code(204).send();
  });
}
