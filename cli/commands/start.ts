import type { Command } from 'commander';
import { createApiServer } from '../../api/server.ts';
import { loadConfig } from '../../engine/config/load-config.ts';
import { createEngine } from '../../engine/index.ts';
import { createLogger } from '../../engine/log/logger.ts';
import { acquireDataDir, writeAdminToken } from '../data-dir.ts';
import { extraApiPlugins } from '../plugins.ts';

/** `squall start`: the composition root — engine, HTTP API and chat adapters in one process. */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('Run Squall: engine, HTTP API and webhooks, chat adapters (one process)')
    .action(async () => {
      const loaded = loadConfig({ file: program.opts<{ config?: string }>().config });
      const logger = createLogger({ level: String(loaded.values['log.level']) });
      for (const warning of loaded.warnings) logger.warn(warning);
      const config = loaded.engine;
      const lock = acquireDataDir(config.dataDir, {
        role: 'server',
        host: config.http.host,
        port: config.http.port,
      });
      let stopping = false;
      try {
        const engine = await createEngine(config, { logger, role: 'server' });
        const adminToken = writeAdminToken(config.dataDir);
        const app = await createApiServer({
          engine,
          logger,
          adminToken,
          apiPlugins: extraApiPlugins(engine),
        });
        await engine.start();
        await app.listen({ host: config.http.host, port: config.http.port });
        const address = app.server.address() as { port: number };
        lock.update({ host: config.http.host, port: address.port });
        logger.info(
          {
            data_dir: config.dataDir,
            url: `http://${config.http.host}:${address.port}`,
            packs: engine.packs().length,
          },
          'squall is running',
        );
        const stop = async (signal: string) => {
          if (stopping) return;
          stopping = true;
          logger.info({ signal }, 'stopping: draining running executions');
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
        lock.release();
        throw err;
      }
    });
}
