import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretBox } from '../../engine/crypto/secret-box.ts';
import { createDatastoreKeyv } from '../../engine/datastore/create-keyv.ts';
import { Datastore, type KvPrincipal } from '../../engine/datastore/datastore.ts';
import {
  configSchemaToJsonSchema,
  loadPackConfig,
  maskPackConfig,
  PackConfigError,
  type PackConfigSchema,
  packConfigSecrets,
  resolvePackConfig,
} from '../../engine/pack-configs/pack-configs.ts';
import { isYamlParseError, readYamlFile } from '../../engine/packs/yaml-file.ts';

const EXAMPLES_SCHEMA_FILE = join(
  import.meta.dirname,
  '../../../shared/compat/st2/examples/config.schema.yaml',
);

function examplesSchema(): PackConfigSchema {
  const file = readYamlFile(EXAMPLES_SCHEMA_FILE);
  if (isYamlParseError(file)) throw new Error(file.message);
  return file.data as PackConfigSchema;
}

const NESTED_SCHEMA: PackConfigSchema = {
  host: { type: 'string', required: true },
  ssh: {
    type: 'object',
    properties: {
      port: { type: 'integer', default: 22 },
      user: { type: 'string', default: 'stanley' },
      password: { type: 'string', secret: true },
    },
  },
  verify: { type: 'boolean', default: true },
  level: { type: 'string', enum: ['debug', 'info'] },
};

describe('pack configs', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'squall-configs-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const write = (pack: string, text: string) => writeFileSync(join(dir, `${pack}.yaml`), text);

  it('converts the st2 schema format to a JSON Schema object', () => {
    expect(configSchemaToJsonSchema(examplesSchema())).toEqual({
      type: 'object',
      properties: {
        api_key: { description: 'API key', type: 'string' },
        api_secret: { description: 'API secret', type: 'string' },
        region: { description: 'API region to use', type: 'string', default: 'us-east-1' },
        private_key_path: { description: 'Path to the private key file to use', type: 'string' },
      },
      required: ['api_key', 'api_secret', 'region'],
      additionalProperties: true,
    });
    const nested = configSchemaToJsonSchema(NESTED_SCHEMA) as { properties: { ssh: unknown } };
    expect(nested.properties.ssh).toEqual({
      type: 'object',
      properties: {
        port: { type: 'integer', default: 22 },
        user: { type: 'string', default: 'stanley' },
        password: { type: 'string' },
      },
    });
  });

  it('loads a valid config of the st2 examples pack and applies defaults', () => {
    write('examples', 'api_key: "k-123"\napi_secret: "s-456"\n');
    const loaded = loadPackConfig({ pack: 'examples', configDir: dir, schema: examplesSchema() });
    expect(loaded).toEqual({
      pack: 'examples',
      path: join(dir, 'examples.yaml'),
      exists: true,
      config: { api_key: 'k-123', api_secret: 's-456', region: 'us-east-1' },
    });
  });

  it('applies nested defaults and keeps given values', () => {
    write('nested', 'host: h1\nssh:\n  port: 2200\n');
    const { config } = loadPackConfig({ pack: 'nested', configDir: dir, schema: NESTED_SCHEMA });
    expect(config).toEqual({ host: 'h1', ssh: { port: 2200, user: 'stanley' }, verify: true });
    write('nested', 'host: h1\n');
    expect(loadPackConfig({ pack: 'nested', configDir: dir, schema: NESTED_SCHEMA }).config.ssh).toEqual({
      port: 22,
      user: 'stanley',
    });
  });

  it('names the file, line, key and expected type for a wrong type', () => {
    write('examples', 'api_key: "k"\napi_secret: "s"\nregion: 42\n');
    let error: unknown;
    try {
      loadPackConfig({ pack: 'examples', configDir: dir, schema: examplesSchema() });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PackConfigError);
    expect((error as Error).message).toBe(
      `${join(dir, 'examples.yaml')}:3: "region" must be string, got 42 (integer)`,
    );

    write('nested', 'host: h1\nssh:\n  port: "twenty-two"\nlevel: loud\n');
    expect(() => loadPackConfig({ pack: 'nested', configDir: dir, schema: NESTED_SCHEMA })).toThrow(
      /nested\.yaml:3: "ssh\.port" must be integer, got "twenty-two" \(string\)[\s\S]*nested\.yaml:4: "level" must be one of \["debug","info"\]/,
    );
  });

  it('never shows a secret value in a type error', () => {
    write('examples', 'api_key: 12345678\napi_secret: "s"\n');
    const run = () => loadPackConfig({ pack: 'examples', configDir: dir, schema: examplesSchema() });
    expect(run).toThrow(/"api_key" must be string, got an integer/);
    expect(run).not.toThrow(/12345678/);
  });

  it('names missing required keys, also when the file does not exist', () => {
    write('examples', 'api_key: "k"\n');
    expect(() => loadPackConfig({ pack: 'examples', configDir: dir, schema: examplesSchema() })).toThrow(
      '"api_secret" is required (API secret) but missing',
    );
    expect(() => loadPackConfig({ pack: 'nothere', configDir: dir, schema: examplesSchema() })).toThrow(
      /nothere\.yaml: the file does not exist and pack "nothere" requires a config/,
    );
    const optional = loadPackConfig({
      pack: 'opt',
      configDir: dir,
      schema: { x: { type: 'string', default: 'd' } },
    });
    expect(optional).toMatchObject({ exists: false, config: { x: 'd' } });
  });

  it('reports YAML errors and non-mapping files with the file name', () => {
    write('bad', 'a: [1, 2\n');
    expect(() => loadPackConfig({ pack: 'bad', configDir: dir, schema: {} })).toThrow(
      /bad\.yaml.*invalid YAML/,
    );
    write('list', '- 1\n- 2\n');
    expect(() => loadPackConfig({ pack: 'list', configDir: dir, schema: {} })).toThrow(
      /list\.yaml: expected a mapping of config keys, got array/,
    );
  });

  it('masks secret fields, nested ones included', () => {
    const masked = maskPackConfig(
      { api_key: 'k-123', api_secret: 's-456', region: 'us-east-1' },
      examplesSchema(),
    );
    expect(masked).toEqual({ api_key: '********', api_secret: '********', region: 'us-east-1' });
    expect(maskPackConfig({ host: 'h', ssh: { password: 'pw', port: 22 } }, NESTED_SCHEMA)).toEqual({
      host: 'h',
      ssh: { password: '********', port: 22 },
    });
    expect(
      packConfigSecrets({ api_key: 'k-123', api_secret: 's-456', region: 'us-east-1' }, examplesSchema()),
    ).toEqual(['k-123', 's-456']);
    expect(packConfigSecrets({ host: 'h', ssh: { password: 'pw' } }, NESTED_SCHEMA)).toEqual(['pw']);
  });

  describe('datastore references', () => {
    const admin: KvPrincipal = { user: 'root', isAdmin: true };
    const alice: KvPrincipal = { user: 'alice', isAdmin: false };
    const bob: KvPrincipal = { user: 'bob', isAdmin: false };
    let ds: Datastore;

    beforeEach(async () => {
      ds = new Datastore({
        keyv: createDatastoreKeyv({ path: ':memory:' }),
        cipher: new SecretBox(randomBytes(32)),
      });
      await ds.set(admin, 'examples_api_key', 'real-api-key', { encrypt: true });
      await ds.set(admin, 'ssh_port', '2222');
      await ds.set(alice, 'ssh_password', 'alice-pw', { scope: 'user', encrypt: true });
    });

    afterEach(async () => {
      await ds.close();
    });

    it('keeps templates as written at load and resolves them when used', async () => {
      write('examples', 'api_key: "{{ st2kv.system.examples_api_key | decrypt_kv }}"\napi_secret: plain\n');
      const schema = examplesSchema();
      const { config } = loadPackConfig({ pack: 'examples', configDir: dir, schema });
      expect(config.api_key).toBe('{{ st2kv.system.examples_api_key | decrypt_kv }}');
      const decrypted: string[] = [];
      const resolved = await resolvePackConfig(config, ds, bob, {
        schema,
        onDecrypted: (v) => decrypted.push(v),
      });
      expect(resolved).toEqual({ api_key: 'real-api-key', api_secret: 'plain', region: 'us-east-1' });
      expect(decrypted).toEqual(['real-api-key']);
      expect(maskPackConfig(resolved, schema).api_key).toBe('********');
    });

    it('accepts a template for a typed field at load and casts the resolved value', async () => {
      write(
        'nested',
        'host: h\nssh:\n  port: "{{ st2kv.system.ssh_port }}"\n  password: "{{ st2kv.user.ssh_password | decrypt_kv }}"\n',
      );
      const { config } = loadPackConfig({ pack: 'nested', configDir: dir, schema: NESTED_SCHEMA });
      const resolved = await resolvePackConfig(config, ds, alice, { schema: NESTED_SCHEMA });
      expect(resolved.ssh).toEqual({ port: 2222, user: 'stanley', password: 'alice-pw' });
    });

    it('resolves user keys only for their owner, and names missing keys', async () => {
      const config = { host: 'h', ssh: { password: '{{ st2kv.user.ssh_password | decrypt_kv }}' } };
      await expect(resolvePackConfig(config, ds, bob, { schema: NESTED_SCHEMA })).rejects.toThrow(
        'datastore key "user.ssh_password" does not exist',
      );
      await expect(
        resolvePackConfig({ host: '{{ st2kv.system.nope }}' }, ds, admin, { schema: NESTED_SCHEMA }),
      ).rejects.toThrow('datastore key "system.nope" does not exist');
    });

    it('names the key when a resolved value has the wrong type', async () => {
      await ds.set(admin, 'not_a_port', 'abc');
      await expect(
        resolvePackConfig({ host: 'h', ssh: { port: '{{ st2kv.system.not_a_port }}' } }, ds, admin, {
          schema: NESTED_SCHEMA,
          file: 'configs/nested.yaml',
        }),
      ).rejects.toThrow('configs/nested.yaml: "ssh.port" resolved to "abc", which is not integer');
    });
  });
});
