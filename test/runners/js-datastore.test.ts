import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionRecord } from '../../engine/model/index.ts';
import { type EngineFixture, startEngine } from '../helpers/engine-fixture.ts';

// A javascript action's `context.datastore` through the real engine: system keys as the system user, user-scope
// keys as the execution's user — never another user's, whatever the action asks for.
describe('javascript actions and the datastore', () => {
  let fx: EngineFixture;
  const packs = mkdtempSync(path.join(tmpdir(), 'squall-js-kv-'));
  const principal = (user: string) => fx.engine.rbac.principal(user);

  beforeAll(async () => {
    const actions = path.join(packs, 'kvjs', 'actions');
    mkdirSync(actions, { recursive: true });
    writeFileSync(
      path.join(packs, 'kvjs', 'pack.yaml'),
      'ref: kvjs\nname: kvjs\nversion: 1.0.0\ndescription: js datastore test\nauthor: squall\n',
    );
    writeFileSync(
      path.join(actions, 'kv_user.yaml'),
      'name: kv_user\nrunner_type: javascript\nentry_point: kv_user.mjs\nenabled: true\nparameters:\n  tag: {type: string, required: true}\n',
    );
    writeFileSync(
      path.join(actions, 'kv_user.mjs'),
      `export default async function (params, context) {
  const mine = await context.datastore.get('favourite', { scope: 'user' });
  const spoofed = await context.datastore.get('favourite', { scope: 'user', user: 'bob' });
  const shared = await context.datastore.get('region', { scope: 'system' });
  const secret = await context.datastore.get('pin', { scope: 'user', decrypt: true });
  await context.datastore.set('last_run', params.tag, { scope: 'user' });
  let refused;
  try {
    await context.datastore.get('region', { scope: 'everyone' });
  } catch (error) {
    refused = error.message;
  }
  return { mine, spoofed, shared, secret, refused };
}
`,
    );
    fx = await startEngine({
      packs: [packs],
      yaml: 'users:\n  alice: {roles: [operator]}\n  bob: {roles: [operator]}\n',
    });
    expect(fx.engine.packProblems().filter((p) => p.severity === 'error')).toEqual([]);
    await fx.engine.datastore.set(principal('alice'), 'favourite', 'tea', { scope: 'user' });
    await fx.engine.datastore.set(principal('alice'), 'pin', 'alice-pin-4321', {
      scope: 'user',
      encrypt: true,
    });
    await fx.engine.datastore.set(principal('bob'), 'favourite', 'coffee', { scope: 'user' });
    await fx.engine.datastore.set(principal('system'), 'region', 'eu-west-1');
  });
  afterAll(async () => {
    await fx?.close();
    rmSync(packs, { recursive: true, force: true });
  });

  async function runAs(user: string, tag: string): Promise<ExecutionRecord> {
    const requested = await fx.engine.run(
      { action: 'kvjs.kv_user', parameters: { tag }, context: { user } },
      principal(user),
    );
    return fx.engine.waitForExecution(requested.id);
  }

  it("reads and writes the execution's user's keys and system keys; a named other user is ignored", async () => {
    const record = await runAs('alice', 'run-1');
    expect(record.status, JSON.stringify(record.result)).toBe('succeeded');
    const result = (record.result as { result: Record<string, unknown> }).result;
    expect(result).toMatchObject({
      mine: 'tea',
      spoofed: 'tea',
      shared: 'eu-west-1',
      refused: 'datastore scope must be "system" or "user", got "everyone"',
    });
    // A decrypted user secret is redacted from what the execution keeps.
    expect(result.secret).toBe('********');
    expect(JSON.stringify(record)).not.toContain('alice-pin-4321');

    const written = await fx.engine.datastore.get(principal('alice'), 'last_run', { scope: 'user' });
    expect(written?.value).toBe('run-1');
    expect(await fx.engine.datastore.get(principal('bob'), 'last_run', { scope: 'user' })).toBeUndefined();
  });

  it("another user's execution sees that user's keys", async () => {
    const record = await runAs('bob', 'run-2');
    const result = (record.result as { result: Record<string, unknown> }).result;
    expect(result).toMatchObject({ mine: 'coffee', spoofed: 'coffee', shared: 'eu-west-1' });
    expect(result.secret).toBeUndefined();
    expect((await fx.engine.datastore.get(principal('bob'), 'last_run', { scope: 'user' }))?.value).toBe(
      'run-2',
    );
  });
});
