import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../engine/log/logger.ts';
import { tryLoadPack } from '../../engine/packs/load-pack.ts';
import { SensorHost } from '../../engine/sensors/sensor-host.ts';
import { tempDataDir, waitFor } from '../helpers/squall-process.ts';
import { bumpVersion, makePackRepo, startGitHttpServer } from '../pack-install/git-fixtures.ts';

describe('git pack: head_sha_monitor', () => {
  const root = tempDataDir('squall-git-sensor-');
  let host: SensorHost | undefined;
  afterAll(async () => {
    await host?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('remembers the first head, announces the next with commit details, and masks credentials', async () => {
    const token = 'very-secret-token-42';
    const repo = makePackRepo(path.join(root, 'srv', 'watched.git'), 'watched', '1.0.0');
    const server = await startGitHttpServer(path.join(root, 'srv'), 'ci', token);
    try {
      const kv = new Map<string, string>();
      const seen: Array<[string, Record<string, unknown>]> = [];
      const logs: string[] = [];
      const logger = silentLogger();
      const capture = (msg: unknown, text?: unknown) =>
        logs.push(`${JSON.stringify(msg)} ${String(text ?? '')}`);
      const spy = Object.assign(Object.create(logger), {
        info: capture,
        warn: capture,
        error: capture,
        debug: () => {},
        child: () => spy,
      });
      const sensors = tryLoadPack(path.resolve('packs/git')).pack!.sensors;
      host = new SensorHost({
        logger: spy,
        dispatch: (trigger, payload) => seen.push([trigger, payload]),
        // As resolvePackConfig would hand it over: the datastore template already rendered.
        packConfig: async () => ({
          repositories: [{ url: `http://ci:${token}@${server.url.slice(7)}/watched.git`, branch: 'main' }],
          poll_interval: 1,
        }),
        datastore: {
          get: async (k) => kv.get(k),
          set: async (k, v) => void kv.set(k, v),
          delete: async (k) => kv.delete(k),
          list: async () => [],
        },
      });
      await host.update(sensors);
      await waitFor(() => kv.size > 0, 30_000, 'the first head to be remembered');
      expect(seen).toHaveLength(0);
      const revision = bumpVersion(repo, 'watched', '1.1.0');
      await waitFor(() => seen.length > 0, 30_000, 'a git.head_sha_monitor dispatch');
      const [trigger, payload] = seen[0]!;
      expect(trigger).toBe('git.head_sha_monitor');
      expect(payload).toMatchObject({
        branch: 'main',
        revision,
        author: 'Pat Tester',
        author_email: 'pat@example.test',
        committer: 'Pat Tester',
        commit_message: 'watched 1.1.0',
        repository_url: `http://ci:********@${server.url.slice(7)}/watched.git`,
      });
      expect([...kv.values()]).toContain(revision);
      expect(JSON.stringify(seen) + logs.join('\n')).not.toContain(token);
      expect(server.authorizations.length).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  }, 60_000);
});
