/**
 * The platform-neutral bot: composes dispatch, live results, approvals and announcements over the engine and
 * the given chat adapters. `start()` subscribes to engine events and starts the adapters; `stop()` reverses it.
 */
import type { Engine } from '../engine/engine.ts';
import type { Logger } from '../engine/log/logger.ts';
import { AliasIndex } from './alias-index.ts';
import { Announcements } from './announcements.ts';
import { Approvals } from './approvals.ts';
import type { BotConfig } from './bot-config.ts';
import type { ChatAdapter, ChatEventHandler } from './chat-adapter.ts';
import { ChatRefs } from './chat-refs.ts';
import { ChatTargets } from './chat-targets.ts';
import { CommandDispatcher } from './dispatch.ts';
import { resolveIdentity } from './identity.ts';
import { LiveResults } from './live-results.ts';
import { RateLimiter } from './rate-limiter.ts';

export interface CreateBotOptions {
  engine: Engine;
  adapters: ChatAdapter[];
  config: BotConfig;
  logger: Logger;
}

export interface Bot {
  /** Subscribes to engine events, delivers what a previous instance left pending, starts the adapters. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** What adapters call (also usable directly, e.g. by tests or the HTTP chat route). */
  readonly handler: ChatEventHandler;
}

export function createBot(options: CreateBotOptions): Bot {
  const { engine, config } = options;
  const logger = options.logger.child({ component: 'bot' });
  const adapters = new Map<string, ChatAdapter>();
  for (const adapter of options.adapters) {
    if (adapters.has(adapter.name)) throw new Error(`bot: two chat adapters are named "${adapter.name}"`);
    adapters.set(adapter.name, adapter);
  }
  const refs = new ChatRefs(engine.store);
  const targets = new ChatTargets(adapters, refs, config.defaultAdapter);
  const limiter = new RateLimiter(Math.max(1, config.rateLimitPerMinute));
  const live = new LiveResults({ engine, adapters, refs, logger });
  const approvals = new Approvals({
    engine,
    refs,
    targets,
    logger,
    prefix: config.prefix,
    approvalsChannel: config.approvalsChannel,
    resolve: (action) => resolveIdentity(config, engine.rbac, action.user),
  });
  const announcements = new Announcements({
    engine,
    targets,
    live,
    logger,
    routes: config.routes ?? ['chatops'],
  });
  let index: AliasIndex | undefined;
  const dispatcher = (): CommandDispatcher => {
    index ??= new AliasIndex(engine);
    return new CommandDispatcher({
      engine,
      config,
      adapters,
      index,
      live,
      approvals,
      targets,
      limiter,
      logger,
    });
  };
  let commands: CommandDispatcher | undefined;

  const handler: ChatEventHandler = {
    async onMessage(message, reply) {
      commands ??= dispatcher();
      await commands.onMessage(message, reply);
    },
    async onAction(action) {
      if (action.user.isBot) return;
      const key = resolveIdentity(config, engine.rbac, action.user).key;
      if (!limiter.take(key)) {
        await action.respondPrivately({
          text: 'Easy there: too many clicks this minute.',
          status: 'warning',
        });
        return;
      }
      try {
        if (await approvals.onAction(action)) return;
        await action.respondPrivately({ text: 'That button is no longer active.', status: 'warning' });
      } catch (err) {
        logger.error({ err, button: action.buttonId }, 'chat action failed');
        await action.respondPrivately({
          text: `Something went wrong: ${(err as Error).message}`,
          status: 'failed',
        });
      }
    },
  };

  let started = false;
  return {
    handler,
    async start() {
      if (started) return;
      started = true;
      live.start();
      approvals.start();
      announcements.start();
      for (const adapter of adapters.values()) await adapter.start(handler);
      approvals.recover();
    },
    async stop() {
      if (!started) return;
      started = false;
      for (const adapter of adapters.values())
        await adapter
          .stop()
          .catch((err: unknown) => logger.warn({ err, adapter: adapter.name }, 'adapter stop failed'));
      await announcements.stop();
      await approvals.stop();
      await live.stop();
      index?.close();
    },
  };
}
