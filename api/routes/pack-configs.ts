import type { FastifyInstance } from 'fastify';
import { type Engine, EngineRequestError } from '../../engine/engine.ts';
import type { PackConfigService } from '../../engine/pack-configs/pack-config-service.ts';
import { requireAdmin } from '../auth.ts';

function configsOf(engine: Engine): PackConfigService {
  if (!engine.packConfigs) throw new EngineRequestError('pack configs are not available in this engine', 400);
  return engine.packConfigs;
}

/**
 * Pack configs: `GET /api/v1/packs/:pack/config` shows the effective config (defaults applied, `secret: true`
 * values masked, datastore templates as written, never resolved); `POST /api/v1/packs/configs/register`
 * re-reads every config from the config dir (admin), answering the config problems.
 */
export async function registerPackConfigRoutes(app: FastifyInstance, engine: Engine): Promise<void> {
  app.get<{ Params: { pack: string } }>('/api/v1/packs/:pack/config', async (request, reply) => {
    if (!engine.rbac.can(request.principal!, 'read'))
      return reply
        .code(403)
        .send({ faultstring: `Forbidden: user "${request.principal?.user}" may not read pack configs` });
    const { pack } = request.params;
    if (!engine.packs().some((p) => p.metadata.ref === pack))
      throw new EngineRequestError(`pack "${pack}" not found`, 404);
    return configsOf(engine).view(pack);
  });
  app.post('/api/v1/packs/configs/register', async (request, reply) => {
    if (!requireAdmin(request, reply)) return;
    const configs = configsOf(engine);
    const problems = configs.load(engine.packs());
    return { packs: configs.packs(), problems };
  });
}
