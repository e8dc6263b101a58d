import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, maskedConfig } from '../../engine/config/load-config.ts';

function dir(): string {
  return mkdtempSync(path.join(tmpdir(), 'squall-config-'));
}

describe('loadConfig', () => {
  it('gives the zero-setup defaults: ./.squall and 127.0.0.1:9101', () => {
    const cwd = dir();
    const loaded = loadConfig({ env: {}, cwd });
    expect(loaded.engine.dataDir).toBe(path.join(cwd, '.squall'));
    expect(loaded.engine.http).toMatchObject({ host: '127.0.0.1', port: 9101 });
    expect(loaded.engine.crypto.keyPath).toBe(path.join(cwd, '.squall', 'squall.key'));
    expect(loaded.engine.packs.paths[0]).toBe(path.join(cwd, '.squall', 'packs'));
  });

  it('reads squall.yaml and lets SQUALL_* env override any key', () => {
    const cwd = dir();
    writeFileSync(path.join(cwd, 'squall.yaml'), 'http:\n  port: 9200\nexecutions:\n  max_parallel: 4\n');
    const loaded = loadConfig({ env: { SQUALL_EXECUTIONS_MAX_PARALLEL: '8' }, cwd });
    expect(loaded.engine.http.port).toBe(9200);
    expect(loaded.engine.executions.maxParallel).toBe(8);
    expect(loaded.sources['executions.max_parallel']).toBe('env SQUALL_EXECUTIONS_MAX_PARALLEL');
  });

  it('turns the audit log off with an empty SQUALL_AUDIT_PATH; other empty env values are ignored', () => {
    const cwd = dir();
    const loaded = loadConfig({ env: { SQUALL_AUDIT_PATH: '', SQUALL_PORT: '' }, cwd });
    expect(loaded.engine.audit.path).toBe('');
    expect(loaded.engine.http.port).toBe(9101);
    expect(loadConfig({ env: {}, cwd }).engine.audit.path).toBe(path.join(cwd, '.squall', 'audit.log'));
  });

  it('accepts SQUALL_PORT, SQUALL_DATA_DIR and platform names like SLACK_BOT_TOKEN', () => {
    const cwd = dir();
    const loaded = loadConfig({
      env: { SQUALL_PORT: '9999', SQUALL_DATA_DIR: '/tmp/x-data', SLACK_BOT_TOKEN: 'xoxb-1' },
      cwd,
    });
    expect(loaded.engine.http.port).toBe(9999);
    expect(loaded.engine.dataDir).toBe('/tmp/x-data');
    expect(loaded.values['slack.bot_token']).toBe('xoxb-1');
  });

  it('reads secrets from *_FILE and masks them when shown', () => {
    const cwd = dir();
    const file = path.join(cwd, 'token');
    writeFileSync(file, 'xoxb-secret\n');
    const loaded = loadConfig({ env: { SQUALL_SLACK_BOT_TOKEN_FILE: file }, cwd });
    expect(loaded.values['slack.bot_token']).toBe('xoxb-secret');
    expect(maskedConfig(loaded)['slack.bot_token']).toMatchObject({ value: '********', secret: true });
    expect(JSON.stringify(maskedConfig(loaded))).not.toContain('xoxb-secret');
  });

  it('warns about secrets written in squall.yaml', () => {
    const cwd = dir();
    writeFileSync(path.join(cwd, 'squall.yaml'), 'slack:\n  bot_token: xoxb-in-file\n');
    const loaded = loadConfig({ env: {}, cwd });
    expect(loaded.values['slack.bot_token']).toBe('xoxb-in-file');
    expect(loaded.warnings.join('\n')).toMatch(/slack\.bot_token.*SQUALL_SLACK_BOT_TOKEN/);
  });

  it('names the key, its source and what was expected on a bad value', () => {
    const cwd = dir();
    expect(() => loadConfig({ env: { SQUALL_HTTP_PORT: 'eighty' }, cwd })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { SQUALL_HTTP_PORT: 'eighty' }, cwd })).toThrow(
      /config key "http\.port" \(from env SQUALL_HTTP_PORT\): expected an integer/,
    );
    writeFileSync(path.join(cwd, 'squall.yaml'), 'users:\n  alice: {roles: [superhero]}\n');
    expect(() => loadConfig({ env: {}, cwd })).toThrow(/users\.alice\.roles.*unknown role "superhero"/);
  });

  it('takes per-hook HMAC secrets from the environment', () => {
    const cwd = dir();
    writeFileSync(path.join(cwd, 'squall.yaml'), 'webhooks:\n  deploy-hook: {public: false}\n');
    const loaded = loadConfig({ env: { SQUALL_WEBHOOKS_DEPLOY_HOOK_HMAC_SECRET: 's3cret' }, cwd });
    expect(loaded.engine.webhooks['deploy-hook'].hmac_secret).toBe('s3cret');
    expect(JSON.stringify(maskedConfig(loaded))).not.toContain('s3cret');
  });
});
