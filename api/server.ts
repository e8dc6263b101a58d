import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
  LogController,
} from 'fastify';
import { type Engine, EngineRequestError } from '../engine/engine.ts';
import type { Logger } from '../engine/log/logger.ts';
import { requireAuth } from './auth.ts';
import { lazyRequestLoggerFactory } from './lazy-request-logger.ts';
import { registerContentRoutes } from './routes/content.ts';
import { registerExecutionRoutes } from './routes/executions.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { registerInquiryRoutes } from './routes/inquiries.ts';
import { registerStreamRoutes } from './routes/stream.ts';
import { registerWebhookRoutes } from './routes/webhooks.ts';
import { ReplayCache } from './webhook-signature.ts';

export interface ApiServerOptions {
  engine: Engine;
  logger: Logger;
  /** Token the local CLI presents (X-Auth-Token); written 0600 in the data dir by `squall start`. */
  adminToken?: string;
  /** Extra authenticated /api/v1 routes (datastore keys, aliases, api keys...) contributed by other modules. */
  apiPlugins?: FastifyPluginAsync<{ engine: Engine }>[];
  /** Unauthenticated mounts that verify their own signatures (Slack /slack/events, Discord /discord/interactions). */
  publicPlugins?: FastifyPluginAsync[];
}

/** The HTTP API: webhooks, REST /api/v1 (StackStorm shapes), SSE stream, health. */
export async function createApiServer(options: ApiServerOptions): Promise<FastifyInstance> {
  const { engine } = options;
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'http' }) as unknown as FastifyBaseLogger,
    // One log line per webhook at thousands per second would drown the log: requests are not logged.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyRequestLoggerFactory,
    bodyLimit: engine.config.http.bodyLimitBytes,
    trustProxy: false,
  });
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof EngineRequestError)
      return reply.code(error.status).send({ faultstring: error.message });
    const status = (error as { statusCode?: number }).statusCode;
    const message = error instanceof Error ? error.message : String(error);
    if (status && status < 500) return reply.code(status).send({ faultstring: message });
    request.log.error({ err: error, url: request.url }, 'request failed');
    return reply.code(500).send({ faultstring: 'Internal error (see the server log)' });
  });

  await registerHealthRoutes(app, engine);
  await app.register(async (scope) =>
    registerWebhookRoutes(scope, engine, new ReplayCache(), options.adminToken),
  );
  for (const plugin of options.publicPlugins ?? []) await app.register(plugin);
  await app.register(async (scope) => {
    scope.addHook('preHandler', requireAuth(engine, options.adminToken));
    await registerExecutionRoutes(scope, engine);
    await registerContentRoutes(scope, engine);
    await registerInquiryRoutes(scope, engine);
    await registerStreamRoutes(scope, engine);
    for (const plugin of options.apiPlugins ?? []) await scope.register(plugin, { engine });
  });
  return app;
}
