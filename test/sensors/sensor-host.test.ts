import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../api/server.ts';
import { extraApiPlugins } from '../../cli/plugins.ts';
import { loadConfig } from '../../engine/config/load-config.ts';
import type { Engine } from '../../engine/engine.ts';
import { createEngine } from '../../engine/index.ts';
import { silentLogger } from '../../engine/log/logger.ts';
import type { SensorsConfig } from '../../engine/sensors/engine-sensors.ts';
import type { SensorStatus } from '../../engine/sensors/sensor-host.ts';
import { tempDataDir, waitFor } from '../helpers/squall-process.ts';

const TOKEN = 'sensor-test-token';

function write(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

function sensorYaml(className: string, entry: string, poll = 0.05): string {
  return `---\nclass_name: ${className}\nentry_point: ${entry}\npoll_interval: ${poll}\ntrigger_types:\n  - name: ${className.toLowerCase()}_event\n`;
}

/** A pack with one healthy sensor, three misbehaving ones and a webhook rule. */
function writeFlakyPack(root: string): string {
  const dir = path.join(root, 'flaky');
  write(path.join(dir, 'pack.yaml'), 'ref: flaky\nname: flaky\nversion: 1.0.0\nauthor: t\ndescription: x\n');
  write(path.join(dir, 'config.schema.yaml'), 'greeting:\n  type: string\n  default: hello\n');
  write(path.join(dir, 'sensors', 'good.yaml'), sensorYaml('Good', 'good.ts'));
  write(
    path.join(dir, 'sensors', 'good.ts'),
    `export class Good {
  async poll(ctx) {
    const n = Number((await ctx.datastore.get('polls')) ?? 0) + 1;
    await ctx.datastore.set('polls', n);
    ctx.dispatch('flaky.good_event', { n, greeting: ctx.config.greeting, version: 1 });
  }
}
`,
  );
  write(path.join(dir, 'sensors', 'thrower.yaml'), sensorYaml('Thrower', 'thrower.ts'));
  write(
    path.join(dir, 'sensors', 'thrower.ts'),
    `export default { async poll() { throw new Error('boom from poll'); } };\n`,
  );
  write(path.join(dir, 'sensors', 'hanger.yaml'), sensorYaml('Hanger', 'hanger.ts'));
  write(
    path.join(dir, 'sensors', 'hanger.ts'),
    `export class Hanger {
  setup() { return new Promise(() => {}); }
  async poll() {}
}
`,
  );
  write(path.join(dir, 'sensors', 'busy.yaml'), sensorYaml('Busy', 'busy.ts'));
  write(
    path.join(dir, 'sensors', 'busy.ts'),
    `export class Busy {
  async poll() { for (;;) {} }
}
`,
  );
  write(path.join(dir, 'sensors', 'crasher.yaml'), sensorYaml('Crasher', 'crasher.ts'));
  write(path.join(dir, 'sensors', 'crasher.ts'), 'export default { poll() { process.exit(3); } };\n');
  write(path.join(dir, 'sensors', 'stuck.yaml'), sensorYaml('Stuck', 'stuck.ts'));
  write(path.join(dir, 'sensors', 'stuck.ts'), 'export default { poll: () => new Promise(() => {}) };\n');
  write(
    path.join(dir, 'rules', 'on_ping.yaml'),
    `---\nname: on_ping\npack: flaky\nenabled: true\ntrigger:\n  type: core.st2.webhook\n  parameters:\n    url: ping\naction:\n  ref: core.noop\n`,
  );
  return dir;
}

describe('sensor host: isolation, supervision, reload', () => {
  let root: string;
  let packDir: string;
  let engine: Engine;
  let app: FastifyInstance;

  beforeAll(async () => {
    root = tempDataDir('squall-sensors-');
    const dataDir = path.join(root, 'data');
    packDir = writeFlakyPack(path.join(root, 'packs'));
    write(path.join(dataDir, 'configs', 'flaky.yaml'), 'greeting: bonjour\n');
    const loaded = loadConfig({
      env: { SQUALL_DATA_DIR: dataDir, SQUALL_PACKS_PATH: path.join(root, 'packs') },
      cwd: root,
    });
    const sensors: SensorsConfig = {
      heartbeatSeconds: 0.1,
      heartbeatTimeoutSeconds: 1.5,
      setupTimeoutSeconds: 0.5,
      pollTimeoutSeconds: 2,
      backoffInitialSeconds: 0.05,
      backoffMaxSeconds: 0.4,
    };
    const logger = silentLogger();
    engine = await createEngine({ ...loaded.engine, sensors } as typeof loaded.engine, {
      logger,
      role: 'server',
    });
    await engine.start();
    app = await createApiServer({ engine, logger, adminToken: TOKEN, apiPlugins: extraApiPlugins(engine) });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await engine?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const sensors = async (): Promise<SensorStatus[]> => {
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/sensors',
      headers: { 'x-auth-token': TOKEN },
    });
    expect(response.statusCode).toBe(200);
    return response.json();
  };
  const sensor = async (ref: string) => (await sensors()).find((s) => s.ref === ref);

  it('a healthy poll sensor dispatches with its pack config and keeps state in the datastore', async () => {
    const instances = await waitFor(
      () => {
        const found = engine.listTriggerInstances({ trigger: 'flaky.good_event', limit: 100 });
        return found.length >= 2 ? found : undefined;
      },
      30_000,
      'two flaky.good_event trigger instances',
    );
    const payloads = instances.map((i) => i.payload as Record<string, unknown>);
    expect(payloads.every((p) => p.greeting === 'bonjour')).toBe(true);
    // The counter lives in the datastore under the sensor's own prefix, so it grows across polls.
    expect(new Set(payloads.map((p) => p.n)).size).toBe(payloads.length);
    const stored = await engine.datastore.get(engine.rbac.principal('system'), 'flaky.Good:polls');
    expect(Number(stored?.value)).toBeGreaterThanOrEqual(2);
    expect((await sensor('flaky.Good'))?.state).toBe('running');
  }, 40_000);

  it('a sensor that throws is restarted with its error recorded', async () => {
    const status = await waitFor(
      async () => {
        const s = await sensor('flaky.Thrower');
        return s && s.restarts >= 2 ? s : undefined;
      },
      30_000,
      'two restarts of flaky.Thrower',
    );
    expect(status.last_error).toContain('boom from poll');
    expect(['restarting', 'starting', 'running']).toContain(status.state);
  }, 40_000);

  it('a setup() promise that never settles is detected and the sensor restarted', async () => {
    const status = await waitFor(
      async () => {
        const s = await sensor('flaky.Hanger');
        return s && s.restarts >= 2 ? s : undefined;
      },
      30_000,
      'two restarts of flaky.Hanger',
    );
    expect(status.last_error).toMatch(/setup\(\) did not settle/);
  }, 40_000);

  it('a crashing process and a poll() that never settles are both restarted', async () => {
    const crasher = await waitFor(
      async () => {
        const s = await sensor('flaky.Crasher');
        return s && s.restarts >= 2 ? s : undefined;
      },
      30_000,
      'two restarts of flaky.Crasher',
    );
    expect(crasher.last_error).toMatch(/exited \(code 3\)/);
    const stuck = await waitFor(
      async () => {
        const s = await sensor('flaky.Stuck');
        return s && s.restarts >= 1 ? s : undefined;
      },
      30_000,
      'a restart of flaky.Stuck',
    );
    expect(stuck.last_error).toMatch(/poll\(\) did not settle/);
  }, 40_000);

  it('a synchronous busy loop is caught by the heartbeat; webhooks keep being served meanwhile', async () => {
    const status = await waitFor(
      async () => {
        const s = await sensor('flaky.Busy');
        return s && s.restarts >= 2 ? s : undefined;
      },
      30_000,
      'two restarts of flaky.Busy',
    );
    expect(status.last_error).toMatch(/no heartbeat/);
    // While sensors spin, hang and crash, the engine answers webhooks and runs their rules.
    for (let i = 0; i < 3; i++) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/webhooks/ping',
        headers: { 'content-type': 'application/json', 'x-auth-token': TOKEN },
        payload: JSON.stringify({ i }),
      });
      expect(response.statusCode, response.body).toBeLessThan(300);
    }
    const done = await waitFor(
      () => {
        const runs = engine.listExecutions({ action: 'core.noop', limit: 10 } as never);
        return runs.filter((r) => r.status === 'succeeded').length >= 3 ? runs : undefined;
      },
      20_000,
      'three core.noop executions from the webhook rule',
    );
    expect(done.length).toBeGreaterThanOrEqual(3);
  }, 40_000);

  it('reload restarts a sensor whose module changed, with the new code', async () => {
    const file = path.join(packDir, 'sensors', 'good.ts');
    write(
      file,
      `export class Good {
  async poll(ctx) { ctx.dispatch('flaky.good_event', { version: 2 }); }
}
`,
    );
    await engine.reloadPacks();
    const v2 = await waitFor(
      () =>
        engine
          .listTriggerInstances({ trigger: 'flaky.good_event', limit: 50 })
          .find((i) => (i.payload as { version?: number }).version === 2),
      30_000,
      'a trigger instance from the changed sensor module',
    );
    expect(v2).toBeTruthy();
  }, 40_000);

  it('a removed sensor is stopped and leaves the list', async () => {
    rmSync(path.join(packDir, 'sensors', 'busy.yaml'));
    await engine.reloadPacks();
    expect((await sensors()).map((s) => s.ref)).not.toContain('flaky.Busy');
    expect((await sensors()).map((s) => s.ref)).toContain('flaky.Good');
  }, 20_000);
});
