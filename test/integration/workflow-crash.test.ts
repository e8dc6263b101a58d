/**
 * Durable workflows: `squall start` is killed (SIGKILL) in the middle of a workflow whose tasks append to a ledger
 * file; after a restart the workflow completes and no completed task ran twice.
 *
 * Decision for the task that was running at the kill (`wfcrash.block`, not idempotent): recovery kills its process
 * group and marks it `abandoned` (never re-run); the workflow's failure transition handles it (two_handled), so
 * the ledger holds every task exactly once and `two-done` never. The same task declared `idempotent`
 * (`wfcrash.block_idempotent`) runs again instead (same execution id, its old process group killed first).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readAdminToken } from '../../cli/data-dir.ts';
import type { ExecutionRecord, InquiryRecord } from '../../engine/model/index.ts';
import { FIXTURE_PACKS } from '../helpers/engine-fixture.ts';
import { runCli, SquallServer, waitFor } from '../helpers/squall-process.ts';

type WithChildren = ExecutionRecord & {
  children: string[];
  tasks: Array<{ task_id: string; status: string; execution_id: string }>;
};

describe('workflows survive SIGKILL of squall start', () => {
  const servers: SquallServer[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.cleanup();
  });

  async function server(): Promise<SquallServer> {
    const s = await SquallServer.create({ SQUALL_PACKS_PATH: FIXTURE_PACKS });
    servers.push(s);
    await s.start();
    return s;
  }

  async function cli(s: SquallServer, ...args: string[]): Promise<string> {
    const r = await runCli(args, s.cliEnv);
    expect(r.code, `squall ${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r.stdout;
  }

  const get = async (s: SquallServer, id: string): Promise<WithChildren> =>
    JSON.parse(await cli(s, 'execution', 'get', id, '--json')) as WithChildren;

  /** Polling goes to the API directly (a CLI process costs seconds); what is asserted goes through the CLI. */
  async function api<T>(s: SquallServer, url: string): Promise<T> {
    const response = await fetch(`${s.url}${url}`, {
      headers: { 'x-auth-token': readAdminToken(s.dataDir) ?? '' },
    });
    if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
    return (await response.json()) as T;
  }
  const statusOf = async (s: SquallServer, id: string): Promise<string> =>
    (await api<ExecutionRecord>(s, `/api/v1/executions/${id}`)).status;
  const record = (s: SquallServer, id: string) => api<ExecutionRecord>(s, `/api/v1/executions/${id}`);

  const ledgerLines = (file: string): string[] =>
    existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];

  async function finished(s: SquallServer, id: string): Promise<WithChildren> {
    const final = ['succeeded', 'failed', 'canceled', 'abandoned', 'timeout'];
    await waitFor(async () => final.includes(await statusOf(s, id)), 60_000, `execution ${id} to finish`);
    return get(s, id);
  }

  /** Kills the server while `two` blocks, restarts it, and checks the ledger and the task executions. */
  async function crashWhileTwoRuns(
    action: string,
  ): Promise<{ s: SquallServer; done: WithChildren; tasks: ExecutionRecord[] }> {
    const s = await server();
    const ledger = path.join(s.dataDir, 'ledger.txt');
    const gate = path.join(s.dataDir, 'never-created.gate');
    const id = (await cli(s, 'run', action, `ledger=${ledger}`, `gate=${gate}`, '--async')).trim();
    await waitFor(() => ledgerLines(ledger).join(',') === 'one,two', 30_000, 'task two to start');
    // the workflow execution lists its children (one done, two running) and shows live task states
    const live = await get(s, id);
    expect(live.status).toBe('running');
    expect(live.children).toHaveLength(2);
    expect(live.tasks.map((t) => [t.task_id, t.status])).toEqual([
      ['one', 'succeeded'],
      ['two', 'running'],
    ]);

    expect(await s.stop('SIGKILL')).toBeNull();
    await s.start();

    const done = await finished(s, id);
    const tasks = await Promise.all(done.children.map((c) => record(s, c)));
    // every task exactly once; the killed one was not re-run and never got to its end
    expect(ledgerLines(ledger)).toEqual(['one', 'two', 'two_handled', 'three']);
    return { s, done, tasks };
  }

  it('an Orquesta workflow continues after the restart; the task running at the kill is abandoned and handled', async () => {
    const { done, tasks } = await crashWhileTwoRuns('wfcrash.flow');
    expect(done.status).toBe('succeeded');
    expect(tasks.map((t) => [t.context.parent?.task_id, t.status])).toEqual([
      ['one', 'succeeded'],
      ['two', 'abandoned'],
      ['two_handled', 'succeeded'],
      ['three', 'succeeded'],
    ]);
    expect((done.result as { output: { two: string } }).output.two).toMatch(
      /Squall stopped while this execution was running/,
    );
  }, 120_000);

  it('an idempotent task running at the kill runs again after the restart (its old process killed first)', async () => {
    const s = await server();
    const ledger = path.join(s.dataDir, 'ledger.txt');
    const gate = path.join(s.dataDir, 'open.gate');
    const id = (
      await cli(s, 'run', 'wfcrash.flow_idempotent', `ledger=${ledger}`, `gate=${gate}`, '--async')
    ).trim();
    await waitFor(() => ledgerLines(ledger).join(',') === 'one,two', 30_000, 'task two to start');
    const twoId = (await get(s, id)).children[1] as string;

    expect(await s.stop('SIGKILL')).toBeNull();
    await s.start();

    // the same execution runs again (st2's idempotent re-run), the completed task one does not
    await waitFor(() => ledgerLines(ledger).join(',') === 'one,two,two', 30_000, 'task two to run again');
    writeFileSync(gate, '');
    const done = await finished(s, id);
    expect(done.status).toBe('succeeded');
    // one "two-done": the process of the first run was killed at recovery and never reached its end
    expect(ledgerLines(ledger)).toEqual(['one', 'two', 'two', 'two-done', 'three']);
    const tasks = await Promise.all(done.children.map((c) => record(s, c)));
    expect(tasks.map((t) => [t.context.parent?.task_id, t.status])).toEqual([
      ['one', 'succeeded'],
      ['two', 'succeeded'],
      ['three', 'succeeded'],
    ]);
    expect(tasks[1]?.id).toBe(twoId);
    expect((tasks[1]?.context.recovery as { count?: number } | undefined)?.count).toBe(1);
    expect((done.result as { output: { two: string } }).output.two).toBe('finished');
  }, 120_000);

  it('an action chain continues after the restart the same way', async () => {
    const { done, tasks } = await crashWhileTwoRuns('wfcrash.chain');
    // st2: a chain's status is its last node's
    expect(done.status).toBe('succeeded');
    expect(tasks.map((t) => [t.context.parent?.task_id, t.status])).toEqual([
      ['one', 'succeeded'],
      ['two', 'abandoned'],
      ['two_handled', 'succeeded'],
      ['three', 'succeeded'],
    ]);
    const result = done.result as {
      tasks: Array<{ name: string; state: string }>;
      published: Record<string, unknown>;
    };
    expect(result.tasks.map((t) => [t.name, t.state])).toEqual([
      ['one', 'succeeded'],
      ['two', 'abandoned'],
      ['two_handled', 'succeeded'],
      ['three', 'succeeded'],
    ]);
    expect(result.published).toEqual({ two_status: 'not finished' });
  }, 120_000);

  it('an inquiry pending at the kill is still answerable after the restart (squall inquiry respond)', async () => {
    const s = await server();
    const ledger = path.join(s.dataDir, 'ledger.txt');
    const id = (await cli(s, 'run', 'wfcrash.approve', `ledger=${ledger}`, '--async')).trim();
    const inquiry = await waitFor(
      async () =>
        (await api<InquiryRecord[]>(s, '/api/v1/inquiries?status=pending')).find(
          (i) => i.parent_execution_id === id,
        ),
      30_000,
      'the inquiry',
    );
    await waitFor(async () => (await statusOf(s, id)) === 'paused', 30_000, 'the workflow to pause');
    const listed = JSON.parse(
      await cli(s, 'inquiry', 'list', '--status', 'pending', '--json'),
    ) as InquiryRecord[];
    expect(listed.map((i) => i.id)).toContain(inquiry.id);

    expect(await s.stop('SIGKILL')).toBeNull();
    await s.start();

    expect((await get(s, id)).status).toBe('paused');
    const refused = await runCli(['inquiry', 'respond', inquiry.id, '{"continue": "maybe"}'], s.cliEnv);
    expect(refused.code).not.toBe(0);
    expect(await cli(s, 'inquiry', 'respond', inquiry.id, '{"continue": true}')).toMatch(/answered/);
    const done = await finished(s, id);
    expect(done.status).toBe('succeeded');
    expect((done.result as { output: unknown }).output).toEqual({ approved: true });
    expect(ledgerLines(ledger)).toEqual(['before', 'after']);
    const tasks = await Promise.all(done.children.map((c) => record(s, c)));
    expect(tasks.map((t) => [t.context.parent?.task_id, t.status])).toEqual([
      ['before', 'succeeded'],
      ['ask', 'succeeded'],
      ['after', 'succeeded'],
    ]);
    // the first valid answer won: a second one is refused
    const again = await runCli(['inquiry', 'respond', inquiry.id, '{"continue": false}'], s.cliEnv);
    expect(again.code).not.toBe(0);
  }, 120_000);
});
