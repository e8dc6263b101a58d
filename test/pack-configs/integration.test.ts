import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatPackConfig } from '../../cli/commands/pack-config.ts';
import type { ExecutionRecord } from '../../engine/model/index.ts';
import type { PackConfigView } from '../../engine/pack-configs/pack-config-service.ts';
import { type EngineFixture, FIXTURE_PACKS, startEngine } from '../helpers/engine-fixture.ts';

const SECRET = 'tok-8c1f2e77d9';
const ST2_EXAMPLES = path.resolve(import.meta.dirname, '../../../shared/compat/st2/examples');

let fx: EngineFixture;
let configDir: string;

const admin = () => fx.engine.rbac.principal('admin');
const system = () => fx.engine.rbac.principal('system');

function writeConfig(pack: string, yaml: string): void {
  writeFileSync(path.join(configDir, `${pack}.yaml`), yaml);
}

async function registerConfigs(): Promise<{ packs: string[]; problems: Array<Record<string, unknown>> }> {
  const res = await fx.app.inject({
    method: 'POST',
    url: '/api/v1/packs/configs/register',
    headers: { 'x-auth-token': fx.adminToken, 'content-type': 'application/json' },
    payload: '{}',
  });
  expect(res.statusCode).toBe(200);
  return res.json();
}

async function showConfig(pack: string): Promise<{ status: number; body: string; view: PackConfigView }> {
  const res = await fx.app.inject({
    method: 'GET',
    url: `/api/v1/packs/${pack}/config`,
    headers: { 'x-auth-token': fx.adminToken },
  });
  return { status: res.statusCode, body: res.body, view: res.json() };
}

async function run(action: string, parameters: Record<string, unknown> = {}): Promise<ExecutionRecord> {
  const requested = await fx.engine.run({ action, parameters, context: { user: 'admin' } }, admin());
  return fx.engine.waitForExecution(requested.id);
}

const GOOD_CONFIG = `---
region: eu-west-1
api_token: "{{ st2kv.system.cfg_token | decrypt_kv }}"
`;

beforeAll(async () => {
  configDir = mkdtempSync(path.join(tmpdir(), 'squall-pack-configs-'));
  writeConfig('cfgpack', GOOD_CONFIG);
  fx = await startEngine({ packs: [FIXTURE_PACKS], env: { SQUALL_PACKS_CONFIG_DIR: configDir } });
  await fx.engine.datastore.set(system(), 'cfg_token', SECRET, { encrypt: true });
});

afterAll(async () => {
  await fx?.close();
  rmSync(configDir, { recursive: true, force: true });
});

describe('pack configs, end to end', () => {
  beforeEach(async () => {
    writeConfig('cfgpack', GOOD_CONFIG);
    await registerConfigs();
  });

  it('loads the config when packs load: defaults applied, secret masked, template never resolved on show', async () => {
    const { status, body, view } = await showConfig('cfgpack');
    expect(status).toBe(200);
    expect(view).toMatchObject({
      pack: 'cfgpack',
      path: path.join(configDir, 'cfgpack.yaml'),
      exists: true,
      has_schema: true,
      config: { region: 'eu-west-1', port: 8443, api_token: '********' },
    });
    expect(view.error).toBeUndefined();
    expect(body).not.toContain(SECRET);
    expect(body).not.toContain('st2kv');
    // `squall pack config cfgpack` prints the same view as YAML.
    const text = formatPackConfig(view);
    expect(text).toContain(`# pack cfgpack: ${path.join(configDir, 'cfgpack.yaml')}`);
    expect(text).toContain('region: eu-west-1');
    expect(text).toContain('port: 8443');
    expect(text).toContain('api_token: "********"');
    expect(text).not.toContain(SECRET);
  });

  it('a pack without a config shows an empty one; an unknown pack is 404', async () => {
    const { status, view } = await showConfig('hooks');
    expect(status).toBe(200);
    expect(view).toMatchObject({ pack: 'hooks', exists: false, has_schema: false, config: {} });
    expect(formatPackConfig(view)).toContain('(no file: schema defaults only)');
    expect((await showConfig('nosuchpack')).status).toBe(404);
  });

  it('{{ config_context.x }} works in action parameter defaults', async () => {
    const record = await run('cfgpack.show_region');
    expect(record.status).toBe('succeeded');
    expect(record.parameters).toMatchObject({
      region: 'eu-west-1',
      endpoint: 'https://eu-west-1.example.test:8443',
    });
  });

  it('a parameter rendering a secret config value (st2kv | decrypt_kv) is resolved at use and stored masked', async () => {
    const record = await run('cfgpack.use_token');
    expect(record.status).toBe('succeeded');
    expect(record.parameters.token).toBe('********');
    expect(JSON.stringify(record)).not.toContain(SECRET);
    expect(JSON.stringify(fx.engine.listExecutions({ limit: 50 }))).not.toContain(SECRET);
    // Decrypted only on explicit request.
    expect(fx.engine.getExecution(record.id, { showSecrets: true })?.parameters.token).toBe(SECRET);
  });

  it('a javascript action receives `config` resolved (datastore value decrypted) and the secret is redacted', async () => {
    const record = await run('cfgpack.js_config');
    expect(record.status).toBe('succeeded');
    const result = (record.result as { result: Record<string, unknown> }).result;
    expect(result).toMatchObject({ region: 'eu-west-1', port: 8443, token_length: SECRET.length });
    expect(result.token).toBe('********');
    expect(JSON.stringify(record)).not.toContain(SECRET);
    expect(JSON.stringify(fx.engine.executionOutput(record.id))).not.toContain(SECRET);
  });

  it('the datastore value is read when the config is used, not when it loads', async () => {
    await fx.engine.datastore.set(system(), 'cfg_token', 'rotated-token-value', { encrypt: true });
    try {
      const record = await run('cfgpack.js_config');
      const result = (record.result as { result: Record<string, unknown> }).result;
      expect(result.token_length).toBe('rotated-token-value'.length);
      expect(JSON.stringify(record)).not.toContain('rotated-token-value');
    } finally {
      await fx.engine.datastore.set(system(), 'cfg_token', SECRET, { encrypt: true });
    }
  });

  it('a missing datastore key fails what reads the config, naming the key', async () => {
    writeConfig('cfgpack', 'region: eu-west-1\napi_token: "{{ st2kv.system.cfg_missing | decrypt_kv }}"\n');
    expect((await registerConfigs()).problems).toEqual([]);
    const record = await run('cfgpack.js_config');
    expect(record.status).toBe('failed');
    expect(JSON.stringify(record.result)).toContain('cfg_missing');
    expect(JSON.stringify(record.result)).toContain(path.join(configDir, 'cfgpack.yaml'));
    expect((await run('cfgpack.plain')).status).toBe('succeeded');
  });

  it('a wrong-type config is a clear problem (file, key, expected type); the pack loads; only config readers fail', async () => {
    writeConfig('cfgpack', 'region: eu-west-1\nport: "eighty"\n');
    const file = path.join(configDir, 'cfgpack.yaml');
    const { problems } = await registerConfigs();
    expect(problems).toEqual([
      expect.objectContaining({
        pack: 'cfgpack',
        file,
        path: '/port',
        line: 2,
        severity: 'error',
        message: 'config "port" must be integer, got "eighty" (string)',
      }),
    ]);
    expect(fx.engine.packProblems()).toContainEqual(expect.objectContaining({ file, path: '/port' }));
    const { view } = await showConfig('cfgpack');
    expect(view.error).toBe(`${file}:2: "port" must be integer, got "eighty" (string)`);

    // The pack is still registered.
    expect(fx.engine.getAction('cfgpack.plain')).toBeDefined();
    expect((await run('cfgpack.plain')).status).toBe('succeeded');
    // A parameter template reading config_context: the request is refused with the config error.
    await expect(run('cfgpack.show_region')).rejects.toThrow(/"port" must be integer, got "eighty"/);
    const api = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/executions',
      headers: { 'x-auth-token': fx.adminToken, 'content-type': 'application/json' },
      payload: JSON.stringify({ action: 'cfgpack.show_region', parameters: {} }),
    });
    expect(api.statusCode).toBe(400);
    expect(api.json().faultstring).toContain(`${file}:2: "port" must be integer`);
    // A javascript action (receives `config`): the execution fails with the config error.
    const js = await run('cfgpack.js_config');
    expect(js.status).toBe('failed');
    expect(JSON.stringify(js.result)).toContain('\\"port\\" must be integer');
  });

  it('a missing config file whose schema requires values is a warning and fails what reads the config', async () => {
    rmSync(path.join(configDir, 'cfgpack.yaml'));
    const { problems } = await registerConfigs();
    expect(problems).toEqual([
      expect.objectContaining({ pack: 'cfgpack', path: '/region', severity: 'warning' }),
    ]);
    expect(String(problems[0]?.message)).toMatch(/"region" is required .* but missing \(no config file/);
    const record = await run('cfgpack.js_config');
    expect(record.status).toBe('failed');
    expect(JSON.stringify(record.result)).toContain('requires a config');
  });

  it('`pack register` (full reload) re-reads configs too', async () => {
    writeConfig('cfgpack', 'region: ap-south-1\nport: 9000\n');
    const res = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/packs/register',
      headers: { 'x-auth-token': fx.adminToken, 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(res.statusCode).toBe(200);
    const record = await run('cfgpack.show_region');
    expect(record.parameters).toMatchObject({ endpoint: 'https://ap-south-1.example.test:9000' });
  });

  it('the config routes need credentials', async () => {
    expect((await fx.app.inject({ method: 'GET', url: '/api/v1/packs/cfgpack/config' })).statusCode).toBe(
      401,
    );
    const reload = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/packs/configs/register',
      payload: {},
    });
    expect(reload.statusCode).toBe(401);
  });
});

describe('st2 examples.render_config_context', () => {
  let packsRoot: string;
  let st2: EngineFixture;
  let st2Configs: string;

  beforeAll(async () => {
    // The workflow calls `fixtures.render_config_context`, from a st2 test pack outside the corpus: a stand-in
    // javascript action whose parameter defaults to `{{ config_context.config_key_a }}` and returns it.
    packsRoot = mkdtempSync(path.join(tmpdir(), 'squall-st2-cfg-'));
    symlinkSync(ST2_EXAMPLES, path.join(packsRoot, 'examples'));
    const fixtures = path.join(packsRoot, 'fixtures');
    mkdirSync(path.join(fixtures, 'actions'), { recursive: true });
    writeFileSync(
      path.join(fixtures, 'pack.yaml'),
      '---\nref: fixtures\nname: fixtures\nversion: 0.1.0\nauthor: t\ndescription: stand-in\n',
    );
    writeFileSync(
      path.join(fixtures, 'config.schema.yaml'),
      '---\nconfig_key_a:\n  type: string\n  required: true\n',
    );
    writeFileSync(
      path.join(fixtures, 'actions', 'render_config_context.yaml'),
      [
        '---',
        'name: render_config_context',
        'runner_type: javascript',
        'entry_point: render_config_context.mjs',
        'enabled: true',
        'parameters:',
        '  param1:',
        '    type: string',
        '    default: "{{ config_context.config_key_a }}"',
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(fixtures, 'actions', 'render_config_context.mjs'),
      'export default async (params) => ({ context_value: params.param1 });\n',
    );
    st2Configs = path.join(packsRoot, 'configs');
    mkdirSync(st2Configs);
    writeFileSync(path.join(st2Configs, 'fixtures.yaml'), 'config_key_a: "{{ st2kv.system.cfg_a }}"\n');
    st2 = await startEngine({ packs: [packsRoot], env: { SQUALL_PACKS_CONFIG_DIR: st2Configs } });
    await st2.engine.datastore.set(st2.engine.rbac.principal('system'), 'cfg_a', 'value of config key a');
  });

  afterAll(async () => {
    await st2?.close();
    rmSync(packsRoot, { recursive: true, force: true });
  });

  it('runs the workflow; the task renders config_context from the pack config (st2kv resolved at use)', async () => {
    const principal = st2.engine.rbac.principal('admin');
    const requested = await st2.engine.run(
      { action: 'examples.render_config_context', parameters: {}, context: { user: 'admin' } },
      principal,
    );
    const record = await st2.engine.waitForExecution(requested.id);
    expect(record.status).toBe('succeeded');
    expect(record.result).toMatchObject({ output: { context_value: 'value of config key a' } });
    // examples has required secrets (api_key, api_secret) and no config file: a warning, the pack still loads.
    expect(st2.engine.packProblems()).toContainEqual(
      expect.objectContaining({ pack: 'examples', path: '/api_key', severity: 'warning' }),
    );
  });
});
