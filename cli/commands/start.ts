import type { Command } from 'commander';
import type { FastifyPluginAsync } from 'fastify';
import { consoleChatEnabled } from '../../adapters/console/index.ts';
import { createDiscordAdapterFromConfig, discordInteractionsPlugin } from '../../adapters/discord/index.ts';
import { createSlackAdapterFromConfig, slackEventsPlugin } from '../../adapters/slack/index.ts';
import { createApiServer } from '../../api/server.ts';
import type { ChatAdapter } from '../../bot/chat-adapter.ts';
import { loadConfig } from '../../engine/config/load-config.ts';
import { createEngine } from '../../engine/index.ts';
import { createLogger } from '../../engine/log/logger.ts';
import { watchPacks } from '../../engine/pack-install/watch-packs.ts';
import { acquireDataDir, writeAdminToken } from '../data-dir.ts';
import { logFileFor } from '../log-destination.ts';
import { extraApiPlugins } from '../plugins.ts';
import { createChatRuntime } from './chat.ts';

/** `squall start`: the composition root — engine, HTTP API, the bot and its chat adapters, in one process. */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('Run Squall: engine, HTTP API and webhooks, chat adapters (one process)')
    .option('--watch', 'reload packs when files under the pack paths change (while authoring)')
    .action(async (options: { watch?: boolean }) => {
      const loaded = loadConfig({ file: program.opts<{ config?: string }>().config });
      const logFile = logFileFor(
        loaded.values['log.file'],
        loaded.engine.dataDir,
        consoleChatEnabled(loaded.values['console.enabled']),
      );
      const logger = createLogger({ level: String(loaded.values['log.level']), file: logFile });
      if (logFile) process.stdout.write(`Squall logs to ${logFile} (log.file; "-" keeps them on stderr)\n`);
      for (const warning of loaded.warnings) logger.warn(warning);
      const config = loaded.engine;
      const lock = acquireDataDir(config.dataDir, {
        role: 'server',
        host: config.http.host,
        port: config.http.port,
      });
      let stopping = false;
      // What has been started so far, closed again if start-up fails (e.g. a bad chat token) so the process exits.
      const started: Array<() => Promise<unknown>> = [];
      try {
        const engine = await createEngine(config, { logger, role: 'server' });
        started.push(() => engine.close());

        // Chat platforms are on when their tokens are configured.
        const slack = createSlackAdapterFromConfig(loaded.values, logger.child({ adapter: 'slack' }));
        const discord = createDiscordAdapterFromConfig(loaded.values, logger.child({ adapter: 'discord' }));
        const platforms: ChatAdapter[] = [...(slack ? [slack] : []), ...(discord ? [discord] : [])];
        const publicPlugins: FastifyPluginAsync[] = [];
        if (slack && !loaded.values['slack.app_token']) publicPlugins.push(slackEventsPlugin(slack));
        if (discord && loaded.values['discord.public_key'])
          publicPlugins.push(discordInteractionsPlugin(discord));
        const chat = createChatRuntime({
          engine,
          values: loaded.values,
          logger: logger.child({ component: 'bot' }),
          adapters: platforms,
        });
        for (const adapter of platforms)
          engine.addReadinessCheck(`adapter_${adapter.name}`, () => adapter.connected());

        const adminToken = writeAdminToken(config.dataDir);
        const app = await createApiServer({
          engine,
          logger,
          adminToken,
          apiPlugins: [...extraApiPlugins(engine), chat.apiPlugin],
          publicPlugins,
        });
        started.push(() => app.close());
        await engine.start();
        await app.listen({ host: config.http.host, port: config.http.port });
        const address = app.server.address() as { port: number };
        lock.update({ host: config.http.host, port: address.port });
        // Adapters connect after the HTTP port is open: Slack/Discord HTTP modes deliver there. Bad tokens fail fast.
        await chat.bot.start();
        const watcher = options.watch ? watchPacks(engine, config.packs.paths) : undefined;
        logger.info(
          {
            data_dir: config.dataDir,
            url: `http://${config.http.host}:${address.port}`,
            packs: engine.packs().length,
            adapters: platforms.map((a) => a.name),
          },
          'squall is running',
        );
        const stop = async (signal: string) => {
          if (stopping) return;
          stopping = true;
          logger.info({ signal }, 'stopping: draining running executions');
          watcher?.close();
          await chat.bot.stop().catch((err) => logger.warn({ err }, 'chat adapters did not stop cleanly'));
          await app.close().catch(() => {});
          await engine.drain(config.executions.drainSeconds * 1000);
          await engine.close();
          lock.release();
          logger.info('stopped');
          logger.flush?.();
          process.exit(0);
        };
        process.once('SIGTERM', () => void stop('SIGTERM'));
        process.once('SIGINT', () => void stop('SIGINT'));
      } catch (err) {
        for (const close of started.reverse()) await close().catch(() => {});
        lock.release();
        throw err;
      }
    });
}
