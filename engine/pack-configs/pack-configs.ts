import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import type { Datastore, KvPrincipal } from '../datastore/datastore.ts';
import { MASKED_VALUE } from '../datastore/datastore.ts';
import { buildSt2kvContext, collectKvReferences } from '../datastore/template-context.ts';
import { hasJinja } from '../expressions/detect.ts';
import { renderValue } from '../expressions/index.ts';
import { isYamlParseError, readYamlFile } from '../packs/yaml-file.ts';

/**
 * Pack configs (st2): `<configDir>/<pack>.yaml`, validated against the pack's `config.schema.yaml`, a mapping
 * of key → property spec (`type`, `default`, `required`, `secret`, `description`, nested `properties`, ...).
 * Datastore references (`{{ st2kv.system.x | decrypt_kv }}`) stay as written at load and are resolved when
 * the config is used (resolvePackConfig), for the principal of that run.
 */

/** st2 config schema: key → property spec. */
export type PackConfigSchema = Record<string, unknown>;
export type PackConfig = Record<string, unknown>;

export interface PackConfigProblem {
  /** Dotted key (`ssh.port`), empty for the whole config. */
  key: string;
  message: string;
  line?: number;
}

/** A config that does not match its schema (or cannot be read). The message names file, key and expectation. */
export class PackConfigError extends Error {
  /** The caller can fix it (an API request that renders the config answers 400, not 500). */
  readonly statusCode = 400;
  constructor(
    readonly file: string,
    readonly problems: PackConfigProblem[],
  ) {
    super(
      problems
        .map(
          (p) =>
            `${file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.key ? `"${p.key}" ` : ''}${p.message}`,
        )
        .join('\n'),
    );
    this.name = 'PackConfigError';
  }
}

export interface LoadedPackConfig {
  pack: string;
  /** The file read (or that would be read). */
  path: string;
  exists: boolean;
  /** Values with schema defaults applied; templates unresolved. */
  config: PackConfig;
}

export interface LoadPackConfigOptions {
  pack: string;
  /** `packs.configDir` (default `<dataDir>/configs`). */
  configDir: string;
  /** The pack's config.schema.yaml (LoadedPack.configSchema); without it the file is only read. */
  schema?: PackConfigSchema;
}

/** st2 metadata keys in a property spec that are not JSON Schema. */
const NON_SCHEMA_KEYS = new Set(['required', 'secret', 'immutable', 'position']);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function convertSpec(spec: unknown): unknown {
  if (!isPlainObject(spec)) return spec;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec)) {
    if (NON_SCHEMA_KEYS.has(k)) continue;
    if (k === 'properties' && isPlainObject(v)) {
      const { properties, required } = convertProperties(v);
      out.properties = properties;
      if (required.length > 0) out.required = required;
    } else if ((k === 'items' || k === 'additionalItems') && (isPlainObject(v) || Array.isArray(v))) {
      out[k] = Array.isArray(v) ? v.map(convertSpec) : convertSpec(v);
    } else if (k === 'additionalProperties' && isPlainObject(v)) {
      out[k] = convertSpec(v);
    } else if (k === 'patternProperties' && isPlainObject(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, convertSpec(s)]));
    } else {
      out[k] = v;
    }
  }
  // st2 (draft 4 + `required: true` on a property) allows null for optional values.
  return out;
}

function convertProperties(props: Record<string, unknown>): {
  properties: Record<string, unknown>;
  required: string[];
} {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [name, spec] of Object.entries(props)) {
    properties[name] = convertSpec(spec);
    if (isPlainObject(spec) && spec.required === true) required.push(name);
  }
  return { properties, required };
}

/** The st2 config schema as a JSON Schema object (required lists, st2-only keywords dropped). */
export function configSchemaToJsonSchema(schema: PackConfigSchema): Record<string, unknown> {
  const { properties, required } = convertProperties(schema);
  return {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: true,
  };
}

const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes: false, useDefaults: false });
addFormats.default(ajv);
const compiled = new WeakMap<PackConfigSchema, ReturnType<typeof ajv.compile>>();

function validatorFor(schema: PackConfigSchema) {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile(configSchemaToJsonSchema(schema));
    compiled.set(schema, v);
  }
  return v;
}

/** Fills missing values from `default` (nested objects too); returns a new object. */
export function applyConfigDefaults(config: PackConfig, schema: PackConfigSchema): PackConfig {
  const out: PackConfig = { ...config };
  for (const [name, spec] of Object.entries(schema)) {
    if (!isPlainObject(spec)) continue;
    const current = out[name];
    if (current === undefined && spec.default !== undefined) {
      out[name] = structuredClone(spec.default);
    }
    if (isPlainObject(spec.properties)) {
      const nested = out[name];
      if (isPlainObject(nested)) {
        out[name] = applyConfigDefaults(nested, spec.properties);
      } else if (nested === undefined && hasNestedDefaults(spec.properties)) {
        out[name] = applyConfigDefaults({}, spec.properties);
      }
    }
  }
  return out;
}

function hasNestedDefaults(props: Record<string, unknown>): boolean {
  return Object.values(props).some(
    (s) =>
      isPlainObject(s) &&
      (s.default !== undefined || (isPlainObject(s.properties) && hasNestedDefaults(s.properties))),
  );
}

function dotted(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function valueAt(config: unknown, pointer: string): unknown {
  let node = config;
  for (const seg of pointer.split('/').slice(1)) {
    node = isPlainObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[seg] : undefined;
  }
  return node;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function describeProblem(config: unknown, error: ErrorObject, schema: PackConfigSchema): PackConfigProblem {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') {
    const missing = String(params.missingProperty);
    const parent = dotted(error.instancePath);
    const key = parent ? `${parent}.${missing}` : missing;
    const description = descriptionOf(schema, key);
    return { key, message: `is required${description ? ` (${description})` : ''} but missing` };
  }
  const key = dotted(error.instancePath);
  const value = valueAt(config, error.instancePath);
  const secret = isSecretPath(schema, key);
  const got = secret
    ? `${/^[aeiou]/.test(typeName(value)) ? 'an' : 'a'} ${typeName(value)}`
    : `${JSON.stringify(value)} (${typeName(value)})`;
  switch (error.keyword) {
    case 'type':
      return { key, message: `must be ${String(params.type).replace(',', ' or ')}, got ${got}` };
    case 'enum':
      return { key, message: `must be one of ${JSON.stringify(params.allowedValues)}, got ${got}` };
    default:
      return { key, message: `${error.message ?? 'is invalid'} (got ${got})` };
  }
}

function specAt(schema: PackConfigSchema, key: string): Record<string, unknown> | undefined {
  let props: unknown = schema;
  let spec: Record<string, unknown> | undefined;
  for (const seg of key.split('.')) {
    if (!isPlainObject(props)) return undefined;
    const s = props[seg];
    if (!isPlainObject(s)) return undefined;
    spec = s;
    props = s.properties;
  }
  return spec;
}

function descriptionOf(schema: PackConfigSchema, key: string): string | undefined {
  const d = specAt(schema, key)?.description;
  return typeof d === 'string' ? d : undefined;
}

function isSecretPath(schema: PackConfigSchema, key: string): boolean {
  let props: unknown = schema;
  for (const seg of key.split('.')) {
    if (!isPlainObject(props)) return false;
    const s = props[seg];
    if (!isPlainObject(s)) return false;
    if (s.secret === true) return true;
    props = s.properties;
  }
  return false;
}

/** Replaces templated string leaves by a placeholder of the declared type, so they pass until resolved. */
function withoutTemplates(value: unknown, spec: unknown): unknown {
  if (typeof value === 'string' && hasJinja(value)) return placeholderFor(spec);
  if (Array.isArray(value)) {
    const items = isPlainObject(spec) ? spec.items : undefined;
    return value.map((v) => withoutTemplates(v, items));
  }
  if (isPlainObject(value)) {
    const props = isPlainObject(spec) && isPlainObject(spec.properties) ? spec.properties : undefined;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutTemplates(v, props?.[k])]));
  }
  return value;
}

function placeholderFor(spec: unknown): unknown {
  const t = isPlainObject(spec) ? spec.type : undefined;
  const type = Array.isArray(t) ? t[0] : t;
  switch (type) {
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'object':
      return {};
    case 'null':
      return null;
    default:
      return '';
  }
}

/**
 * Applies defaults and validates. Templated values (`{{ st2kv... }}`) are accepted for any type here and
 * checked again once resolved. Throws PackConfigError naming the file, the key and what was expected.
 */
export function validatePackConfig(
  config: unknown,
  schema: PackConfigSchema,
  file: string,
  lineOf?: (pointer: string) => number | undefined,
): PackConfig {
  if (config === null || config === undefined) config = {};
  if (!isPlainObject(config)) {
    throw new PackConfigError(file, [
      { key: '', message: `expected a mapping of config keys, got ${typeName(config)}` },
    ]);
  }
  const withDefaults = applyConfigDefaults(config, schema);
  const validate = validatorFor(schema);
  const checked = withoutTemplates(withDefaults, { properties: schema });
  if (!validate(checked)) {
    const problems = (validate.errors ?? []).map((e) => {
      const p = describeProblem(checked, e, schema);
      const pointer = `/${p.key.split('.').join('/')}`;
      const line = lineOf?.(pointer);
      return line !== undefined && p.key && valueAt(config, pointer) !== undefined ? { ...p, line } : p;
    });
    throw new PackConfigError(file, problems);
  }
  return withDefaults;
}

/** The config file of a pack: `<configDir>/<pack>.yaml` (or `.yml` when only that exists). */
export function packConfigPath(configDir: string, pack: string): string {
  const yaml = join(configDir, `${pack}.yaml`);
  const yml = join(configDir, `${pack}.yml`);
  return !existsSync(yaml) && existsSync(yml) ? yml : yaml;
}

/**
 * Loads and validates a pack's config. A missing file is an empty config (defaults apply); it is an error
 * only when the schema requires keys that have no default.
 */
export function loadPackConfig(options: LoadPackConfigOptions): LoadedPackConfig {
  if (!/^[A-Za-z0-9_-]+$/.test(options.pack)) {
    throw new PackConfigError(options.pack, [{ key: '', message: 'invalid pack name' }]);
  }
  const path = packConfigPath(options.configDir, options.pack);
  const exists = existsSync(path);
  let data: unknown = {};
  let lineOf: ((pointer: string) => number | undefined) | undefined;
  if (exists) {
    const file = readYamlFile(path);
    if (isYamlParseError(file)) {
      throw new PackConfigError(path, [{ key: '', message: file.message, line: file.line }]);
    }
    data = file.data;
    lineOf = file.lineOf;
  }
  if (!options.schema) {
    if (data === null || data === undefined) data = {};
    if (!isPlainObject(data)) {
      throw new PackConfigError(path, [
        { key: '', message: `expected a mapping of config keys, got ${typeName(data)}` },
      ]);
    }
    return { pack: options.pack, path, exists, config: data };
  }
  try {
    return {
      pack: options.pack,
      path,
      exists,
      config: validatePackConfig(data, options.schema, path, lineOf),
    };
  } catch (error) {
    if (!exists && error instanceof PackConfigError) {
      throw new PackConfigError(path, [
        { key: '', message: `the file does not exist and pack "${options.pack}" requires a config` },
        ...error.problems,
      ]);
    }
    throw error;
  }
}

/** A copy with every `secret: true` value (nested too) replaced by `********`, for showing a config. */
export function maskPackConfig(config: PackConfig, schema: PackConfigSchema | undefined): PackConfig {
  if (!schema) return structuredClone(config);
  const out: PackConfig = {};
  for (const [name, value] of Object.entries(config)) {
    const spec = schema[name];
    if (isPlainObject(spec) && spec.secret === true && value !== undefined && value !== null) {
      out[name] = MASKED_VALUE;
    } else if (isPlainObject(spec) && isPlainObject(spec.properties) && isPlainObject(value)) {
      out[name] = maskPackConfig(value, spec.properties);
    } else {
      out[name] = structuredClone(value);
    }
  }
  return out;
}

/** Every value of a `secret: true` field (nested too), as text: for an execution's redaction set. */
export function packConfigSecrets(config: PackConfig, schema: PackConfigSchema | undefined): string[] {
  const out: string[] = [];
  if (!schema) return out;
  for (const [name, value] of Object.entries(config)) {
    const spec = schema[name];
    if (!isPlainObject(spec) || value === undefined || value === null) continue;
    if (spec.secret === true) {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      if (text !== '') out.push(text);
    } else if (isPlainObject(spec.properties) && isPlainObject(value)) {
      out.push(...packConfigSecrets(value, spec.properties));
    }
  }
  return out;
}

function templatesIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string' && hasJinja(value)) out.push(value);
  else if (Array.isArray(value)) for (const v of value) templatesIn(v, out);
  else if (isPlainObject(value)) for (const v of Object.values(value)) templatesIn(v, out);
  return out;
}

/** A rendered string becomes the declared type (st2 casts dynamic config values the same way). */
function castRendered(key: string, value: unknown, spec: unknown, file: string): unknown {
  if (typeof value !== 'string' || !isPlainObject(spec) || spec.type === undefined) return value;
  const types = Array.isArray(spec.type) ? spec.type : [spec.type];
  if (types.includes('string')) return value;
  const text = value.trim();
  for (const type of types) {
    if (type === 'integer' && /^[-+]?\d+$/.test(text)) return Number.parseInt(text, 10);
    if (type === 'number' && text !== '' && Number.isFinite(Number(text))) return Number(text);
    if (type === 'boolean' && /^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
    if ((type === 'object' || type === 'array') && /^[[{]/.test(text)) {
      try {
        const parsed = JSON.parse(text);
        if (type === 'array' ? Array.isArray(parsed) : isPlainObject(parsed)) return parsed;
      } catch {
        // reported below
      }
    }
  }
  const shown = spec.secret === true ? 'a secret value' : JSON.stringify(value);
  throw new PackConfigError(file, [
    { key, message: `resolved to ${shown}, which is not ${types.map(String).join(' or ')}` },
  ]);
}

export interface ResolvePackConfigOptions {
  /** The pack's schema: resolved values are cast to the declared type and validated again. */
  schema?: PackConfigSchema;
  /** For messages (default `config`). */
  file?: string;
  /** Every decrypted datastore value (to add to the execution's redaction set). */
  onDecrypted?: (value: string) => void;
}

/**
 * Renders the config's templates (`{{ st2kv.system.x | decrypt_kv }}`, ...) against the datastore as
 * `principal` sees it. The datastore's scope rules apply: a config resolved for user A reads A's user keys only.
 */
export async function resolvePackConfig(
  config: PackConfig,
  datastore: Datastore,
  principal: KvPrincipal,
  options: ResolvePackConfigOptions = {},
): Promise<PackConfig> {
  const templates = templatesIn(config);
  if (templates.length === 0) return structuredClone(config);
  const file = options.file ?? 'config';
  const kv = await buildSt2kvContext(datastore, principal, collectKvReferences(templates), {
    onDecrypted: options.onDecrypted,
  });
  const context: Record<string, unknown> = { ...kv };
  const walk = (value: unknown, spec: unknown, key: string): unknown => {
    if (typeof value === 'string' && hasJinja(value)) {
      let rendered: unknown;
      try {
        rendered = renderValue(value, context);
      } catch (error) {
        throw new PackConfigError(file, [
          { key, message: `cannot resolve template: ${(error as Error).message}` },
        ]);
      }
      return castRendered(key, rendered, spec, file);
    }
    if (Array.isArray(value)) {
      const items = isPlainObject(spec) ? spec.items : undefined;
      return value.map((v, i) => walk(v, items, `${key}.${i}`));
    }
    if (isPlainObject(value)) {
      const props = isPlainObject(spec) && isPlainObject(spec.properties) ? spec.properties : undefined;
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, walk(v, props?.[k], key ? `${key}.${k}` : k)]),
      );
    }
    return value;
  };
  const resolved = walk(config, { properties: options.schema ?? {} }, '') as PackConfig;
  if (options.schema) return validatePackConfig(resolved, options.schema, file);
  return resolved;
}
