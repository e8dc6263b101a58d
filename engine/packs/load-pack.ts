import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import type { ActionDefinition, NotifySpec } from '../model/action.ts';
import type { AliasDefinition } from '../model/alias.ts';
import type { LoadedPack, PackMetadata, PackProblem } from '../model/pack.ts';
import type { ParameterSchema } from '../model/parameters.ts';
import type { PolicyDefinition } from '../model/policy.ts';
import type { CriterionSpec, RuleDefinition } from '../model/rule.ts';
import type { SensorDefinition } from '../model/sensor.ts';
import type { TriggerType } from '../model/trigger.ts';
import { getBuiltinTriggerType, validateTriggerParameters } from '../triggers/trigger-types.ts';
import { actionSchema } from './schemas/action-schema.ts';
import { aliasSchema } from './schemas/alias-schema.ts';
import { configSchemaSchema } from './schemas/config-schema.ts';
import { PACK_REF_PATTERN, packSchema } from './schemas/pack-schema.ts';
import { POLICY_TYPE_PARAMETERS, policySchema } from './schemas/policy-schema.ts';
import { PATTERNLESS_OPERATORS, RULE_OPERATORS, ruleSchema } from './schemas/rule-schema.ts';
import { sensorSchema } from './schemas/sensor-schema.ts';
import { triggerTypeSchema } from './schemas/trigger-type-schema.ts';
import { validateWithSchema } from './schemas/validate.ts';
import { isYamlParseError, readYamlFile, rememberSource, type YamlFile } from './yaml-file.ts';

/** Load-time check of an action (e.g. Orquesta workflow inspection); returned strings become load_errors. */
export type InspectAction = (action: ActionDefinition) => string[];

export interface LoadPackOptions {
  /** Shipped with Squall (packs/ in the repo) rather than a user pack. */
  builtin?: boolean;
  inspectAction?: InspectAction;
}

export interface LoadPackResult {
  /** Undefined when pack.yaml is missing or invalid: the whole pack is skipped. */
  pack?: LoadedPack;
  problems: PackProblem[];
}

/** Runners st2 has and Squall does not: such actions register and fail when run. */
export const UNSUPPORTED_RUNNERS = ['python-script', 'winrm-cmd', 'winrm-ps-cmd', 'winrm-ps-script'];

/** Runners whose entry_point is a file that must exist for the action to run. */
const FILE_ENTRY_POINT_RUNNERS = [
  'local-shell-script',
  'remote-shell-script',
  'python-script',
  'orquesta',
  'action-chain',
  'winrm-ps-script',
  'javascript',
  'nodejs',
];

const METADATA_EXTENSIONS = ['.yaml', '.yml', '.json'];

type Severity = PackProblem['severity'];

/** Collects problems for one pack, pointing at file, field and line. */
class Problems {
  readonly list: PackProblem[] = [];
  constructor(public pack: string | undefined) {}

  add(
    file: string,
    message: string,
    options: { path?: string; yaml?: YamlFile; line?: number; severity?: Severity } = {},
  ) {
    const line = options.line ?? (options.yaml ? options.yaml.lineOf(options.path ?? '') : undefined);
    this.list.push({
      ...(this.pack ? { pack: this.pack } : {}),
      file,
      ...(options.path !== undefined ? { path: options.path } : {}),
      ...(line !== undefined ? { line } : {}),
      message,
      severity: options.severity ?? 'error',
    });
  }

  /** Schema issues of one file; returns true when there were errors. */
  schema(yaml: YamlFile, schema: object, data: unknown = yaml.data, prefix = ''): boolean {
    const issues = validateWithSchema(schema, data);
    for (const issue of issues) {
      const path = `${prefix}${issue.path}`;
      this.add(yaml.file, issue.message, { path, yaml });
    }
    return issues.length > 0;
  }
}

/** Loads a pack; never throws for bad content. A broken pack.yaml yields no pack and an error problem. */
export function tryLoadPack(dir: string, options: LoadPackOptions = {}): LoadPackResult {
  const packDir = resolve(dir);
  // Until pack.yaml names the pack, problems carry the folder name.
  const problems = new Problems(basename(packDir));
  const metaFile = ['pack.yaml', 'pack.yml'].map((f) => join(packDir, f)).find((f) => existsSync(f));
  if (!metaFile) {
    problems.add(
      join(packDir, 'pack.yaml'),
      'missing pack.yaml: expected a pack metadata file in the pack folder',
    );
    return { problems: problems.list };
  }
  const yaml = readMapping(metaFile, problems);
  if (!yaml) {
    problems.add(metaFile, 'pack skipped: pack.yaml is invalid');
    return { problems: problems.list };
  }
  const raw = { ...(yaml.data as Record<string, unknown>) };
  // PyYAML reads `version: 1.0` as a float; st2 stringifies it and completes "x.y" to "x.y.0".
  if (typeof raw.version === 'number') raw.version = String(raw.version);
  if (typeof raw.version === 'string' && /^\d+\.\d+$/.test(raw.version)) raw.version = `${raw.version}.0`;
  if (typeof raw.version === 'string' && /^\d+$/.test(raw.version)) raw.version = `${raw.version}.0.0`;
  const invalid = problems.schema(yaml, packSchema, raw);
  const ref = typeof raw.ref === 'string' ? raw.ref : typeof raw.name === 'string' ? raw.name : undefined;
  if (ref && !raw.ref && !new RegExp(PACK_REF_PATTERN).test(ref)) {
    problems.add(
      metaFile,
      `pack name "${ref}" is not a valid pack ref and there is no "ref" field: add ref (lowercase letters, digits, underscores)`,
      { path: '/name', yaml },
    );
  }
  if (invalid || !ref || problems.list.length > 0) {
    problems.pack = ref;
    for (const p of problems.list) if (ref) p.pack = ref;
    problems.add(metaFile, 'pack skipped: pack.yaml is invalid');
    return { problems: problems.list };
  }
  problems.pack = ref;
  const metadata: PackMetadata = {
    ...(raw as PackMetadata),
    ref,
    name: String(raw.name),
    version: String(raw.version),
  };
  const pack: LoadedPack = {
    metadata,
    path: packDir,
    builtin: options.builtin ?? false,
    actions: [],
    rules: [],
    aliases: [],
    sensors: [],
    triggerTypes: [],
    policies: [],
    problems: problems.list,
  };
  const ctx: Ctx = { pack, problems, options };
  loadActions(ctx);
  loadRules(ctx);
  loadAliases(ctx);
  loadSensors(ctx);
  loadTriggers(ctx);
  loadPolicies(ctx);
  loadConfigSchema(ctx);
  return { pack, problems: problems.list };
}

/**
 * Loads a pack. When pack.yaml is broken the result has the folder name as ref, no content and the
 * problems; prefer tryLoadPack to tell that case apart.
 */
export function loadPack(dir: string, options: LoadPackOptions = {}): LoadedPack {
  const result = tryLoadPack(dir, options);
  if (result.pack) return result.pack;
  const name = basename(resolve(dir));
  return {
    metadata: { ref: name, name, version: '0.0.0' },
    path: resolve(dir),
    builtin: options.builtin ?? false,
    actions: [],
    rules: [],
    aliases: [],
    sensors: [],
    triggerTypes: [],
    policies: [],
    problems: result.problems,
  };
}

interface Ctx {
  pack: LoadedPack;
  problems: Problems;
  options: LoadPackOptions;
}

function listMetadataFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .filter((f) => METADATA_EXTENSIONS.some((ext) => f.endsWith(ext)))
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort()
    .map((f) => join(dir, f));
}

/** Reads a YAML file that must hold a mapping; reports and returns undefined otherwise. */
function readMapping(file: string, problems: Problems): YamlFile | undefined {
  const yaml = readYamlFile(file);
  if (isYamlParseError(yaml)) {
    problems.add(file, yaml.message, {
      ...(yaml.line ? { path: `line ${yaml.line}`, line: yaml.line } : {}),
    });
    return undefined;
  }
  if (!yaml.data || typeof yaml.data !== 'object' || Array.isArray(yaml.data)) {
    problems.add(
      file,
      `expected a YAML mapping at the top of the file, got ${yaml.data === null ? 'an empty document' : typeof yaml.data}`,
      {
        path: '',
        line: 1,
      },
    );
    return undefined;
  }
  return yaml;
}

/** st2 refuses content whose `pack` field names another pack. */
function packFieldMatches(ctx: Ctx, yaml: YamlFile, data: Record<string, unknown>): boolean {
  if (data.pack === undefined || data.pack === ctx.pack.metadata.ref) return true;
  ctx.problems.add(
    yaml.file,
    `field "pack" is "${String(data.pack)}" but the file is in pack "${ctx.pack.metadata.ref}" (expected "${ctx.pack.metadata.ref}" or no pack field)`,
    { path: '/pack', yaml },
  );
  return false;
}

/**
 * The metadata files of one content folder that hold a mapping, pass `schema` and belong to this pack; the
 * others are reported as problems and skipped.
 */
function* contentFiles(
  ctx: Ctx,
  dir: string,
  schema: object,
): Generator<{ file: string; yaml: YamlFile; data: Record<string, unknown> }> {
  for (const file of listMetadataFiles(dir)) {
    const yaml = readMapping(file, ctx.problems);
    if (!yaml) continue;
    const data = yaml.data as Record<string, unknown>;
    if (ctx.problems.schema(yaml, schema)) continue;
    if (!packFieldMatches(ctx, yaml, data)) continue;
    yield { file, yaml, data };
  }
}

function checkDuplicate(
  ctx: Ctx,
  seen: Map<string, string>,
  ref: string,
  yaml: YamlFile,
  kind: string,
): boolean {
  const first = seen.get(ref);
  if (first) {
    ctx.problems.add(
      yaml.file,
      `duplicate ${kind} ref "${ref}" (already defined in ${first}); this one is skipped`,
      {
        path: '/name',
        yaml,
      },
    );
    return false;
  }
  seen.set(ref, yaml.file);
  return true;
}

function normalizeNotify(notify: unknown): NotifySpec | undefined {
  if (!notify || typeof notify !== 'object') return undefined;
  const out: NotifySpec = {};
  for (const [key, value] of Object.entries(notify as Record<string, unknown>)) {
    const k = key.replace(/-/g, '_') as keyof NotifySpec;
    out[k] = value as NotifySpec[keyof NotifySpec];
  }
  return out;
}

/** Resolves an entry point under `base`; refuses paths that climb out of the pack. */
function resolveEntryPoint(ctx: Ctx, base: string, entry: string, yaml: YamlFile): string | undefined {
  const full = isAbsolute(entry) ? entry : resolve(base, entry);
  const rel = relative(ctx.pack.path, full);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    ctx.problems.add(
      yaml.file,
      `entry_point "${entry}" points outside the pack folder (expected a path under ${base})`,
      {
        path: '/entry_point',
        yaml,
      },
    );
    return undefined;
  }
  return full;
}

function loadActions(ctx: Ctx): void {
  const dir = join(ctx.pack.path, 'actions');
  const seen = new Map<string, string>();
  for (const { file, yaml, data } of contentFiles(ctx, dir, actionSchema)) {
    const name = String(data.name);
    const ref = `${ctx.pack.metadata.ref}.${name}`;
    if (!checkDuplicate(ctx, seen, ref, yaml, 'action')) continue;
    const runner = String(data.runner_type);
    const entry = typeof data.entry_point === 'string' ? data.entry_point : '';
    const action: ActionDefinition = {
      ref,
      name,
      pack: ctx.pack.metadata.ref,
      ...(data.description !== undefined ? { description: String(data.description) } : {}),
      enabled: data.enabled === undefined ? true : Boolean(data.enabled),
      runner_type: runner,
      ...(entry ? { entry_point: entry } : {}),
      parameters: (data.parameters as ParameterSchema | undefined) ?? {},
      ...(data.output_schema ? { output_schema: data.output_schema as Record<string, unknown> } : {}),
      ...(data.notify ? { notify: normalizeNotify(data.notify) } : {}),
      ...(data.tags ? { tags: data.tags as unknown[] } : {}),
      ...(data.idempotent !== undefined ? { idempotent: Boolean(data.idempotent) } : {}),
      metadata_file: file,
      pack_path: ctx.pack.path,
    };
    const loadErrors: string[] = [];
    if (entry) {
      const path = resolveEntryPoint(ctx, dir, entry, yaml);
      if (!path) continue;
      action.entry_point_path = path;
      if (FILE_ENTRY_POINT_RUNNERS.includes(runner) && !existsSync(path)) {
        loadErrors.push(`entry point file ${path} does not exist`);
        ctx.problems.add(
          file,
          `entry_point "${entry}" not found (expected ${path}); the action fails when run`,
          {
            path: '/entry_point',
            yaml,
            severity: 'warning',
          },
        );
      }
    } else if (FILE_ENTRY_POINT_RUNNERS.includes(runner)) {
      loadErrors.push(`runner ${runner} needs an entry_point`);
      ctx.problems.add(
        file,
        `runner "${runner}" needs an entry_point (a file under actions/); the action fails when run`,
        {
          path: '/entry_point',
          yaml,
          severity: 'warning',
        },
      );
    }
    if (UNSUPPORTED_RUNNERS.includes(runner)) {
      loadErrors.push(`runner ${runner} is not available in Squall`);
      ctx.problems.add(
        file,
        `runner "${runner}" is not available in Squall; the action is registered and fails when run`,
        {
          path: '/runner_type',
          yaml,
          severity: 'warning',
        },
      );
    }
    for (const pname of Object.keys(action.parameters)) {
      if (!/^\w+$/.test(pname)) {
        ctx.problems.add(
          file,
          `parameter name "${pname}" has characters other than letters, digits and _; templates cannot reference it`,
          {
            path: `/parameters/${pname}`,
            yaml,
            severity: 'warning',
          },
        );
      }
    }
    if (ctx.options.inspectAction && loadErrors.length === 0) {
      let found: string[];
      try {
        found = ctx.options.inspectAction(action);
      } catch (err) {
        found = [`inspection failed: ${(err as Error).message}`];
      }
      for (const message of found) {
        loadErrors.push(message);
        ctx.problems.add(file, `${message} (the action fails when run)`, {
          path: '/entry_point',
          yaml,
          severity: 'warning',
        });
      }
    }
    if (loadErrors.length > 0) action.load_errors = loadErrors;
    rememberSource(action, yaml);
    ctx.pack.actions.push(action);
  }
}

function loadRules(ctx: Ctx): void {
  const seen = new Map<string, string>();
  for (const { file, yaml, data } of contentFiles(ctx, join(ctx.pack.path, 'rules'), ruleSchema)) {
    const trigger = data.trigger as { type: string; parameters?: Record<string, unknown> | null };
    const criteria = (data.criteria as Record<string, CriterionSpec> | null | undefined) ?? {};
    let bad = false;
    for (const [key, criterion] of Object.entries(criteria)) {
      const op = String(criterion.type).toLowerCase();
      if (!RULE_OPERATORS.includes(op)) {
        ctx.problems.add(
          file,
          `unknown operator "${criterion.type}" (expected one of ${RULE_OPERATORS.join(', ')})`,
          {
            path: `/criteria/${escapePointer(key)}/type`,
            yaml,
          },
        );
        bad = true;
      } else if (!PATTERNLESS_OPERATORS.includes(op) && !('pattern' in criterion)) {
        ctx.problems.add(file, `missing "pattern" for operator "${criterion.type}"`, {
          path: `/criteria/${escapePointer(key)}`,
          yaml,
        });
        bad = true;
      }
    }
    const parameters = trigger.parameters ?? {};
    if (getBuiltinTriggerType(trigger.type)) {
      for (const issue of validateTriggerParameters(trigger.type, parameters)) {
        ctx.problems.add(file, `trigger ${trigger.type} parameters: ${issue.message}`, {
          path: `/trigger/parameters${issue.path}`,
          yaml,
        });
        bad = true;
      }
    }
    if (bad) continue;
    const name = String(data.name);
    const ref = `${ctx.pack.metadata.ref}.${name}`;
    if (!checkDuplicate(ctx, seen, ref, yaml, 'rule')) continue;
    const action = data.action as { ref: string; parameters?: Record<string, unknown> | null };
    const rule: RuleDefinition = {
      ref,
      name,
      pack: ctx.pack.metadata.ref,
      ...(data.description !== undefined ? { description: String(data.description) } : {}),
      // st2's RuleAPI defaults `enabled` to false.
      enabled: data.enabled === true,
      ...(data.type ? { type: data.type as RuleDefinition['type'] } : {}),
      trigger: { type: trigger.type, parameters },
      criteria,
      action: { ref: action.ref, parameters: action.parameters ?? {} },
      ...(data.run_as ? { run_as: String(data.run_as) } : {}),
      metadata_file: file,
    };
    rememberSource(rule, yaml);
    ctx.pack.rules.push(rule);
  }
}

function loadAliases(ctx: Ctx): void {
  const seen = new Map<string, string>();
  for (const { file, yaml, data } of contentFiles(ctx, join(ctx.pack.path, 'aliases'), aliasSchema)) {
    const name = String(data.name);
    const ref = `${ctx.pack.metadata.ref}.${name}`;
    if (!checkDuplicate(ctx, seen, ref, yaml, 'alias')) continue;
    const formats = (data.formats as AliasDefinition['formats'] | undefined) ?? [];
    if (formats.length === 0) {
      ctx.problems.add(file, 'alias has no formats; it can never match a chat command', {
        path: '/formats',
        yaml,
        severity: 'warning',
      });
    }
    const alias: AliasDefinition = {
      ref,
      name,
      pack: ctx.pack.metadata.ref,
      ...(data.description !== undefined ? { description: String(data.description) } : {}),
      enabled: data.enabled === undefined ? true : Boolean(data.enabled),
      action_ref: String(data.action_ref),
      formats,
      ...(data.ack ? { ack: data.ack as AliasDefinition['ack'] } : {}),
      ...(data.result ? { result: data.result as AliasDefinition['result'] } : {}),
      ...(data.extra ? { extra: data.extra as Record<string, unknown> } : {}),
      ...(data.immutable_parameters
        ? { immutable_parameters: data.immutable_parameters as Record<string, unknown> }
        : {}),
      ...(data.permissions ? { permissions: data.permissions as AliasDefinition['permissions'] } : {}),
      builtin: ctx.pack.builtin,
      metadata_file: file,
    };
    rememberSource(alias, yaml);
    ctx.pack.aliases.push(alias);
  }
}

function toTriggerType(ctx: Ctx, data: Record<string, unknown>): TriggerType {
  const name = String(data.name);
  return {
    ref: `${ctx.pack.metadata.ref}.${name}`,
    name,
    pack: ctx.pack.metadata.ref,
    ...(data.description !== undefined ? { description: String(data.description) } : {}),
    ...(data.parameters_schema
      ? { parameters_schema: data.parameters_schema as Record<string, unknown> }
      : {}),
    ...(data.payload_schema ? { payload_schema: data.payload_schema as Record<string, unknown> } : {}),
  };
}

function addTriggerType(ctx: Ctx, type: TriggerType, yaml: YamlFile, path: string): boolean {
  const existing = ctx.pack.triggerTypes.find((t) => t.ref === type.ref);
  if (existing) {
    ctx.problems.add(yaml.file, `duplicate trigger type ref "${type.ref}"; this one is skipped`, {
      path,
      yaml,
    });
    return false;
  }
  ctx.pack.triggerTypes.push(type);
  return true;
}

function loadSensors(ctx: Ctx): void {
  const dir = join(ctx.pack.path, 'sensors');
  const seen = new Map<string, string>();
  for (const { file, yaml, data } of contentFiles(ctx, dir, sensorSchema)) {
    const className = String(data.class_name);
    const name = typeof data.name === 'string' ? data.name : className;
    const ref = `${ctx.pack.metadata.ref}.${name}`;
    if (!checkDuplicate(ctx, seen, ref, yaml, 'sensor')) continue;
    const entry = typeof data.entry_point === 'string' ? data.entry_point : undefined;
    let entryPath: string | undefined;
    if (entry) {
      entryPath = resolveEntryPoint(ctx, dir, entry, yaml);
      if (!entryPath) continue;
      if (entry.endsWith('.py')) {
        ctx.problems.add(
          file,
          `Python sensor "${entry}" is not run by Squall; its trigger types are registered`,
          {
            path: '/entry_point',
            yaml,
            severity: 'warning',
          },
        );
      } else if (!existsSync(entryPath)) {
        ctx.problems.add(
          file,
          `entry_point "${entry}" not found (expected ${entryPath}); the sensor cannot start`,
          {
            path: '/entry_point',
            yaml,
            severity: 'warning',
          },
        );
      }
    }
    const triggerTypes: SensorDefinition['trigger_types'] = [];
    ((data.trigger_types as Record<string, unknown>[] | undefined) ?? []).forEach((t, i) => {
      const type = toTriggerType(ctx, t);
      if (addTriggerType(ctx, type, yaml, `/trigger_types/${i}/name`)) triggerTypes.push(type);
    });
    const sensor: SensorDefinition = {
      ref,
      name,
      pack: ctx.pack.metadata.ref,
      class_name: className,
      ...(entry ? { entry_point: entry, entry_point_path: entryPath } : {}),
      ...(data.description !== undefined ? { description: String(data.description) } : {}),
      enabled: data.enabled === undefined ? true : Boolean(data.enabled),
      ...(typeof data.poll_interval === 'number' ? { poll_interval: data.poll_interval } : {}),
      trigger_types: triggerTypes,
      metadata_file: file,
    };
    ctx.pack.sensors.push(sensor);
  }
}

function loadTriggers(ctx: Ctx): void {
  for (const { yaml, data } of contentFiles(ctx, join(ctx.pack.path, 'triggers'), triggerTypeSchema)) {
    addTriggerType(ctx, toTriggerType(ctx, data), yaml, '/name');
  }
}

function loadPolicies(ctx: Ctx): void {
  const seen = new Map<string, string>();
  for (const { file, yaml, data } of contentFiles(ctx, join(ctx.pack.path, 'policies'), policySchema)) {
    const policyType = String(data.policy_type);
    const paramsSchema = POLICY_TYPE_PARAMETERS[policyType];
    if (!paramsSchema) {
      ctx.problems.add(
        file,
        `unknown policy_type "${policyType}" (expected one of ${Object.keys(POLICY_TYPE_PARAMETERS).join(', ')})`,
        { path: '/policy_type', yaml },
      );
      continue;
    }
    if (ctx.problems.schema(yaml, paramsSchema, data.parameters ?? {}, '/parameters')) continue;
    const name = String(data.name);
    const ref = `${ctx.pack.metadata.ref}.${name}`;
    if (!checkDuplicate(ctx, seen, ref, yaml, 'policy')) continue;
    const policy: PolicyDefinition = {
      ref,
      name,
      pack: ctx.pack.metadata.ref,
      ...(data.description !== undefined ? { description: String(data.description) } : {}),
      enabled: data.enabled === undefined ? true : Boolean(data.enabled),
      resource_ref: String(data.resource_ref),
      policy_type: policyType,
      parameters: (data.parameters as Record<string, unknown> | undefined) ?? {},
      metadata_file: file,
    };
    rememberSource(policy, yaml);
    ctx.pack.policies.push(policy);
  }
}

function loadConfigSchema(ctx: Ctx): void {
  const file = ['config.schema.yaml', 'config.schema.yml']
    .map((f) => join(ctx.pack.path, f))
    .find((f) => existsSync(f));
  if (!file) return;
  const yaml = readMapping(file, ctx.problems);
  if (!yaml) return;
  if (ctx.problems.schema(yaml, configSchemaSchema)) return;
  ctx.pack.configSchema = yaml.data as Record<string, unknown>;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
