import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionRecord } from '../../engine/model/index.ts';
import { type EngineFixture, startEngine } from '../helpers/engine-fixture.ts';

// The built-in examples pack: a workflow with an approval, its aliases, a webhook rule.
describe('examples pack', () => {
  let fx: EngineFixture;
  beforeAll(async () => {
    fx = await startEngine();
  });
  afterAll(async () => fx?.close());

  const admin = () => fx.engine.rbac.principal('admin');

  async function until<T>(check: () => T | undefined, what: string): Promise<T> {
    for (let i = 0; i < 600; i++) {
      const value = check();
      if (value) return value;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  it('restart_service asks for approval, then restarts (dry run) with the service name kept literal', async () => {
    const canary = `/tmp/squall-examples-${process.pid}`;
    const wf = await fx.engine.run(
      {
        action: 'examples.restart_service',
        parameters: { service: `nginx; touch ${canary}` },
        context: { user: 'admin' },
        untrustedParameters: ['service'],
      },
      admin(),
    );
    const inquiry = await until(
      () =>
        fx.engine
          .listInquiries({ status: 'pending' })
          .find((i) => fx.engine.getExecution(i.execution_id)?.parent === wf.id),
      'the approval',
    );
    expect(fx.engine.getExecution(wf.id)?.status).toBe('paused');
    await fx.engine.respondInquiry(inquiry.id, { approved: true }, admin());
    const done = await fx.engine.waitForExecution(wf.id);
    expect(done.status).toBe('succeeded');
    expect(done.result).toMatchObject({ output: { outcome: 'restarted' } });
    const step = fx.engine
      .listExecutions({ parent: wf.id, limit: 10 })
      .find((e: ExecutionRecord) => e.action === 'examples.restart_step');
    expect(step).toBeDefined();
    expect((step!.result as { stdout: string }).stdout).toBe(
      `would run: systemctl restart nginx; touch ${canary}`,
    );
    expect(existsSync(canary)).toBe(false);
  });

  it('the output stream of a workflow reports its tasks as they change, then the final record', async () => {
    await fx.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = fx.app.server.address() as { port: number };
    const wf = await fx.engine.run(
      { action: 'examples.restart_service', parameters: { service: 'nginx' }, context: { user: 'admin' } },
      admin(),
    );
    const response = await fetch(`http://127.0.0.1:${port}/stream/v1/executions/${wf.id}/output`, {
      headers: { 'x-auth-token': fx.adminToken },
    });
    const events: Array<{ event: string; data: Record<string, unknown> }> = [];
    let answered = false;
    let buffer = '';
    const decoder = new TextDecoder();
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end = buffer.indexOf('\n\n');
      for (; end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
        // The approval is answered once the stream has said the workflow waits for it.
        const last = events.at(-1);
        if (!answered && last?.data.action === 'core.ask' && last.data.status === 'pending') {
          answered = true;
          await fx.engine.respondInquiry(String(last.data.id), { approved: true }, admin());
        }
      }
      if (events.at(-1)?.event === 'EOF') break;
    }
    const progress = events.filter((e) => e.event === 'squall.execution.progress').map((e) => e.data);
    const tasks = progress.filter((p) => p.id !== wf.id).map((p) => `${p.task_id} ${p.status}`);
    expect(tasks).toContain('approve pending');
    expect(tasks).toContain('approve succeeded');
    expect(tasks.at(-1)).toBe('restart succeeded');
    expect(progress.every((p) => p.id === wf.id || p.parent === wf.id)).toBe(true);
    expect(progress.filter((p) => p.id === wf.id).map((p) => p.status)).toContain('paused');
    expect(events.at(-2)).toMatchObject({
      event: 'st2.execution__update',
      data: { id: wf.id, status: 'succeeded' },
    });
  });

  it('a declined approval ends the workflow without restarting', async () => {
    const wf = await fx.engine.run(
      { action: 'examples.restart_service', parameters: { service: 'redis' }, context: { user: 'admin' } },
      admin(),
    );
    const inquiry = await until(
      () =>
        fx.engine
          .listInquiries({ status: 'pending' })
          .find((i) => fx.engine.getExecution(i.execution_id)?.parent === wf.id),
      'the approval',
    );
    await fx.engine.respondInquiry(inquiry.id, { approved: false }, admin());
    const done = await fx.engine.waitForExecution(wf.id);
    expect(done.status).toBe('succeeded');
    expect(done.result).toMatchObject({ output: { outcome: 'declined' } });
    expect(
      fx.engine
        .listExecutions({ parent: wf.id, limit: 10 })
        .some((e) => e.action === 'examples.restart_step'),
    ).toBe(false);
  });

  it('has an alias for every action it ships', () => {
    const actions = fx.engine.actions().filter((a) => a.pack === 'examples');
    const aliased = new Set(fx.engine.aliases().map((a) => a.action_ref));
    expect(actions.map((a) => a.ref).filter((ref) => !aliased.has(ref))).toEqual([]);
  });
});
