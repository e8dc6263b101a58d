import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EngineFixture, startEngine } from '../helpers/engine-fixture.ts';
import { REPO_ROOT } from '../helpers/squall-process.ts';

const PACKS = path.join(REPO_ROOT, 'test', 'fixtures', 'generic-packs');

// st2's generic triggers fire rules through the engine: execution completion, datastore changes, interval timers.
describe('generic triggers', () => {
  let fx: EngineFixture;
  beforeAll(async () => {
    fx = await startEngine({ packs: [PACKS] });
  });
  afterAll(async () => fx?.close());

  async function echoed(text: string) {
    for (let i = 0; i < 400; i++) {
      const found = fx.engine
        .listExecutions({ action: 'core.echo', limit: 200 })
        .find((e) => e.status === 'succeeded' && (e.result as { stdout?: string })?.stdout === text);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no core.echo printed ${JSON.stringify(text)}`);
  }

  it('core.st2.generic.actiontrigger fires when an execution completes', async () => {
    const run = await fx.engine.run(
      { action: 'core.noop', context: { user: 'admin' } },
      fx.engine.rbac.principal('admin'),
    );
    await fx.engine.waitForExecution(run.id);
    const echo = await echoed('completed core.noop succeeded');
    expect(echo.context.trigger_instance?.trigger).toBe('core.st2.generic.actiontrigger');
  });

  it('core.st2.key_value_pair.create fires when a key is created', async () => {
    await fx.engine.datastore.set(fx.engine.rbac.principal('admin'), 'deploy_target', 'blue');
    await echoed('key deploy_target created');
  });

  it('core.st2.IntervalTimer fires its rule', async () => {
    const tick = await echoed('tick');
    expect(tick.context.rule?.ref).toBe('generic.on_timer');
  });
});
