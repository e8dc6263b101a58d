import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Datastore, KvLoadItem, KvScope } from '../../engine/datastore/index.ts';
import type { Engine } from '../../engine/engine.ts';

const STATUS_OF_CODE: Record<string, number> = {
  forbidden: 403,
  not_found: 404,
  invalid: 400,
  decrypt_failed: 422,
  backend_failed: 503,
};

/** Maps datastore errors (they carry a `code`) to HTTP statuses; anything else is a server error. */
async function answer<T>(reply: FastifyReply, work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code && STATUS_OF_CODE[code]) {
      void reply.code(STATUS_OF_CODE[code]).send({ faultstring: (err as Error).message });
      return undefined;
    }
    throw err;
  }
}

interface KeyQuery {
  scope?: string;
  user?: string;
  prefix?: string;
  decrypt?: string;
  limit?: string;
  offset?: string;
}

const truthy = (v?: string) => v === 'true' || v === '1';
const scopeOf = (v?: string): KvScope | undefined => (v ? (v.replace(/^st2kv\./, '') as KvScope) : undefined);

/** `/api/v1/keys` with StackStorm's shapes: every call acts as the request's principal (scoped, RBAC-checked). */
export async function registerKeyRoutes(
  app: FastifyInstance,
  engine: Engine,
  datastore: Datastore,
): Promise<void> {
  app.get<{ Querystring: KeyQuery }>('/api/v1/keys', async (request, reply) =>
    answer(reply, () =>
      datastore.list(request.principal!, {
        scope: (scopeOf(request.query.scope) as KvScope | 'all' | undefined) ?? 'system',
        user: request.query.user,
        prefix: request.query.prefix,
        decrypt: truthy(request.query.decrypt),
        limit: request.query.limit ? Number(request.query.limit) : undefined,
        offset: request.query.offset ? Number(request.query.offset) : undefined,
      }),
    ),
  );
  app.get<{ Params: { name: string }; Querystring: KeyQuery }>('/api/v1/keys/:name', async (request, reply) =>
    answer(reply, async () => {
      const item = await datastore.get(request.principal!, request.params.name, {
        scope: scopeOf(request.query.scope),
        user: request.query.user,
        decrypt: truthy(request.query.decrypt),
      });
      if (!item) {
        void reply.code(404).send({ faultstring: `key "${request.params.name}" does not exist` });
        return undefined;
      }
      return item;
    }),
  );
  app.put<{
    Params: { name: string };
    Body: { value?: unknown; scope?: string; user?: string; secret?: boolean; ttl?: number };
  }>('/api/v1/keys/:name', async (request, reply) =>
    answer(reply, () => {
      const body = request.body ?? {};
      if (body.value === undefined)
        throw Object.assign(new Error('body field "value" is required'), { code: 'invalid' });
      return datastore.set(request.principal!, request.params.name, String(body.value), {
        scope: scopeOf(body.scope),
        user: body.user,
        encrypt: body.secret === true,
        ttl: body.ttl,
      });
    }),
  );
  app.delete<{ Params: { name: string }; Querystring: KeyQuery }>(
    '/api/v1/keys/:name',
    async (request, reply) =>
      answer(reply, async () => {
        const deleted = await datastore.delete(request.principal!, request.params.name, {
          scope: scopeOf(request.query.scope),
          user: request.query.user,
        });
        if (!deleted) {
          void reply.code(404).send({ faultstring: `key "${request.params.name}" does not exist` });
          return undefined;
        }
        void reply.code(204).send();
        return undefined;
      }),
  );
  app.post<{ Body: KvLoadItem[] }>('/api/v1/keys/load', async (request, reply) =>
    answer(reply, () => {
      if (!Array.isArray(request.body))
        throw Object.assign(new Error('expected a JSON list of keys'), { code: 'invalid' });
      return datastore.load(request.principal!, request.body);
    }),
  );
  app.post('/api/v1/keys/rotate', async (request, reply) => {
    if (!request.principal?.isAdmin)
      return reply.code(403).send({ faultstring: 'only admins may rotate the encryption key' });
    return engine.rotateKey();
  });
}
