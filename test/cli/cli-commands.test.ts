import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDataDir } from '../helpers/squall-process.ts';

// The CLI in-process on a data dir (no server running): exit codes and --json shapes users script against.
describe('squall CLI', () => {
  const dataDir = tempDataDir();
  const env = { SQUALL_DATA_DIR: dataDir };
  const files = mkdtempSync(path.join(tmpdir(), 'squall-cli-'));
  afterAll(() => undefined);

  it('rule test explains each criterion; exit 0 matched or not, 2 for an invalid rule', async () => {
    const rule = path.join(files, 'rule.yaml');
    writeFileSync(
      rule,
      'name: r\npack: p\nenabled: true\ntrigger: {type: core.st2.webhook, parameters: {url: x}}\ncriteria:\n  trigger.body.env: {type: equals, pattern: prod}\naction: {ref: core.noop}\n',
    );
    const hit = path.join(files, 'hit.json');
    writeFileSync(hit, JSON.stringify({ trigger: 'core.st2.webhook', payload: { body: { env: 'prod' } } }));
    const miss = path.join(files, 'miss.json');
    writeFileSync(miss, JSON.stringify({ trigger: 'core.st2.webhook', payload: { body: { env: 'dev' } } }));

    const matched = await runCli(['rule', 'test', '--rule', rule, '--trigger-instance', hit, '--json'], env);
    expect(matched.code, matched.stderr).toBe(0);
    const out = JSON.parse(matched.stdout);
    expect(out.matched).toBe(true);
    expect(out.criteria[0]).toMatchObject({
      operator: 'equals',
      pattern: 'prod',
      value: 'prod',
      result: true,
    });

    const missed = await runCli(['rule', 'test', '--rule', rule, '--trigger-instance', miss, '--json'], env);
    expect(missed.code).toBe(0);
    expect(JSON.parse(missed.stdout)).toMatchObject({
      matched: false,
      criteria: [{ value: 'dev', result: false }],
    });

    const bad = path.join(files, 'bad.yaml');
    writeFileSync(
      bad,
      'name: r\ntrigger: {type: core.st2.webhook}\ncriteria:\n  trigger.x: {type: nosuchop, pattern: 1}\naction: {ref: core.noop}\n',
    );
    const invalid = await runCli(['rule', 'test', '--rule', bad, '--trigger-instance', hit], env);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/nosuchop|operator/);
  });

  it('key set/get/list/delete: encrypted values stay encrypted unless --decrypt', async () => {
    expect((await runCli(['key', 'set', 'db_password', 's3cr3t-value', '--encrypt'], env)).code).toBe(0);
    const listed = await runCli(['key', 'list', '--json'], env);
    const items = JSON.parse(listed.stdout) as Array<{ name: string; value: string; encrypted: boolean }>;
    expect(items.find((i) => i.name === 'db_password')).toMatchObject({ encrypted: true });
    expect(listed.stdout).not.toContain('s3cr3t-value');
    const got = await runCli(['key', 'get', 'db_password', '--decrypt', '--json'], env);
    expect(JSON.parse(got.stdout)).toMatchObject({
      name: 'db_password',
      value: 's3cr3t-value',
      secret: true,
    });
    const rotated = await runCli(['key', 'rotate-key'], env);
    expect(rotated.code, rotated.stderr).toBe(0);
    const again = await runCli(['key', 'get', 'db_password', '--decrypt', '--json'], env);
    expect(JSON.parse(again.stdout).value).toBe('s3cr3t-value');
    expect((await runCli(['key', 'delete', 'db_password'], env)).code).toBe(0);
    const gone = await runCli(['key', 'get', 'db_password'], env);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/does not exist/);
  });

  it('apikey create prints the key once; list shows only its metadata; delete removes it', async () => {
    const created = JSON.parse((await runCli(['apikey', 'create', '--name', 'ci', '--json'], env)).stdout);
    expect(created.key).toMatch(/^sq_/);
    const listed = await runCli(['apikey', 'list', '--json'], env);
    expect(listed.stdout).toContain(created.id);
    expect(listed.stdout).not.toContain(created.key);
    expect((await runCli(['apikey', 'delete', created.id], env)).code).toBe(0);
  });

  it('config check names the invalid key and exits non-zero', async () => {
    const ok = await runCli(['config', 'check', '--json'], env);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).valid).toBe(true);
    const bad = await runCli(['config', 'check', '--json'], { ...env, SQUALL_HTTP_PORT: 'eighty' });
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ valid: false, key: 'http.port' });
  });

  it('run prints the final record with --json and exits 1 when the action fails', async () => {
    const ok = await runCli(['run', 'core.local', 'cmd=echo hi', '--json'], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ status: 'succeeded', result: { stdout: 'hi' } });
    const failed = await runCli(['run', 'core.local', 'cmd=exit 3', '--json'], env);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ status: 'failed', result: { return_code: 3 } });
    const badParam = await runCli(['run', 'core.local', 'timeout=soon'], env);
    expect(badParam.code).toBe(1);
    expect(badParam.stderr).toMatch(/timeout/);
  });

  it('execution re-run follows the new execution like run (exit code, --json), or returns at once with --async; list filters by user and time', async () => {
    const first = JSON.parse((await runCli(['run', 'core.local', 'cmd=echo again', '--json'], env)).stdout);
    const again = await runCli(['execution', 're-run', first.id, '--json'], env);
    expect(again.code, again.stderr).toBe(0);
    const rerun = JSON.parse(again.stdout);
    expect(rerun.id).not.toBe(first.id);
    expect(rerun).toMatchObject({ status: 'succeeded', result: { stdout: 'again' } });

    const overridden = await runCli(['execution', 're-run', first.id, 'cmd=exit 4'], env);
    expect(overridden.code).toBe(1);
    expect(JSON.parse(overridden.stdout)).toMatchObject({ return_code: 4 });
    expect(overridden.stderr).toMatch(/\(core\.local\) failed/);

    const queued = await runCli(['execution', 're-run', first.id, '--async'], env);
    expect(queued.code, queued.stderr).toBe(0);
    expect(queued.stdout.trim()).toMatch(/^[0-9a-f]{24}$/);
    expect(queued.stdout.trim()).not.toBe(first.id);

    const recent = await runCli(['execution', 'list', '--user', 'admin', '--since', '1h', '--json'], env);
    expect(recent.code, recent.stderr).toBe(0);
    expect((JSON.parse(recent.stdout) as Array<{ id: string }>).map((e) => e.id)).toContain(rerun.id);
    const badWindow = await runCli(['execution', 'list', '--since', 'last tuesday'], env);
    expect(badWindow.code).not.toBe(0);
    expect(badWindow.stderr).toMatch(/"since" must be an ISO-8601 time/);

    const missing = await runCli(['execution', 're-run', 'ffffffffffffffffffffffff'], env);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/not found/);
  });

  void dataDir;
});
