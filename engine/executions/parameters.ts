import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { EngineRequestError } from '../engine.ts';
import { hasJinja } from '../expressions/detect.ts';
import { renderShellCommand, renderValue } from '../expressions/index.ts';
import type { ActionDefinition, ParameterSchema, ParameterSpec } from '../model/index.ts';

/**
 * A parameter is invalid: unknown, immutable, missing, of the wrong type, or its template failed.
 * An EngineRequestError with status 400, so the API answers 400 (and no execution is recorded, as in st2).
 */
export class ParameterError extends EngineRequestError {
  constructor(
    message: string,
    readonly parameter?: string,
  ) {
    super(message, 400);
    this.name = 'ParameterError';
  }
}

/** Runners whose `cmd` is a shell command line: untrusted values are shell-quoted when a template substitutes them. */
export const SHELL_CMD_RUNNERS: ReadonlySet<string> = new Set(['local-shell-cmd', 'remote-shell-cmd']);

/** Attributes an action may change on an immutable runner parameter (besides restating equal values). */
const IMMUTABLE_OVERRIDABLE = new Set(['default', 'description', 'immutable']);
/** st2 metadata keys that are not JSON Schema. */
const NON_SCHEMA_KEYS = new Set(['required', 'immutable', 'secret', 'position', 'default', 'description']);

export type KvLookup = (scope: 'system' | 'user', key: string) => Promise<unknown>;

export interface ResolveInput {
  action: ActionDefinition;
  /** The runner's name and parameter schema. */
  runner: { name: string; parameters: ParameterSchema };
  /** Parameters of the request (chat/CLI values may be strings; they are cast). */
  given?: Record<string, unknown>;
  /** Request parameters whose values are data from outside: never rendered, shell-quoted in shell `cmd`. */
  untrusted?: readonly string[];
  /** Extra names for templates: `action_context`, `config_context`, ... (`st2kv` is filled through `kv`). */
  context?: Record<string, unknown>;
  /** Datastore read for `st2kv.system.x` / `st2kv.user.x` references (values as stored: encrypted stay so). */
  kv?: KvLookup;
  /**
   * Extra template context for the templates about to render (e.g. the datastore's `{ st2kv, __decrypt_kv }`
   * snapshot); takes precedence over `kv`. Every value it decrypts must be reported through `onDecrypted`.
   */
  templateContext?: (
    templates: string[],
    onDecrypted: (value: string) => void,
  ) => Promise<Record<string, unknown>>;
}

export interface ResolvedParameters {
  parameters: Record<string, unknown>;
  /** Schema secrets, plus any parameter whose rendered value contains a decrypted datastore value. */
  secretNames: ReadonlySet<string>;
  /** Datastore values decrypted while rendering (to redact from output). */
  decrypted: string[];
}

interface Compiled {
  schema: ParameterSchema;
  secretNames: ReadonlySet<string>;
  validators: Map<string, ValidateFunction>;
}

const ajv = new Ajv({ strict: false, allErrors: false, coerceTypes: false, useDefaults: false });
const cache = new WeakMap<ActionDefinition, WeakMap<ParameterSchema, Compiled>>();

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/**
 * st2's merge of a runner's parameter schema with an action's overrides: each attribute comes from the runner
 * unless the action sets it. On an immutable runner parameter the action may only change `default` (and restate
 * the other attributes unchanged), as st2 actions do with `sudo: {immutable: true}` or `cmd: {default: ...}`.
 */
export function mergeParameterSchemas(
  runner: ParameterSchema,
  action: ParameterSchema,
  where: string,
): ParameterSchema {
  const merged: ParameterSchema = {};
  for (const [name, spec] of Object.entries(runner)) merged[name] = { ...spec };
  for (const [name, spec] of Object.entries(action ?? {})) {
    const base = runner[name];
    if (!base) {
      merged[name] = { ...(spec ?? {}) };
      continue;
    }
    if (base.immutable) {
      for (const [attr, value] of Object.entries(spec ?? {})) {
        if (!IMMUTABLE_OVERRIDABLE.has(attr) && !sameValue(value, base[attr])) {
          throw new ParameterError(
            `${where}: runner parameter "${name}" is immutable; the action may only override its default (not "${attr}")`,
            name,
          );
        }
      }
    }
    merged[name] = { ...base, ...(spec ?? {}) };
  }
  return merged;
}

function specSchema(spec: ParameterSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec)) if (!NON_SCHEMA_KEYS.has(k)) out[k] = v;
  return out;
}

function compile(action: ActionDefinition, runner: { name: string; parameters: ParameterSchema }): Compiled {
  let byRunner = cache.get(action);
  if (!byRunner) {
    byRunner = new WeakMap();
    cache.set(action, byRunner);
  }
  let compiled = byRunner.get(runner.parameters);
  if (compiled) return compiled;
  const where = `action "${action.ref}" (${action.metadata_file})`;
  const schema = mergeParameterSchemas(runner.parameters ?? {}, action.parameters ?? {}, where);
  const secretNames = new Set<string>();
  const validators = new Map<string, ValidateFunction>();
  for (const [name, spec] of Object.entries(schema)) {
    if (spec.secret) secretNames.add(name);
    const js = specSchema(spec);
    if (Object.keys(js).length === 0) continue;
    try {
      validators.set(name, ajv.compile(js));
    } catch (error) {
      throw new ParameterError(
        `${where}: parameter "${name}" has an invalid schema: ${(error as Error).message}`,
        name,
      );
    }
  }
  compiled = { schema, secretNames, validators };
  byRunner.set(runner.parameters, compiled);
  return compiled;
}

/** The merged schema and secret names of an action (cached). */
export function actionParameterSchema(
  action: ActionDefinition,
  runner: { name: string; parameters: ParameterSchema },
): { schema: ParameterSchema; secretNames: ReadonlySet<string> } {
  const c = compile(action, runner);
  return { schema: c.schema, secretNames: c.secretNames };
}

function typesOf(spec: ParameterSpec | undefined): string[] {
  const t = spec?.type;
  return t === undefined ? [] : Array.isArray(t) ? t : [t];
}

const TRUE = new Set(['true', 'yes', 'y', 'on', '1']);
const FALSE = new Set(['false', 'no', 'n', 'off', '0']);

/** st2's cast_params: strings (chat, CLI `k=v`, rendered templates) become the declared type. */
export function castValue(name: string, spec: ParameterSpec | undefined, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const types = typesOf(spec);
  if (types.length === 0 || types.includes('string')) return value;
  const fail = (type: string): never => {
    throw new ParameterError(`parameter "${name}": expected ${type}, got ${JSON.stringify(value)}`, name);
  };
  const text = value.trim();
  for (const type of types) {
    switch (type) {
      case 'integer':
        if (/^[-+]?\d+$/.test(text)) return Number.parseInt(text, 10);
        break;
      case 'number':
        if (text !== '' && Number.isFinite(Number(text))) return Number(text);
        break;
      case 'boolean':
        if (TRUE.has(text.toLowerCase())) return true;
        if (FALSE.has(text.toLowerCase())) return false;
        break;
      case 'array':
        if (text.startsWith('[')) {
          try {
            const parsed = JSON.parse(text);
            if (Array.isArray(parsed)) return parsed;
          } catch {
            // not JSON: fall back to a comma list below
          }
        }
        return text === '' ? [] : text.split(',').map((s) => s.trim());
      case 'object':
        try {
          const parsed = JSON.parse(text);
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed;
        } catch {
          // reported below
        }
        break;
      case 'null':
        if (text === '' || text === 'null' || text === 'None') return null;
        break;
    }
  }
  return fail(types.join(' or '));
}

function describeError(name: string, value: unknown, error: ErrorObject): string {
  const at = error.instancePath ? `${name}${error.instancePath.replaceAll('/', '.')}` : name;
  let inner: unknown = value;
  for (const part of error.instancePath.split('/').slice(1)) {
    inner = inner && typeof inner === 'object' ? (inner as Record<string, unknown>)[part] : undefined;
  }
  const got = JSON.stringify(inner);
  switch (error.keyword) {
    case 'type':
      return `parameter "${at}": expected ${String((error.params as { type: unknown }).type)}, got ${got}`;
    case 'enum':
      return `parameter "${at}": expected one of ${JSON.stringify(
        (error.params as { allowedValues: unknown[] }).allowedValues,
      )}, got ${got}`;
    default:
      return `parameter "${at}": ${error.message ?? 'is invalid'}`;
  }
}

/** Every Jinja-bearing string leaf of a value. */
function templatesIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    if (hasJinja(value)) out.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) templatesIn(v, out);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) templatesIn(v, out);
  }
  return out;
}

const BLOCK = /\{\{([\s\S]*?)\}\}|\{%([\s\S]*?)%\}/g;
const STRING_LITERAL = /'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g;
const IDENT = /(?<![.\w])([A-Za-z_]\w*)/g;
const ST2KV = /st2kv\.(system|user)\.([A-Za-z0-9_-]+)/g;

/** Root names a template reads (string literals and attribute names excluded). */
function referencedNames(template: string): Set<string> {
  const names = new Set<string>();
  for (const m of template.matchAll(BLOCK)) {
    const code = (m[1] ?? m[2] ?? '').replace(STRING_LITERAL, '""');
    for (const id of code.matchAll(IDENT)) names.add(id[1]!);
  }
  return names;
}

function renderShellCmd(
  template: string,
  data: Record<string, unknown>,
  tainted: ReadonlySet<string>,
): unknown {
  try {
    return renderShellCommand(template, data, tainted);
  } catch (error) {
    throw new ParameterError(
      `parameter "cmd": template ${JSON.stringify(template)} failed: ${(error as Error).message}`,
      'cmd',
    );
  }
}

function renderLeaves(value: unknown, data: Record<string, unknown>, name: string): unknown {
  if (typeof value === 'string') {
    if (!hasJinja(value)) return value;
    try {
      return renderValue(value, data);
    } catch (error) {
      throw new ParameterError(
        `parameter "${name}": template ${JSON.stringify(value)} failed: ${(error as Error).message}`,
        name,
      );
    }
  }
  if (Array.isArray(value)) return value.map((v) => renderLeaves(v, data, name));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderLeaves(v, data, name);
    return out;
  }
  return value;
}

async function loadKv(
  templates: string[],
  kv: KvLookup | undefined,
): Promise<Record<string, unknown> | undefined> {
  if (!kv) return undefined;
  const refs = new Map<string, ['system' | 'user', string]>();
  for (const t of templates) {
    for (const m of t.matchAll(ST2KV)) refs.set(`${m[1]}.${m[2]}`, [m[1] as 'system' | 'user', m[2]!]);
  }
  if (refs.size === 0) return undefined;
  const st2kv: Record<'system' | 'user', Record<string, unknown>> = { system: {}, user: {} };
  await Promise.all(
    [...refs.values()].map(async ([scope, key]) => {
      st2kv[scope][key] = await kv(scope, key);
    }),
  );
  return st2kv;
}

/**
 * Validates and renders an execution's parameters as st2 does: merge runner + action schemas, reject unknown and
 * immutable request values, cast strings, render Jinja defaults/values in dependency order (`{{ other }}`,
 * `st2kv`, `config_context`, `action_context`), then check required and validate types/enums (ajv, cached).
 */
export async function resolveParameters(input: ResolveInput): Promise<ResolvedParameters> {
  const { action, runner } = input;
  const compiled = compile(action, runner);
  const { schema } = compiled;
  const given = input.given ?? {};
  const untrusted = new Set(input.untrusted ?? []);

  // Raw values: request values over defaults. Request values are cast first (chat/CLI give strings).
  const raw = new Map<string, unknown>();
  for (const [name, value] of Object.entries(given)) {
    const spec = schema[name];
    if (!spec) {
      throw new ParameterError(`parameter "${name}" is not a parameter of action "${action.ref}"`, name);
    }
    if (spec.immutable) {
      throw new ParameterError(
        `parameter "${name}" of action "${action.ref}" is immutable and cannot be set`,
        name,
      );
    }
    if (value === undefined) continue;
    raw.set(name, value);
  }
  for (const [name, spec] of Object.entries(schema)) {
    if (!raw.has(name) && spec.default !== undefined) raw.set(name, structuredClone(spec.default));
  }

  // Which values are templates (untrusted ones never are) and what they depend on.
  const deps = new Map<string, Set<string>>();
  const allTemplates: string[] = [];
  for (const [name, value] of raw) {
    if (untrusted.has(name)) continue;
    const templates = templatesIn(value);
    if (templates.length === 0) continue;
    allTemplates.push(...templates);
    const refs = new Set<string>();
    for (const t of templates) for (const r of referencedNames(t)) if (r !== name && raw.has(r)) refs.add(r);
    // A self-reference is a cycle too (st2 reports it); names shadowed by loop variables are rare enough.
    for (const t of templates) if (referencedNames(t).has(name) && schema[name]) refs.add(name);
    deps.set(name, refs);
  }

  const values = new Map<string, unknown>();
  const decrypted: string[] = [];
  for (const [name, value] of raw)
    if (!deps.has(name)) values.set(name, castValue(name, schema[name], value));

  if (deps.size > 0) {
    const baseData: Record<string, unknown> = { ...(input.context ?? {}) };
    if (input.templateContext) {
      Object.assign(baseData, await input.templateContext(allTemplates, (v) => decrypted.push(v)));
    } else {
      const st2kv = await loadKv(allTemplates, input.kv);
      if (st2kv) baseData.st2kv = st2kv;
    }
    // Values derived from untrusted ones are untrusted too (quoted in a shell cmd).
    const tainted = new Set(untrusted);
    const state = new Map<string, 'visiting' | 'done'>();
    const shellCmd = SHELL_CMD_RUNNERS.has(runner.name);

    const visit = (name: string, path: string[]): void => {
      const s = state.get(name);
      if (s === 'done') return;
      if (s === 'visiting') {
        const cycle = [...path.slice(path.indexOf(name)), name];
        throw new ParameterError(
          `parameters of action "${action.ref}" reference each other in a cycle: ${cycle.join(' → ')}`,
          name,
        );
      }
      state.set(name, 'visiting');
      const refs = deps.get(name)!;
      for (const r of refs) if (deps.has(r)) visit(r, [...path, name]);
      const data: Record<string, unknown> = { ...baseData };
      for (const [k, v] of values) data[k] = v;
      const value = raw.get(name);
      // A shell command line: values from outside are quoted for the shell context each one stands in.
      const rendered =
        shellCmd && name === 'cmd' && typeof value === 'string'
          ? renderShellCmd(value, data, tainted)
          : renderLeaves(value, data, name);
      for (const r of refs) if (tainted.has(r)) tainted.add(name);
      values.set(name, castValue(name, schema[name], rendered));
      state.set(name, 'done');
    };
    for (const name of deps.keys()) visit(name, []);
  }

  const parameters: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(schema)) {
    const value = values.get(name);
    if (value === undefined || value === null) {
      if (spec.required)
        throw new ParameterError(`parameter "${name}" of action "${action.ref}" is required`, name);
      if (value === undefined) continue;
    }
    const validate = compiled.validators.get(name);
    if (validate && value !== null && !validate(value)) {
      throw new ParameterError(describeError(name, value, validate.errors![0]!), name);
    }
    parameters[name] = value;
  }
  let secretNames = compiled.secretNames;
  if (decrypted.length) {
    // A template that decrypted a datastore secret makes that parameter secret (encrypted at rest, masked).
    const extra = new Set(secretNames);
    for (const [name, value] of Object.entries(parameters)) {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      if (decrypted.some((d) => d !== '' && text?.includes(d))) extra.add(name);
    }
    secretNames = extra;
  }
  return { parameters, secretNames, decrypted };
}
