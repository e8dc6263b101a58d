import { rmSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createApiServer } from '../../api/server.ts';
import { extraApiPlugins } from '../../cli/plugins.ts';
import type { EngineConfig } from '../../engine/config/engine-config.ts';
import { loadConfig } from '../../engine/config/load-config.ts';
import type { Engine } from '../../engine/engine.ts';
import { createEngine } from '../../engine/index.ts';
import { silentLogger } from '../../engine/log/logger.ts';
import { REPO_ROOT, tempDataDir } from './squall-process.ts';

export const FIXTURE_PACKS = path.join(REPO_ROOT, 'test', 'fixtures', 'integration-packs');

export interface EngineFixture {
  engine: Engine;
  app: FastifyInstance;
  config: EngineConfig;
  adminToken: string;
  close(): Promise<void>;
}

/** An engine on a temp data dir with the given extra pack folders, and its API (use `app.inject`). */
export async function startEngine(
  options: { packs?: string[]; env?: Record<string, string>; yaml?: string } = {},
): Promise<EngineFixture> {
  const dataDir = tempDataDir();
  const env: Record<string, string> = {
    SQUALL_DATA_DIR: dataDir,
    SQUALL_PACKS_PATH: (options.packs ?? []).join(':'),
    ...options.env,
  };
  let file: string | undefined;
  if (options.yaml) {
    file = path.join(dataDir, 'squall.yaml');
    (await import('node:fs')).writeFileSync(file, options.yaml);
  }
  const loaded = loadConfig({ env, file, cwd: dataDir });
  const logger = silentLogger();
  const engine = await createEngine(loaded.engine, { logger, role: 'server' });
  await engine.start();
  const adminToken = 'test-admin-token';
  const app = await createApiServer({ engine, logger, adminToken, apiPlugins: extraApiPlugins(engine) });
  return {
    engine,
    app,
    config: loaded.engine,
    adminToken,
    async close() {
      await app.close();
      await engine.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
