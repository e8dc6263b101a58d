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
