import type { FastifyInstance } from 'fastify';
import { type Engine, EngineRequestError } from '../../engine/engine.ts';
import { PackLifecycleError } from '../../engine/pack-install/pack-installer.ts';
import { requireAdmin } from '../auth.ts';

function installerOf(engine: Engine) {
  if (!engine.packInstaller)
    throw new EngineRequestError('pack installation is not available in this engine', 400);
  return engine.packInstaller;
}

function packList(body: unknown): string[] {
  const packs = (body as { packs?: unknown } | undefined)?.packs;
  const list = Array.isArray(packs) ? packs : typeof packs === 'string' ? [packs] : [];
  if (!list.length || !list.every((p) => typeof p === 'string' && p.trim()))
    throw new EngineRequestError('body field "packs" must be a non-empty list of strings');
  return list as string[];
}

/**
 * Pack lifecycle: install (git URL or path, `=version`), remove, show. Admin only for changes. Installs run in
 * the server process so it registers the new content live. `?report=true` answers 200 with the full report
 * (steps included) even when the install failed (the CLI prints it); otherwise a failure is 409 (version
 * conflict) or 400 with the report in the body.
 */
export async function registerPackLifecycleRoutes(app: FastifyInstance, engine: Engine): Promise<void> {
  app.post<{ Body: { packs?: unknown; force?: boolean }; Querystring: { report?: string } }>(
    '/api/v1/packs/install',
    async (request, reply) => {
      if (!requireAdmin(request, reply)) return;
      const result = await installerOf(engine).install(packList(request.body), {
        force: request.body?.force === true,
      });
      if (result.ok || request.query.report === 'true') return result;
      return reply
        .code(result.errorKind === 'conflict' ? 409 : 400)
        .send({ faultstring: result.error, ...result });
    },
  );
  const remove = async (packs: string[]) => {
    try {
      return await installerOf(engine).remove(packs);
    } catch (error) {
      if (error instanceof PackLifecycleError) throw new EngineRequestError(error.message, error.status);
      throw error;
    }
  };
  app.post<{ Body: { packs?: unknown } }>('/api/v1/packs/uninstall', async (request, reply) => {
    if (!requireAdmin(request, reply)) return;
    return remove(packList(request.body));
  });
  app.delete<{ Params: { ref: string } }>('/api/v1/packs/:ref', async (request, reply) => {
    if (!requireAdmin(request, reply)) return;
    return remove([request.params.ref]);
  });
  app.get<{ Params: { ref: string } }>('/api/v1/packs/:ref', async (request) => {
    const shown = await installerOf(engine).show(request.params.ref);
    if (!shown) throw new EngineRequestError(`pack "${request.params.ref}" is not installed`, 404);
    return shown;
  });
}
