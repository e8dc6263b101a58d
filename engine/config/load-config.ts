import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { CONFIG_KEYS, type ConfigKey, envNameOf } from './config-keys.ts';
import type { EngineConfig, RbacConfig, WebhookConfig } from './engine-config.ts';

/** A configuration problem, naming the key and where its value came from. */
export class ConfigError extends Error {
  constructor(
    readonly key: string,
    readonly source: string,
    message: string,
  ) {
    super(`config key "${key}" (from ${source}): ${message}`);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  /** Flat effective values by key (`http.port` → 9101). */
  values: Record<string, unknown>;
  /** Where each value came from: default, file, env NAME. */
  sources: Record<string, string>;
  /** Secrets written in the YAML file, unknown keys ... (not fatal). */
  warnings: string[];
  /** The squall.yaml read, if any. */
  file?: string;
  engine: EngineConfig;
}

export interface LoadConfigOptions {
  /** --config; else SQUALL_CONFIG; else ./squall.yaml when it exists. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function flatten(
  obj: Record<string, unknown>,
  prefix = '',
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    const def = CONFIG_KEYS.find((c) => c.key === key);
    if (def || !v || typeof v !== 'object' || Array.isArray(v)) out[key] = v;
    else flatten(v as Record<string, unknown>, key, out);
  }
  return out;
}

function coerce(def: ConfigKey, raw: unknown, source: string, fromEnv: boolean): unknown {
  const fail = (expected: string): never => {
    throw new ConfigError(def.key, source, `expected ${expected}, got ${JSON.stringify(raw)}`);
  };
  switch (def.type) {
    case 'string':
      if (typeof raw === 'string') return raw;
      if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
      return fail('a string');
    case 'integer': {
      const n = typeof raw === 'string' && fromEnv && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isInteger(n)) return fail('an integer');
      if (def.min !== undefined && n < def.min) fail(`an integer >= ${def.min}`);
      if (def.max !== undefined && n > def.max) fail(`an integer <= ${def.max}`);
      return n;
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (fromEnv && typeof raw === 'string' && /^(true|false|1|0|yes|no)$/i.test(raw))
        return /^(true|1|yes)$/i.test(raw);
      return fail('true or false');
    case 'string-list':
      if (Array.isArray(raw) && raw.every((x) => typeof x === 'string')) return raw;
      if (typeof raw === 'string') return raw.split(fromEnv ? ':' : ',').filter(Boolean);
      return fail('a list of strings');
    case 'object':
      if (fromEnv && typeof raw === 'string') {
        try {
          raw = JSON.parse(raw);
        } catch {
          return fail('a JSON object');
        }
      }
      if (raw && typeof raw === 'object' && !Array.isArray(raw)) return raw;
      return fail('a mapping');
  }
}

function readYamlFile(file: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = YAML.parse(readFileSync(file, 'utf8'), { version: '1.1' });
  } catch (err) {
    throw new ConfigError('(file)', file, `not valid YAML: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new ConfigError('(file)', file, 'expected a mapping at the top level');
  return doc as Record<string, unknown>;
}

/** Loads squall.yaml + environment into the effective configuration. Throws ConfigError naming the key. */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const warnings: string[] = [];
  let file = options.file ?? env.SQUALL_CONFIG;
  if (file) {
    file = path.resolve(cwd, file);
    if (!existsSync(file)) throw new ConfigError('(file)', file, 'the config file does not exist');
  } else if (existsSync(path.join(cwd, 'squall.yaml'))) {
    file = path.join(cwd, 'squall.yaml');
  }
  const fromFile = file ? flatten(readYamlFile(file)) : {};
  for (const key of Object.keys(fromFile)) {
    if (!CONFIG_KEYS.some((c) => c.key === key))
      warnings.push(`unknown config key "${key}" in ${file} (ignored)`);
  }

  const values: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  for (const def of CONFIG_KEYS) {
    const envNames = [envNameOf(def.key), ...(def.envAliases ?? [])];
    let raw: unknown;
    let source: string | undefined;
    let fromEnv = false;
    for (const name of envNames) {
      if (env[name] !== undefined && (env[name] !== '' || def.emptyEnv)) {
        raw = env[name];
        source = `env ${name}`;
        fromEnv = true;
        break;
      }
      if (def.secret && env[`${name}_FILE`]) {
        const secretFile = env[`${name}_FILE`]!;
        try {
          raw = readFileSync(secretFile, 'utf8').trim();
        } catch (err) {
          throw new ConfigError(
            def.key,
            `env ${name}_FILE`,
            `cannot read ${secretFile}: ${(err as Error).message}`,
          );
        }
        source = `env ${name}_FILE`;
        fromEnv = true;
        break;
      }
    }
    if (source === undefined && def.key in fromFile) {
      raw = fromFile[def.key];
      source = `file ${file}`;
      if (def.secret && raw)
        warnings.push(
          `secret "${def.key}" is written in ${file}: prefer env ${envNames[0]} or ${envNames[0]}_FILE`,
        );
    }
    if (source === undefined) {
      raw =
        typeof def.default === 'function'
          ? (def.default as (r: Record<string, unknown>) => unknown)(values)
          : def.default;
      source = 'default';
    }
    const value = source === 'default' ? raw : coerce(def, raw, source, fromEnv);
    const problem = def.check?.(value);
    if (problem) throw new ConfigError(def.key, source, problem);
    values[def.key] = value;
    sources[def.key] = source;
  }
  values.data_dir = path.resolve(cwd, String(values.data_dir));
  for (const key of ['packs.config_dir', 'audit.path', 'crypto.key_path'] as const) {
    if (sources[key] === 'default') values[key] = computedDefault(key, values);
    else if (values[key]) values[key] = path.resolve(cwd, String(values[key]));
  }
  const webhooks = resolveWebhookSecrets(
    values.webhooks as Record<string, WebhookConfig>,
    env,
    warnings,
    file,
  );
  values.webhooks = webhooks;
  validateRbac(values.users, values.roles);
  return { values, sources, warnings, file, engine: toEngineConfig(values, cwd) };
}

function computedDefault(key: string, values: Record<string, unknown>): unknown {
  const def = CONFIG_KEYS.find((c) => c.key === key)!;
  return (def.default as (r: Record<string, unknown>) => unknown)(values);
}

function resolveWebhookSecrets(
  hooks: Record<string, WebhookConfig>,
  env: NodeJS.ProcessEnv,
  warnings: string[],
  file?: string,
): Record<string, WebhookConfig> {
  const out: Record<string, WebhookConfig> = {};
  for (const [name, hook] of Object.entries(hooks ?? {})) {
    if (!hook || typeof hook !== 'object')
      throw new ConfigError(`webhooks.${name}`, 'config', 'expected a mapping');
    const envName = `SQUALL_WEBHOOKS_${name.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}_HMAC_SECRET`;
    const copy: WebhookConfig = { ...hook };
    if (env[envName]) copy.hmac_secret = env[envName];
    else if (env[`${envName}_FILE`]) copy.hmac_secret = readFileSync(env[`${envName}_FILE`]!, 'utf8').trim();
    else if (hook.hmac_secret)
      warnings.push(
        `secret "webhooks.${name}.hmac_secret" is written in ${file ?? 'the config'}: prefer env ${envName}`,
      );
    out[name] = copy;
  }
  return out;
}

const BUILTIN_ROLES = new Set(['admin', 'operator', 'viewer']);

function validateRbac(users: unknown, roles: unknown): void {
  const roleNames = new Set([...BUILTIN_ROLES, ...Object.keys((roles as object) ?? {})]);
  for (const [name, user] of Object.entries((users as Record<string, unknown>) ?? {})) {
    const r = (user as { roles?: unknown })?.roles;
    if (!Array.isArray(r) || !r.every((x) => typeof x === 'string'))
      throw new ConfigError(`users.${name}.roles`, 'config', 'expected a list of role names');
    for (const role of r)
      if (!roleNames.has(role))
        throw new ConfigError(`users.${name}.roles`, 'config', `unknown role "${role}"`);
  }
  for (const [name, role] of Object.entries((roles as Record<string, unknown>) ?? {})) {
    if (!role || typeof role !== 'object')
      throw new ConfigError(`roles.${name}`, 'config', 'expected a mapping');
    const grants = (role as { grants?: unknown }).grants;
    if (
      grants !== undefined &&
      (!Array.isArray(grants) || grants.some((g) => !['run', 'respond', 'read', 'admin'].includes(g)))
    )
      throw new ConfigError(`roles.${name}.grants`, 'config', 'expected a list of run, respond, read, admin');
  }
}

function toEngineConfig(v: Record<string, unknown>, cwd: string): EngineConfig {
  const dataDir = String(v.data_dir);
  return {
    dataDir,
    packs: {
      builtinDir: v['packs.builtin_dir']
        ? path.resolve(cwd, String(v['packs.builtin_dir']))
        : path.join(REPO_ROOT, 'packs'),
      paths: [
        path.join(dataDir, 'packs'),
        ...(v['packs.paths'] as string[]).map((p) => path.resolve(cwd, p)),
      ],
      configDir: String(v['packs.config_dir']),
    },
    executions: {
      outputCapBytes: v['executions.output_cap_bytes'] as number,
      maxParallel: v['executions.max_parallel'] as number,
      drainSeconds: v['executions.drain_seconds'] as number,
    },
    audit: {
      path: String(v['audit.path']),
      maxBytes: v['audit.max_bytes'] as number,
      keep: v['audit.keep'] as number,
    },
    retention: {
      executionsDays: v['retention.executions_days'] as number,
      triggerInstancesDays: v['retention.trigger_instances_days'] as number,
      outputDays: v['retention.output_days'] as number,
    },
    crypto: { keyPath: String(v['crypto.key_path']) },
    datastore: { url: String(v['datastore.url']) },
    runners: { http: { allowHosts: v['runners.http.allow_hosts'] as string[] } },
    ssh: {
      knownHostsPath: v['ssh.known_hosts'] ? path.resolve(cwd, String(v['ssh.known_hosts'])) : '',
      strictHostKeyChecking: v['ssh.strict_host_key_checking'] as boolean,
      user: String(v['ssh.user']),
      keyFile: v['ssh.key_file'] ? path.resolve(cwd, String(v['ssh.key_file'])) : '',
      port: v['ssh.port'] as number,
      connectTimeoutSeconds: v['ssh.connect_timeout'] as number,
      maxParallel: v['ssh.max_parallel'] as number,
    },
    sensors: {
      heartbeatSeconds: v['sensors.heartbeat_seconds'] as number,
      heartbeatTimeoutSeconds: v['sensors.heartbeat_timeout_seconds'] as number,
      setupTimeoutSeconds: v['sensors.setup_timeout_seconds'] as number,
      pollTimeoutSeconds: (v['sensors.poll_timeout_seconds'] as number) || undefined,
      cleanupTimeoutSeconds: v['sensors.cleanup_timeout_seconds'] as number,
      backoffInitialSeconds: v['sensors.backoff_initial_seconds'] as number,
      backoffMaxSeconds: v['sensors.backoff_max_seconds'] as number,
      maxRestarts: v['sensors.max_restarts'] as number,
    },
    rbac: { users: v.users as RbacConfig['users'], roles: v.roles as RbacConfig['roles'] },
    webhooks: v.webhooks as Record<string, WebhookConfig>,
    http: {
      host: String(v['http.host']),
      port: v['http.port'] as number,
      bodyLimitBytes: v['http.body_limit_bytes'] as number,
      publicUrl: String(v['http.public_url']),
    },
  };
}

/** The effective config for display: secrets masked. */
export function maskedConfig(
  loaded: LoadedConfig,
): Record<string, { value: unknown; source: string; secret: boolean }> {
  const out: Record<string, { value: unknown; source: string; secret: boolean }> = {};
  for (const def of CONFIG_KEYS) {
    let value = loaded.values[def.key];
    if (def.secret && value) value = '********';
    if (def.key === 'webhooks') {
      value = Object.fromEntries(
        Object.entries(value as Record<string, WebhookConfig>).map(([k, h]) => [
          k,
          { ...h, ...(h.hmac_secret ? { hmac_secret: '********' } : {}) },
        ]),
      );
    }
    out[def.key] = { value, source: loaded.sources[def.key], secret: !!def.secret };
  }
  return out;
}

export { REPO_ROOT };
