import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EngineFixture, FIXTURE_PACKS, startEngine } from '../helpers/engine-fixture.ts';

// Issue "Datastore": a rule whose criteria and action parameters read the datastore, one of them encrypted.
describe('rules reading the datastore', () => {
  let fx: EngineFixture;
  const TOKEN = 'tok-canary-8e1f0c';

  beforeAll(async () => {
    fx = await startEngine({ packs: [FIXTURE_PACKS], yaml: 'webhooks:\n  kv: {public: true}\n' });
    const admin = fx.engine.rbac.principal('admin');
    await fx.engine.datastore.set(admin, 'region', 'eu-west');
    await fx.engine.datastore.set(admin, 'api_token', TOKEN, { encrypt: true });
  });
  afterAll(async () => fx?.close());

  async function fire(body: unknown) {
    const response = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/kv',
      payload: body as object,
    });
    expect(response.statusCode).toBe(202);
    await fx.engine.durable();
    for (let i = 0; i < 400; i++) {
      const e = fx.engine
        .listRuleEnforcements({ limit: 1000 })
        .find((x) => x.trigger_instance_id === response.json().id);
      if (e) return e;
      await new Promise((r) => setTimeout(r, 25));
    }
    return undefined;
  }

  it('matches a criterion against a datastore value and renders decrypt_kv into the action, never showing it', async () => {
    const enforcement = await fire({ region: 'eu-west' });
    expect(enforcement?.status).toBe('succeeded');
    const done = await fx.engine.waitForExecution(enforcement!.execution_id!);
    expect(done.status).toBe('succeeded');
    // The action got the clear value (it printed it), but every view masks it.
    expect(done.parameters.text).toBe('********');
    expect(JSON.stringify(done)).not.toContain(TOKEN);
    expect(JSON.stringify(fx.engine.executionOutput(done.id))).not.toContain(TOKEN);
    const api = await fx.app.inject({
      method: 'GET',
      url: `/api/v1/executions/${done.id}`,
      headers: { 'x-auth-token': fx.adminToken },
    });
    expect(api.body).not.toContain(TOKEN);
    // Stored encrypted: the SQLite file never holds the clear token.
    await fx.engine.durable();
    for (const file of ['squall.db', 'squall.db-wal']) {
      const p = path.join(fx.config.dataDir, file);
      try {
        expect(readFileSync(p).includes(Buffer.from(TOKEN))).toBe(false);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  });

  it('does not fire when the datastore value does not match', async () => {
    const before = fx.engine.listExecutions({ action: 'hooks.write', limit: 100 }).length;
    const response = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/kv',
      payload: { region: 'us-east' },
    });
    expect(response.statusCode).toBe(202);
    // Wait until the trigger instance has been processed, then nothing may have run.
    for (let i = 0; i < 400; i++) {
      const ti = fx.engine.listTriggerInstances({ limit: 1000 }).find((t) => t.id === response.json().id);
      if (ti?.status === 'processed') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(
      fx.engine.listTriggerInstances({ limit: 1000 }).find((t) => t.id === response.json().id)?.status,
    ).toBe('processed');
    expect(fx.engine.listExecutions({ action: 'hooks.write', limit: 100 })).toHaveLength(before);
  });
});
