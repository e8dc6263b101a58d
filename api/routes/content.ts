import type { FastifyInstance } from 'fastify';
import { type Engine, EngineRequestError } from '../../engine/engine.ts';
import { TRIGGER_INSTANCE_STATUSES } from '../../engine/model/index.ts';
import { requireAdmin } from '../auth.ts';
import { LIST_LIMIT_MAX, limitParam, statusParam } from '../query-params.ts';

/** Read-mostly views of registered content: packs, actions, rules, triggers, sensors. */
export async function registerContentRoutes(app: FastifyInstance, engine: Engine): Promise<void> {
  app.get('/api/v1/packs', async () =>
    engine.packs().map((p) => ({ ...p.metadata, path: p.path, builtin: p.builtin, problems: p.problems })),
  );
  app.get('/api/v1/packs/problems', async () => engine.packProblems());
  app.post('/api/v1/packs/register', async (request, reply) => {
    if (!requireAdmin(request, reply)) return;
    return engine.reloadPacks();
  });

  app.get<{ Querystring: { pack?: string } }>('/api/v1/actions', async (request) =>
    engine.actions().filter((a) => !request.query.pack || a.pack === request.query.pack),
  );
  app.get<{ Params: { ref: string } }>('/api/v1/actions/:ref', async (request) => {
    const action = engine.getAction(request.params.ref);
    if (!action) throw new EngineRequestError(`action "${request.params.ref}" not found`, 404);
    return action;
  });

  app.get<{ Querystring: { pack?: string } }>('/api/v1/rules', async (request) =>
    engine.rules().filter((r) => !request.query.pack || r.pack === request.query.pack),
  );
  app.get<{ Params: { ref: string } }>('/api/v1/rules/:ref', async (request) => {
    const rule = engine.getRule(request.params.ref);
    if (!rule) throw new EngineRequestError(`rule "${request.params.ref}" not found`, 404);
    return rule;
  });
  app.put<{ Params: { ref: string }; Body: { enabled?: boolean } }>(
    '/api/v1/rules/:ref',
    async (request, reply) => {
      if (!requireAdmin(request, reply)) return;
      if (typeof request.body?.enabled !== 'boolean')
        throw new EngineRequestError('body field "enabled" must be true or false');
      if (!engine.getRule(request.params.ref))
        throw new EngineRequestError(`rule "${request.params.ref}" not found`, 404);
      engine.setRuleEnabled(request.params.ref, request.body.enabled);
      return engine.getRule(request.params.ref);
    },
  );
  // `trigger_instance` as st2's API spells it: what did this webhook or sensor event set off?
  app.get<{ Querystring: { rule?: string; trigger_instance?: string; limit?: string } }>(
    '/api/v1/ruleenforcements',
    async (request) =>
      engine.listRuleEnforcements({
        rule: request.query.rule,
        trigger_instance_id: request.query.trigger_instance,
        limit: limitParam(request.query.limit, 50, LIST_LIMIT_MAX),
      }),
  );

  app.get('/api/v1/triggertypes', async () => engine.triggerTypes());
  app.get<{ Querystring: { trigger?: string; status?: string; limit?: string } }>(
    '/api/v1/triggerinstances',
    async (request) =>
      engine.listTriggerInstances({
        trigger: request.query.trigger,
        status: statusParam(request.query.status, TRIGGER_INSTANCE_STATUSES),
        limit: limitParam(request.query.limit, 50, LIST_LIMIT_MAX),
      }),
  );
  app.get('/api/v1/sensortypes', async () => engine.sensors());
  app.post('/api/v1/gc', async (request, reply) => {
    if (!requireAdmin(request, reply)) return;
    return engine.gc();
  });
}
