import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { signWebhook } from '../../api/webhook-signature.ts';
import type { ExecutionRecord } from '../../engine/model/index.ts';
import { SqliteStore } from '../../engine/store/sqlite-store.ts';
import { FIXTURE_PACKS } from '../helpers/engine-fixture.ts';
import { runCli, SquallServer, waitFor } from '../helpers/squall-process.ts';

// `squall start` as a real child process: the data-dir lock, the CLI going through the server's API, webhooks
// firing rules, SIGTERM drain and SIGKILL recovery.
describe('squall start (real process)', () => {
  const servers: SquallServer[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.cleanup();
  });

  async function server(env: Record<string, string> = {}, yaml?: string): Promise<SquallServer> {
    const s = await SquallServer.create({ SQUALL_PACKS_PATH: FIXTURE_PACKS, ...env });
    if (yaml) {
      writeFileSync(path.join(s.dataDir, 'squall.yaml'), yaml);
      s.env.SQUALL_CONFIG = path.join(s.dataDir, 'squall.yaml');
    }
    servers.push(s);
    return s;
  }

  const executions = async (s: SquallServer): Promise<ExecutionRecord[]> => {
    const result = await runCli(['execution', 'list', '--json', '--limit', '200'], s.cliEnv);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as ExecutionRecord[];
  };

  it('locks its data dir; the CLI then works through the server; a signed webhook and `webhook post` fire rules', async () => {
    const s = await server({
      SQUALL_WEBHOOKS: JSON.stringify({ deploy: {} }),
      SQUALL_WEBHOOKS_DEPLOY_HMAC_SECRET: 'k3y',
    });
    await s.start();

    const second = await runCli(['start'], s.cliEnv);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toMatch(/in use by a running squall server \(pid \d+/);

    const posted = await runCli(
      ['webhook', 'post', 'deploy', '{"env": "prod", "text": "from cli"}'],
      s.cliEnv,
    );
    expect(posted.code, posted.stderr).toBe(0);
    const body = '{"env": "prod", "text": "signed"}';
    const ts = String(Math.floor(Date.now() / 1000));
    const response = await fetch(`${s.url}/api/v1/webhooks/deploy`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-squall-timestamp': ts,
        'x-squall-signature': signWebhook('k3y', ts, body),
      },
    });
    expect(response.status).toBe(202);

    const done = await waitFor(async () => {
      const list = (await executions(s)).filter(
        (e) => e.action === 'hooks.write' && e.status === 'succeeded',
      );
      return list.length === 2 ? list : undefined;
    });
    for (const e of done) {
      expect(e.context.rule?.ref).toBe('hooks.on_deploy');
      expect(e.context.trigger_instance?.trigger).toBe('core.st2.webhook');
    }
    expect(done.map((e) => (e.result as { stdout: string }).stdout).sort()).toEqual([
      'from cli\ndone',
      'signed\ndone',
    ]);

    const tail = await runCli(['execution', 'tail', done[0].id], s.cliEnv);
    expect(tail.code).toBe(0);
    expect(tail.stdout).toMatch(/(from cli|signed)\ndone/);

    // What one webhook set off, from its trigger instance.
    const instanceId = done[0].context.trigger_instance?.id as string;
    const enforced = await runCli(
      ['rule-enforcement', 'list', '--trigger-instance', instanceId, '--json'],
      s.cliEnv,
    );
    expect(enforced.code, enforced.stderr).toBe(0);
    expect(
      (JSON.parse(enforced.stdout) as Array<{ trigger_instance_id: string; execution_id: string }>).map(
        (e) => [e.trigger_instance_id, e.execution_id],
      ),
    ).toEqual([[instanceId, done[0].id]]);
  });

  it('with SQUALL_MAIN_THREAD_COMMITS=1 (the escape hatch) commits on the main thread and webhooks still fire rules', async () => {
    const s = await server({
      SQUALL_MAIN_THREAD_COMMITS: '1',
      SQUALL_WEBHOOKS: JSON.stringify({ deploy: {} }),
    });
    await s.start();
    expect(s.logs).toContain('SQUALL_MAIN_THREAD_COMMITS=1: SQLite commits on the main thread');
    for (const text of ['one', 'two']) {
      const posted = await runCli(
        ['webhook', 'post', 'deploy', JSON.stringify({ env: 'prod', text })],
        s.cliEnv,
      );
      expect(posted.code, posted.stderr).toBe(0);
    }
    const done = await waitFor(async () => {
      const list = (await executions(s)).filter(
        (e) => e.action === 'hooks.write' && e.status === 'succeeded',
      );
      return list.length === 2 ? list : undefined;
    });
    expect(done.map((e) => (e.result as { stdout: string }).stdout).sort()).toEqual([
      'one\ndone',
      'two\ndone',
    ]);
    expect(await s.stop('SIGTERM')).toBe(0);
  });

  it('streams output with `execution tail` while the execution runs', async () => {
    const s = await server();
    await s.start();
    const started = await runCli(['run', 'hooks.sleepy', 'seconds=2', '--async'], s.cliEnv);
    expect(started.code, started.stderr).toBe(0);
    const id = started.stdout.trim();
    const tail = await runCli(['execution', 'tail', id], s.cliEnv);
    expect(tail.stdout).toBe('sleeping\nwoke\n');
    expect(tail.stderr).toContain('succeeded');
  });

  it('drains on SIGTERM: running executions get the grace period, then are abandoned', async () => {
    const s = await server({ SQUALL_EXECUTIONS_DRAIN_SECONDS: '1' });
    await s.start();
    const started = await runCli(['run', 'hooks.sleepy', 'seconds=60', '--async'], s.cliEnv);
    const id = started.stdout.trim();
    await waitFor(async () => (await executions(s)).find((e) => e.id === id && e.status === 'running'));
    expect(await s.stop('SIGTERM')).toBe(0);
    const after = await runCli(['execution', 'get', id, '--json'], s.cliEnv); // in-process now: no server
    expect(JSON.parse(after.stdout).status).toBe('abandoned');
  });

  it('recovers after SIGKILL: abandons non-idempotent running work, re-runs idempotent work, queues requested work, processes pending trigger instances, keeps inquiries answerable', async () => {
    const s = await server({ SQUALL_EXECUTIONS_MAX_PARALLEL: '2' });
    const ledger = path.join(s.dataDir, 'ledger.txt');
    await s.start();
    const run = async (...args: string[]) => {
      const r = await runCli(['run', ...args, '--async'], s.cliEnv);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.trim();
    };
    const sleepy = await run('hooks.sleepy', 'seconds=60');
    const gate = path.join(s.dataDir, 'ledger.go');
    const idempotent = await run('hooks.ledger', `file=${ledger}`, `gate=${gate}`);
    const queued = await run('hooks.sleepy', 'seconds=1'); // waits for a slot: max_parallel is 2
    const ask = await run('core.ask');
    await waitFor(async () => {
      const list = await executions(s);
      const byId = new Map(list.map((e) => [e.id, e.status]));
      return byId.get(sleepy) === 'running' && byId.get(idempotent) === 'running' ? true : undefined;
    });
    const before = new Map((await executions(s)).map((e) => [e.id, e.status]));
    expect(['requested', 'scheduled', 'delayed']).toContain(before.get(queued));
    expect(readFileSync(ledger, 'utf8')).toBe('start\n');

    await s.stop('SIGKILL');

    // A webhook accepted just before the crash: committed as pending, never processed.
    const store = new SqliteStore({ filename: path.join(s.dataDir, 'squall.db') });
    store.insertTriggerInstance({
      id: 'pending-before-crash',
      trigger: 'core.st2.webhook',
      trigger_parameters: { url: 'deploy' },
      payload: { headers: {}, body: { env: 'prod', text: 'recovered' } },
      occurrence_time: new Date().toISOString(),
      status: 'pending',
    });
    store.close();

    await s.start();
    // The idempotent action runs again from the start; its first process (orphaned by the crash) was killed, so
    // opening the gate lets exactly one run finish.
    await waitFor(() => readFileSync(ledger, 'utf8') === 'start\nstart\n', 60_000, 'the idempotent re-run');
    writeFileSync(gate, '');
    const final = await waitFor(async () => {
      const list = await executions(s);
      const byId = new Map(list.map((e) => [e.id, e]));
      const fromTrigger = list.find((e) => e.context.trigger_instance?.id === 'pending-before-crash');
      const ready =
        byId.get(sleepy)?.status === 'abandoned' &&
        byId.get(idempotent)?.status === 'succeeded' &&
        byId.get(queued)?.status === 'succeeded' &&
        fromTrigger?.status === 'succeeded';
      return ready ? { byId, fromTrigger } : undefined;
    }, 120_000);
    expect((final.fromTrigger!.result as { stdout: string }).stdout).toBe('recovered\ndone');
    // Nothing stayed running.
    expect(readFileSync(ledger, 'utf8')).toBe('start\nstart\nend\n');
    expect([...final.byId.values()].filter((e) => e.status === 'running')).toEqual([]);

    // The inquiry is still pending and can be answered.
    const inquiries = JSON.parse((await runCli(['inquiry', 'list', '--json'], s.cliEnv)).stdout) as Array<{
      id: string;
      status: string;
    }>;
    expect(inquiries.find((i) => i.id === ask)?.status).toBe('pending');
    const answer = await runCli(['inquiry', 'respond', ask, '{"continue": true}'], s.cliEnv);
    expect(answer.code, answer.stderr).toBe(0);
    await waitFor(async () => (await executions(s)).find((e) => e.id === ask && e.status === 'succeeded'));
  }, 180_000);
});
