import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticateApiKey } from '../engine/auth/api-keys.ts';
import { LOCAL_ADMIN_USER, type Principal } from '../engine/auth/principal.ts';
import type { Engine } from '../engine/engine.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The principal behind a request's credentials: an API key (St2-Api-Key / X-Squall-Api-Key) or the admin token. */
export function principalOf(
  request: FastifyRequest,
  engine: Engine,
  adminToken?: string,
): Principal | undefined {
  const headers = request.headers;
  const token = headers['x-auth-token'];
  if (adminToken && typeof token === 'string' && safeEqual(token, adminToken))
    return engine.rbac.principal(LOCAL_ADMIN_USER);
  const key = headers['st2-api-key'] ?? headers['x-squall-api-key'];
  if (typeof key === 'string' && key) {
    const user = authenticateApiKey(engine.store, key);
    if (user) return engine.rbac.principal(user);
  }
  return undefined;
}

/** preHandler for authenticated routes: 401 without valid credentials. */
export function requireAuth(engine: Engine, adminToken?: string) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const principal = principalOf(request, engine, adminToken);
    if (!principal)
      return reply
        .code(401)
        .send({ faultstring: 'Unauthorized: a valid API key (St2-Api-Key) or token is required' });
    request.principal = principal;
  };
}

/** 403 unless the principal is an admin. */
export function requireAdmin(request: FastifyRequest, reply: FastifyReply): boolean {
  if (request.principal?.isAdmin) return true;
  void reply.code(403).send({ faultstring: `Forbidden: user "${request.principal?.user}" is not an admin` });
  return false;
}
