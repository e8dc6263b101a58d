import type { FastifyPluginAsync } from 'fastify';
import { registerAliasRoutes } from '../api/routes/aliases.ts';
import { registerApiKeyRoutes } from '../api/routes/api-keys.ts';
import { registerKeyRoutes } from '../api/routes/keys.ts';
import { registerPackConfigRoutes } from '../api/routes/pack-configs.ts';
import { registerPackLifecycleRoutes } from '../api/routes/packs-lifecycle.ts';
import { registerSensorRoutes } from '../api/routes/sensors.ts';
import type { Engine } from '../engine/engine.ts';

/** Authenticated /api/v1 routes beyond the core ones, wired in one place for the server and in-process CLI. */
export function extraApiPlugins(_engine: Engine): FastifyPluginAsync<{ engine: Engine }>[] {
  return [
    async (scope, { engine }) => registerApiKeyRoutes(scope, engine),
    async (scope, { engine }) => registerKeyRoutes(scope, engine, engine.datastore),
    async (scope, { engine }) => registerAliasRoutes(scope, engine),
    async (scope, { engine }) => registerPackConfigRoutes(scope, engine),
    async (scope, { engine }) => {
      await registerPackLifecycleRoutes(scope, engine);
      await registerSensorRoutes(scope, engine);
    },
  ];
}
