import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Datastore } from '../../engine/datastore/datastore.ts';
import { silentLogger } from '../../engine/log/logger.ts';
import type { LoadedPack } from '../../engine/model/pack.ts';
import { PackInstaller } from '../../engine/pack-install/pack-installer.ts';
import { tryLoadPack } from '../../engine/packs/load-pack.ts';
import { tempDataDir } from '../helpers/squall-process.ts';
import { bumpVersion, makePackRepo } from './git-fixtures.ts';

describe('PackInstaller register step', () => {
  const root = tempDataDir('squall-rollback-');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('a reload that fails after the swap puts the previous folders back and reloads them', async () => {
    const packsDir = path.join(root, 'data', 'packs');
    const repo = makePackRepo(path.join(root, 'repos', 'app'), 'app', '1.0.0');
    let failNext = false;
    const reloads: string[] = [];
    const current = (): LoadedPack[] => {
      const pack = existsSync(path.join(packsDir, 'app'))
        ? tryLoadPack(path.join(packsDir, 'app')).pack
        : undefined;
      return pack ? [pack] : [];
    };
    const installer = new PackInstaller({
      packsDir,
      datastore: {} as Datastore,
      principal: { user: 'system', roles: [], isAdmin: false } as never,
      logger: silentLogger(),
      installed: current,
      async reload() {
        const versions = current().map((p) => p.metadata.version);
        reloads.push(versions.join(','));
        if (failNext) {
          failNext = false;
          throw new Error('registry exploded');
        }
        return { packs: current().map((p) => p.metadata.ref), problems: [] };
      },
    });
    expect((await installer.install([repo])).ok).toBe(true);
    bumpVersion(repo, 'app', '2.0.0');
    failNext = true;
    const result = await installer.install([repo]);
    expect(result.ok).toBe(false);
    expect(result.errorKind).toBe('register');
    expect(result.error).toContain('registry exploded');
    expect(result.steps.at(-1)).toMatchObject({ step: 'register', status: 'failed' });
    // The failed reload saw 2.0.0; the one after the undo sees 1.0.0 again.
    expect(reloads.slice(-2)).toEqual(['2.0.0', '1.0.0']);
    expect(readFileSync(path.join(packsDir, 'app', 'pack.yaml'), 'utf8')).toContain('version: 1.0.0');
    // Nothing is left in staging.
    const staging = path.join(root, 'data', '.pack-staging');
    expect(existsSync(staging) ? (await import('node:fs')).readdirSync(staging) : []).toEqual([]);
  });
});
