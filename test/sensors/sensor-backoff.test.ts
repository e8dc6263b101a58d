import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../engine/log/logger.ts';
import type { SensorDefinition } from '../../engine/model/sensor.ts';
import { SensorHost } from '../../engine/sensors/sensor-host.ts';
import { tempDataDir, waitFor } from '../helpers/squall-process.ts';

function definition(
  dir: string,
  name: string,
  code: string,
  extra: Partial<SensorDefinition> = {},
): SensorDefinition {
  const file = path.join(dir, `${name}.ts`);
  writeFileSync(file, code);
  return {
    ref: `t.${name}`,
    name,
    pack: 't',
    class_name: name,
    entry_point: `${name}.ts`,
    entry_point_path: file,
    enabled: true,
    poll_interval: 0.05,
    trigger_types: [],
    metadata_file: path.join(dir, `${name}.yaml`),
    ...extra,
  };
}

const memoryStore = () => {
  const kv = new Map<string, string>();
  return {
    get: async (k: string) => kv.get(k),
    set: async (k: string, v: string) => void kv.set(k, v),
    delete: async (k: string) => kv.delete(k),
    list: async (prefix: string) =>
      [...kv].filter(([k]) => k.startsWith(prefix)).map(([name, value]) => ({ name, value })),
  };
};

describe('SensorHost supervision', () => {
  let dir: string;
  let host: SensorHost | undefined;
  afterEach(async () => {
    await host?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives up after maxRestarts consecutive failures and reports failed', async () => {
    dir = tempDataDir('squall-backoff-');
    mkdirSync(dir, { recursive: true });
    host = new SensorHost({
      logger: silentLogger(),
      dispatch: () => {},
      packConfig: async () => ({}),
      datastore: memoryStore(),
      timings: { backoffInitialMs: 10, backoffMaxMs: 40, maxRestarts: 2, heartbeatMs: 100 },
    });
    await host.update([
      definition(dir, 'Bad', 'export default { setup() { throw new Error("no way"); }, poll() {} };\n'),
    ]);
    const status = await waitFor(
      () => host!.status().find((s) => s.state === 'failed'),
      30_000,
      'the sensor to be failed',
    );
    expect(status.restarts).toBe(2);
    expect(status.last_error).toBe('setup: no way');
  }, 40_000);

  it('Python sensors and disabled sensors are listed but not started', async () => {
    dir = tempDataDir('squall-backoff-');
    host = new SensorHost({
      logger: silentLogger(),
      dispatch: () => {},
      packConfig: async () => ({}),
      datastore: memoryStore(),
    });
    const py = definition(dir, 'Py', '', { entry_point: 'py.py', entry_point_path: path.join(dir, 'py.py') });
    const off = definition(dir, 'Off', 'export default { poll() {} };\n', { enabled: false });
    await host.update([py, off]);
    const states = Object.fromEntries(host.status().map((s) => [s.ref, s.state]));
    expect(states).toEqual({ 't.Py': 'unsupported', 't.Off': 'disabled' });
  });

  it('a run() sensor dispatches and gets local datastore keys', async () => {
    dir = tempDataDir('squall-backoff-');
    const seen: Array<[string, Record<string, unknown>]> = [];
    const store = memoryStore();
    host = new SensorHost({
      logger: silentLogger(),
      dispatch: (trigger, payload) => seen.push([trigger, payload]),
      packConfig: async () => ({ who: 'cfg' }),
      datastore: store,
    });
    await host.update([
      definition(
        dir,
        'Runner',
        `export class Runner {
  constructor(ctx) { this.ctx = ctx; }
  async run() {
    await this.ctx.datastore.set('k', 'v1');
    this.ctx.dispatch('t.ev', { who: this.ctx.config.who, k: await this.ctx.datastore.get('k') });
  }
}
`,
        { poll_interval: undefined },
      ),
    ]);
    await waitFor(() => seen.length > 0, 30_000, 'a dispatch from the run() sensor');
    expect(seen[0]).toEqual(['t.ev', { who: 'cfg', k: 'v1' }]);
    expect(await store.get('t.Runner:k')).toBe('v1');
    expect(host.status()[0].state).toBe('running');
  }, 40_000);
});
