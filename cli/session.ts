import { createApiServer } from '../api/server.ts';
import { type LoadedConfig, loadConfig } from '../engine/config/load-config.ts';
import { createEngine } from '../engine/index.ts';
import { createLogger } from '../engine/log/logger.ts';
import { type ApiClient, HttpApiClient, InProcessApiClient } from './api-client.ts';
import { acquireDataDir, newAdminToken, readAdminToken, readLock, writeAdminToken } from './data-dir.ts';
import { extraApiPlugins } from './plugins.ts';

export interface GlobalOptions {
  config?: string;
}

/**
 * Connects a CLI command to live state: through the running server's HTTP API on loopback (admin token from the
 * data dir) when one holds the data dir, otherwise in-process on the data dir (holding its lock meanwhile).
 */
export async function openClient(
  options: GlobalOptions,
): Promise<{ client: ApiClient; loaded: LoadedConfig }> {
  const loaded = loadConfig({ file: options.config });
  const dataDir = loaded.engine.dataDir;
  const holder = readLock(dataDir);
  // A server, or a CLI command that runs the engine itself and listens while it follows an execution (so that,
  // say, the approval its workflow waits for can be answered from another terminal).
  if (holder?.port !== undefined && holder.host !== undefined) {
    const token = readAdminToken(dataDir);
    if (!token)
      throw new Error(
        `squall pid ${holder.pid} holds ${dataDir} but its admin token file is missing or unreadable`,
      );
    const host = holder.host === '0.0.0.0' || holder.host === '::' ? '127.0.0.1' : holder.host;
    return { client: new HttpApiClient(`http://${host}:${holder.port}`, token), loaded };
  }
  const lock = acquireDataDir(dataDir, { role: 'cli' });
  try {
    const logger = createLogger({ level: process.env.SQUALL_LOG_LEVEL ?? 'warn' });
    const engine = await createEngine(loaded.engine, { logger, role: 'cli' });
    await engine.start();
    // Presented by other CLI commands if this one comes to listen (see InProcessApiClient.stream); written then.
    const token = newAdminToken();
    const app = await createApiServer({
      engine,
      logger,
      adminToken: token,
      apiPlugins: extraApiPlugins(engine),
    });
    const client = new InProcessApiClient(
      app,
      token,
      async () => {
        await app.close();
        await engine.close();
        lock.release();
      },
      (port) => {
        // Token first: a command that finds the port in the lock must find the token too.
        writeAdminToken(dataDir, token);
        lock.update({ host: '127.0.0.1', port });
      },
    );
    return { client, loaded };
  } catch (err) {
    lock.release();
    throw err;
  }
}

/** Runs `fn` with a client and always closes it. */
export async function withClient<T>(
  options: GlobalOptions,
  fn: (client: ApiClient, loaded: LoadedConfig) => Promise<T>,
): Promise<T> {
  const { client, loaded } = await openClient(options);
  try {
    return await fn(client, loaded);
  } finally {
    await client.close();
  }
}
