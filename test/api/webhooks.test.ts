import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../../api/webhook-signature.ts';
import { createApiKey } from '../../engine/auth/api-keys.ts';
import { type EngineFixture, FIXTURE_PACKS, startEngine } from '../helpers/engine-fixture.ts';
import { waitFor } from '../helpers/squall-process.ts';

const SECRET = 'hook-secret-123';

describe('webhooks: authentication, validation, idempotency', () => {
  let fx: EngineFixture;
  let apiKey: string;

  beforeAll(async () => {
    fx = await startEngine({
      packs: [FIXTURE_PACKS],
      yaml: 'users:\n  ci: {roles: [operator]}\nwebhooks:\n  deploy: {idempotency_path: body.delivery}\n  public: {public: true}\n',
      env: { SQUALL_WEBHOOKS_DEPLOY_HMAC_SECRET: SECRET, SQUALL_HTTP_BODY_LIMIT_BYTES: '2048' },
    });
    apiKey = createApiKey(fx.engine.store, 'ci').key;
  });
  afterAll(async () => fx?.close());

  const post = (url: string, body: string, headers: Record<string, string> = {}) =>
    fx.app.inject({
      method: 'POST',
      url: `/api/v1/webhooks/${url}`,
      payload: body,
      headers: { 'content-type': 'application/json', ...headers },
    });

  const signed = (body: string, ts = Math.floor(Date.now() / 1000)) => ({
    'x-squall-timestamp': String(ts),
    'x-squall-signature': signWebhook(SECRET, String(ts), body),
  });

  it('rejects a request with no credentials (401) and fires nothing', async () => {
    const before = fx.engine.listTriggerInstances({ limit: 1000 }).length;
    const response = await post('deploy', '{"env": "prod", "text": "x"}');
    expect(response.statusCode).toBe(401);
    expect(fx.engine.listTriggerInstances({ limit: 1000 })).toHaveLength(before);
  });

  it('accepts an API key: 202 with the committed trigger instance, which fires the rule', async () => {
    const response = await post('deploy', '{"env": "prod", "text": "a; touch /tmp/squall-pwned-webhook"}', {
      'st2-api-key': apiKey,
    });
    expect(response.statusCode).toBe(202);
    const { id } = response.json() as { id: string };
    const instance = fx.engine.listTriggerInstances({ limit: 1000 }).find((t) => t.id === id);
    expect(instance?.payload).toMatchObject({ body: { env: 'prod' } });
    // The credential header is never stored in the payload.
    expect(JSON.stringify(instance?.payload)).not.toContain(apiKey);
    const enforcement = await waitForEnforcement(fx, id);
    expect(enforcement.status).toBe('succeeded');
    const done = await fx.engine.waitForExecution(enforcement.execution_id!);
    expect(done.status).toBe('succeeded');
    expect(done.context).toMatchObject({ rule: { ref: 'hooks.on_deploy' }, trigger_instance: { id } });
    // The webhook text reached the shell as one literal argument.
    expect((done.result as { stdout: string }).stdout).toBe('a; touch /tmp/squall-pwned-webhook\ndone');
  });

  it('audits a rule-fired execution with its rule and trigger instance (one line per status, no separate enforcement line)', async () => {
    const response = await post('deploy', '{"env": "prod", "text": "audit me"}', { 'st2-api-key': apiKey });
    const { id } = response.json() as { id: string };
    const enforcement = await waitForEnforcement(fx, id);
    await fx.engine.waitForExecution(enforcement.execution_id!);
    const executionLines = () =>
      readFileSync(fx.config.audit.path, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    // Audit lines are written at the end of the event-loop turn: wait for the final one.
    const lines = await waitFor(() => {
      const all = executionLines();
      const done = all.some((l) => l.execution_id === enforcement.execution_id && l.status === 'succeeded');
      return done ? all : undefined;
    });
    const mine = lines.filter((l) => l.execution_id === enforcement.execution_id);
    expect(mine.map((l) => l.status)).toEqual(['running', 'succeeded']);
    for (const line of mine)
      expect(line).toMatchObject({
        kind: 'execution.status',
        rule: 'hooks.on_deploy',
        trigger_instance_id: id,
      });
    expect(lines.filter((l) => l.kind === 'rule_enforcement' && l.trigger_instance_id === id)).toEqual([]);
  });

  it('accepts a valid HMAC signature and refuses its replay', async () => {
    const body = '{"env": "dev"}';
    const headers = signed(body);
    expect((await post('deploy', body, headers)).statusCode).toBe(202);
    const replay = await post('deploy', body, headers);
    expect([401, 409]).toContain(replay.statusCode);
  });

  it('refuses a bad signature, a changed body and a stale timestamp', async () => {
    const body = '{"env": "dev"}';
    expect(
      (await post('deploy', body, { ...signed(body), 'x-squall-signature': 'sha256=00' })).statusCode,
    ).toBe(401);
    expect((await post('deploy', '{"env": "prod"}', signed(body))).statusCode).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 301;
    expect((await post('deploy', body, signed(body, stale))).statusCode).toBe(401);
  });

  it('lets a public hook in without credentials', async () => {
    expect((await post('public', '{}')).statusCode).toBe(202);
  });

  it('answers 400 for a body that is not JSON, 413 above the limit, 404 for an unknown hook', async () => {
    expect((await post('deploy', '{not json', { 'st2-api-key': apiKey })).statusCode).toBe(400);
    expect(
      (await post('deploy', JSON.stringify({ big: 'x'.repeat(4096) }), { 'st2-api-key': apiKey })).statusCode,
    ).toBe(413);
    expect((await post('nobody-listens', '{}', { 'st2-api-key': apiKey })).statusCode).toBe(404);
  });

  it('fires a retried delivery once (Idempotency-Key header or the hook body path)', async () => {
    const first = await post('deploy', '{"env": "qa"}', {
      'st2-api-key': apiKey,
      'idempotency-key': 'delivery-1',
    });
    const second = await post('deploy', '{"env": "qa"}', {
      'st2-api-key': apiKey,
      'idempotency-key': 'delivery-1',
    });
    expect(second.json().id).toBe(first.json().id);
    expect(second.json().duplicate).toBe(true);
    const a = await post('deploy', '{"env": "qa", "delivery": 77}', { 'st2-api-key': apiKey });
    const b = await post('deploy', '{"env": "qa", "delivery": 77}', { 'st2-api-key': apiKey });
    expect(b.json().id).toBe(a.json().id);
  });

  it('fires any registered trigger type through /webhooks/st2', async () => {
    const ok = await post(
      'st2',
      JSON.stringify({ trigger: 'core.st2.generic.inquiry', payload: { id: 'x' } }),
      { 'st2-api-key': apiKey },
    );
    expect(ok.statusCode).toBe(202);
    const unknown = await post('st2', JSON.stringify({ trigger: 'nope.nothing', payload: {} }), {
      'st2-api-key': apiKey,
    });
    expect(unknown.statusCode).toBe(404);
  });

  it('lists what one trigger instance set off: GET /api/v1/ruleenforcements?trigger_instance=<id>', async () => {
    const first = (await post('deploy', '{"env": "prod", "text": "one"}', { 'st2-api-key': apiKey })).json();
    const second = (await post('deploy', '{"env": "prod", "text": "two"}', { 'st2-api-key': apiKey })).json();
    await waitForEnforcement(fx, first.id);
    await waitForEnforcement(fx, second.id);
    const response = await fx.app.inject({
      method: 'GET',
      url: `/api/v1/ruleenforcements?trigger_instance=${second.id}`,
      headers: { 'st2-api-key': apiKey },
    });
    expect(response.statusCode).toBe(200);
    const rows = response.json() as Array<{ trigger_instance_id: string; execution_id?: string }>;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.trigger_instance_id === second.id)).toBe(true);
  });

  it('keeps template text in a webhook body literal (data is never rendered)', async () => {
    const body = JSON.stringify({
      env: 'prod',
      text: '{{ range.constructor("return process")() }} {{ st2kv.system.pw | decrypt_kv }}',
    });
    const response = await post('deploy', body, { 'st2-api-key': apiKey });
    const enforcement = await waitForEnforcement(fx, response.json().id);
    const done = await fx.engine.waitForExecution(enforcement.execution_id!);
    expect((done.result as { stdout: string }).stdout).toBe(
      '{{ range.constructor("return process")() }} {{ st2kv.system.pw | decrypt_kv }}\ndone',
    );
  });
});

async function waitForEnforcement(fx: EngineFixture, triggerInstanceId: string) {
  for (let i = 0; i < 400; i++) {
    const [found] = fx.engine.listRuleEnforcements({ trigger_instance_id: triggerInstanceId, limit: 1 });
    if (found) return found;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no rule enforcement for trigger instance ${triggerInstanceId}`);
}
