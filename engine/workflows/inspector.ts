/**
 * Workflow inspection (orquesta spec.inspect()): syntax (JSON schema mirroring Orquesta's), semantics (reserved
 * names, start tasks, undefined tasks, unreachable joins, action-less with-items), expressions (YAQL/Jinja
 * syntax) and context (variables referenced before assignment, private variables). Plus `contents` (st2's
 * check of action references: a ref must be `pack.action`; with a resolver, it must exist).
 */
import { Ajv, type ErrorObject } from 'ajv';
import { extractContextReferences, inspectExpression, isExpression } from '../expressions/index.ts';
import {
  getTask,
  hasTask,
  inCycle,
  isJoinTask,
  isSplitTask,
  loadDefinition,
  nextTasks,
  parseInlineParams,
  parseWorkflow,
  RESERVED_TASK_NAMES,
  splitDo,
  startTasks,
  type WorkflowSpec,
} from './spec.ts';

export interface InspectionError {
  message: string;
  spec_path: string | null;
  schema_path?: string | null;
  expression?: string;
  type?: string;
}

export interface InspectionResult {
  syntax: InspectionError[];
  semantics: InspectionError[];
  expressions: InspectionError[];
  context: InspectionError[];
  /** st2 task contents: action references (format; existence when a resolver is given). */
  contents: InspectionError[];
}

export interface InspectOptions {
  /** Names visible in ctx() before inputs (st2 passes its own context). Default ['st2', 'parent']. */
  appContext?: string[];
  /** Returns whether an action ref is registered; when given, unknown actions are errors. */
  actionExists?: (ref: string) => boolean;
}

// ---------- schema (orquesta/specs/types.py + native/v1/models.py) ----------

const NONEMPTY_STRING = { type: 'string', minLength: 1 };
const UNIQUE_STRING_LIST = { type: 'array', items: NONEMPTY_STRING, uniqueItems: true, minItems: 1 };
const POSITIVE_INTEGER = { type: 'integer', minimum: 0 };
const POSITIVE_NUMBER = { type: 'number', minimum: 0 };
const ANY_NULLABLE = {
  anyOf: [
    { type: 'null' },
    { type: 'array' },
    { type: 'boolean' },
    { type: 'integer' },
    { type: 'number' },
    { type: 'object' },
    { type: 'string' },
  ],
};
const NONEMPTY_DICT = { type: 'object', minProperties: 1, patternProperties: { '^\\w+$': ANY_NULLABLE } };
const ONE_KEY_DICT = {
  type: 'object',
  minProperties: 1,
  maxProperties: 1,
  patternProperties: { '^\\w+$': ANY_NULLABLE },
};
const STRING_OR_POSITIVE_INTEGER = { oneOf: [NONEMPTY_STRING, POSITIVE_INTEGER] };
const STRING_OR_ONE_KEY_DICT = { oneOf: [NONEMPTY_STRING, ONE_KEY_DICT] };
const UNIQUE_STRING_OR_ONE_KEY_DICT_LIST = {
  type: 'array',
  items: STRING_OR_ONE_KEY_DICT,
  uniqueItems: true,
  minItems: 1,
};
const UNIQUE_ONE_KEY_DICT_LIST = { type: 'array', items: ONE_KEY_DICT, uniqueItems: true, minItems: 1 };
const EXPR = ['<%.*?%>', '\\{\\{.*?\\}\\}', '\\{%.*?%\\}'].join('|');
const ITEMS_PATTERN = `^(\\s+)?(${EXPR})(\\s+)?$|^(\\s+)?((\\w+,\\s?|\\s+)+)?(\\w+)\\s+in\\s+(${EXPR})(\\s+)?$`;

const TRANSITION_SCHEMA = {
  type: 'object',
  properties: {
    when: NONEMPTY_STRING,
    publish: { oneOf: [NONEMPTY_STRING, UNIQUE_ONE_KEY_DICT_LIST] },
    do: { oneOf: [NONEMPTY_STRING, UNIQUE_STRING_LIST] },
  },
  additionalProperties: false,
};

const TASK_SCHEMA = {
  type: 'object',
  properties: {
    delay: STRING_OR_POSITIVE_INTEGER,
    join: { oneOf: [{ enum: ['all'] }, POSITIVE_INTEGER] },
    with: {
      type: 'object',
      properties: {
        items: { type: 'string', minLength: 1, pattern: ITEMS_PATTERN },
        concurrency: STRING_OR_POSITIVE_INTEGER,
      },
      additionalProperties: false,
    },
    action: NONEMPTY_STRING,
    input: { oneOf: [NONEMPTY_STRING, NONEMPTY_DICT] },
    retry: {
      type: 'object',
      properties: {
        when: NONEMPTY_STRING,
        count: STRING_OR_POSITIVE_INTEGER,
        delay: STRING_OR_POSITIVE_INTEGER,
      },
      required: ['count'],
      additionalProperties: false,
    },
    next: { type: 'array', items: TRANSITION_SCHEMA },
  },
  additionalProperties: false,
};

/** Orquesta's workflow JSON schema (native v1), meta properties included. */
export const WORKFLOW_SCHEMA = {
  type: 'object',
  properties: {
    vars: UNIQUE_ONE_KEY_DICT_LIST,
    input: UNIQUE_STRING_OR_ONE_KEY_DICT_LIST,
    output: UNIQUE_ONE_KEY_DICT_LIST,
    tasks: { type: 'object', minProperties: 1, patternProperties: { '^\\w+$': TASK_SCHEMA } },
    name: NONEMPTY_STRING,
    version: { anyOf: [NONEMPTY_STRING, POSITIVE_INTEGER, POSITIVE_NUMBER] },
    description: NONEMPTY_STRING,
    tags: UNIQUE_STRING_LIST,
  },
  required: ['tasks'],
  additionalProperties: false,
};

let validator: ReturnType<Ajv['compile']> | undefined;
function getValidator(): ReturnType<Ajv['compile']> {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    validator = ajv.compile(WORKFLOW_SCHEMA);
  }
  return validator;
}

/** Python repr, as jsonschema messages show values. */
function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

function decodePointer(pointer: string): Array<string | number> {
  return pointer
    .replace(/^#/, '')
    .split('/')
    .filter((p) => p !== '')
    .map((p) => decodeURIComponent(p).replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

function joinPath(parts: Array<string | number>): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${p}` : p;
  }
  return out;
}

function valueAt(root: unknown, parts: Array<string | number>): unknown {
  let v: unknown = root;
  for (const p of parts)
    v = v === null || typeof v !== 'object' ? undefined : (v as Record<string, unknown>)[p];
  return v;
}

function syntaxMessage(e: ErrorObject, value: unknown): string {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return `Additional properties are not allowed (${pyRepr(params.additionalProperty)} was unexpected)`;
    case 'required':
      return `${pyRepr(params.missingProperty)} is a required property`;
    case 'type':
      return `${pyRepr(value)} is not of type ${pyRepr(params.type)}`;
    case 'oneOf':
      return params.passingSchemas
        ? `${pyRepr(value)} is valid under each of the given schemas`
        : `${pyRepr(value)} is not valid under any of the given schemas`;
    case 'anyOf':
      return `${pyRepr(value)} is not valid under any of the given schemas`;
    case 'enum':
      return `${pyRepr(value)} is not one of ${pyRepr(params.allowedValues)}`;
    case 'minimum':
      return `${pyRepr(value)} is less than the minimum of ${params.limit}`;
    case 'minLength':
    case 'minItems':
      return `${pyRepr(value)} is too short`;
    case 'uniqueItems':
      return `${pyRepr(value)} has non-unique elements`;
    case 'minProperties':
      return `${pyRepr(value)} does not have enough properties`;
    case 'maxProperties':
      return `${pyRepr(value)} has too many properties`;
    case 'pattern':
      return `${pyRepr(value)} does not match ${pyRepr(params.pattern)}`;
    default:
      return e.message ?? `failed ${e.keyword}`;
  }
}

/** Normalizes `with: <expr>` to `{items: <expr>}` (Orquesta does before validating). */
function normalizeDefinition(definition: unknown): unknown {
  if (definition === null || typeof definition !== 'object' || Array.isArray(definition)) return definition;
  const d = definition as Record<string, unknown>;
  const tasks = d.tasks;
  if (!tasks || typeof tasks !== 'object' || Array.isArray(tasks)) return definition;
  const out: Record<string, unknown> = {};
  for (const [name, task] of Object.entries(tasks as Record<string, unknown>)) {
    if (task && typeof task === 'object' && typeof (task as Record<string, unknown>).with === 'string') {
      out[name] = {
        ...(task as Record<string, unknown>),
        with: { items: (task as Record<string, unknown>).with },
      };
    } else out[name] = task;
  }
  return { ...d, tasks: out };
}

export function inspectSyntax(definition: unknown): InspectionError[] {
  const validate = getValidator();
  const normalized = normalizeDefinition(definition);
  if (validate(normalized)) return [];
  const errors = validate.errors ?? [];
  // jsonschema reports a failed oneOf/anyOf once, not the failures of its branches.
  const combinators = errors
    .filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf')
    .map((e) => e.schemaPath);
  const out: InspectionError[] = [];
  for (const e of errors) {
    if (combinators.some((c) => e.schemaPath.startsWith(`${c}/`))) continue;
    const instance = decodePointer(e.instancePath);
    out.push({
      message: syntaxMessage(e, valueAt(normalized, instance)),
      spec_path: joinPath(instance) || null,
      schema_path: joinPath(decodePointer(e.schemaPath)) || null,
    });
  }
  return out;
}

// ---------- semantics (TaskMappingSpec.inspect_semantics) ----------

const TASK_SCHEMA_PATH = 'properties.tasks.patternProperties.^\\w+$';

export function inspectSemantics(spec: WorkflowSpec): InspectionError[] {
  const result: InspectionError[] = [];
  const names = spec.taskNames;
  for (const name of names) {
    if (RESERVED_TASK_NAMES.includes(name)) {
      result.push({
        message: `The task name "${name}" is reserved with special function.`,
        spec_path: `tasks.${name}`,
        schema_path: TASK_SCHEMA_PATH,
      });
    }
  }
  if (names.length > 0 && startTasks(spec).length === 0) {
    result.push({
      message:
        'Unable to identify any tasks to start the workflow. If the workflow has a loop, please add a task that ' +
        'serves as an entry point (or lead) into the loop.',
      spec_path: 'tasks',
      schema_path: 'properties.tasks',
    });
  }
  // Undefined tasks in transitions, walking from the start tasks.
  const traversed: string[] = [];
  const queue = [...startTasks(spec)];
  while (queue.length > 0) {
    const name = queue.shift() as string;
    traversed.push(name);
    const task = getTask(spec, name);
    const raw = rawTask(spec, name);
    const rawNext = Array.isArray(raw?.next) ? raw.next : [];
    task.next.forEach((_, i) => {
      const rawDo = (rawNext[i] as Record<string, unknown> | undefined)?.do;
      for (const next of splitDo(rawDo)) {
        if (traversed.includes(next)) continue;
        if (hasTask(spec, next)) {
          if (!RESERVED_TASK_NAMES.includes(next)) queue.push(next);
        } else {
          result.push({
            message: `The task "${next}" is not defined.`,
            spec_path: `tasks.${name}.next[${i}].do`,
            schema_path: `${TASK_SCHEMA_PATH}.properties.next.items.properties.do`,
          });
        }
      }
    });
  }
  result.push(...unreachableJoins(spec));
  for (const name of names) {
    const task = spec.tasks[name];
    if (task?.with && !task.action) {
      result.push({
        message: 'The action property is required for with items task.',
        spec_path: `tasks.${name}`,
        schema_path: TASK_SCHEMA_PATH,
      });
    }
  }
  return result;
}

function rawTask(spec: WorkflowSpec, name: string): Record<string, unknown> | undefined {
  const tasks = (spec.definition as Record<string, unknown> | undefined)?.tasks as
    | Record<string, unknown>
    | undefined;
  const raw = tasks?.[name];
  return raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : undefined;
}

function unreachableJoins(spec: WorkflowSpec): InspectionError[] {
  const result: InspectionError[] = [];
  const staging = new Map<string, { join: boolean; splits: Set<string>; prev: Set<string> }>();
  const queue: Array<[string | null, string, string[]]> = startTasks(spec).map((n) => [null, n, []]);
  let guard = 0;
  while (queue.length > 0 && guard++ < 100_000) {
    const [prevName, name, splits] = queue.shift() as [string | null, string, string[]];
    if (!Object.hasOwn(spec.tasks, name)) continue;
    if (isSplitTask(spec, name) && !inCycle(spec, name)) splits.push(name);
    let meta = staging.get(name);
    if (!meta) {
      meta = { join: isJoinTask(spec, name), splits: new Set(), prev: new Set() };
      staging.set(name, meta);
    }
    for (const s of splits) meta.splits.add(s);
    if (prevName) meta.prev.add(prevName);
    for (const next of nextTasks(spec, name)) {
      if (!staging.has(next.name) || !inCycle(spec, next.name)) queue.push([name, next.name, [...splits]]);
    }
  }
  const sameSet = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((x) => b.has(x));
  for (const [name, meta] of staging) {
    if (!meta.join) continue;
    for (const prev of meta.prev) {
      const prevMeta = staging.get(prev);
      if (prevMeta && !sameSet(meta.splits, prevMeta.splits)) {
        result.push({
          message:
            `The join task "${name}" is unreachable. A join task is determined to be unreachable if there are ` +
            'nested forks from multi-referenced tasks that join on the said task. This is ambiguous to the workflow ' +
            'engine because it does not know at which level should the join occurs.',
          spec_path: `tasks.${name}`,
          schema_path: TASK_SCHEMA_PATH,
        });
        break;
      }
    }
  }
  return result;
}

// ---------- expressions ----------

interface ExprProblem {
  message: string;
  expression?: string;
  type?: string;
}

function normalizeProblems(raw: unknown, text: string): ExprProblem[] {
  const list = Array.isArray(raw)
    ? raw
    : raw && typeof raw === 'object' && Array.isArray((raw as { errors?: unknown }).errors)
      ? (raw as { errors: unknown[] }).errors
      : [];
  return list.map((p) => {
    const e = (p ?? {}) as Record<string, unknown>;
    const out: ExprProblem = { message: String(e.message ?? p) };
    out.expression = typeof e.expression === 'string' ? e.expression : text;
    const type = e.type ?? e.language;
    out.type = typeof type === 'string' ? type : text.includes('<%') ? 'yaql' : 'jinja';
    return out;
  });
}

function* strings(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const v of value) yield* strings(v);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      yield k;
      yield* strings(v);
    }
  }
}

function expressionErrors(value: unknown, specPath: string, schemaPath: string): InspectionError[] {
  const out: InspectionError[] = [];
  for (const s of strings(value)) {
    if (!s.includes('<%') && !s.includes('{{') && !s.includes('{%')) continue;
    for (const p of normalizeProblems(inspectExpression(s), s)) {
      out.push({
        type: p.type,
        expression: p.expression,
        message: p.message,
        spec_path: specPath,
        schema_path: schemaPath,
      });
    }
  }
  return out;
}

export function inspectExpressions(definition: unknown): InspectionError[] {
  const d = (definition ?? {}) as Record<string, unknown>;
  const out: InspectionError[] = [];
  for (const prop of ['vars', 'input', 'output']) {
    if (d[prop] !== undefined) out.push(...expressionErrors(d[prop], prop, `properties.${prop}`));
  }
  const tasks = d.tasks;
  if (!tasks || typeof tasks !== 'object' || Array.isArray(tasks)) return out;
  for (const [name, rawTaskValue] of Object.entries(tasks as Record<string, unknown>)) {
    if (!rawTaskValue || typeof rawTaskValue !== 'object') continue;
    const t = rawTaskValue as Record<string, unknown>;
    const base = `tasks.${name}`;
    const schema = `${TASK_SCHEMA_PATH}.properties`;
    for (const prop of ['delay', 'join', 'action', 'input']) {
      if (t[prop] !== undefined)
        out.push(...expressionErrors(t[prop], `${base}.${prop}`, `${schema}.${prop}`));
    }
    const w = typeof t.with === 'string' ? { items: t.with } : t.with;
    if (w && typeof w === 'object') {
      for (const [k, v] of Object.entries(w)) {
        out.push(...expressionErrors(v, `${base}.with.${k}`, `${schema}.with.properties.${k}`));
      }
    }
    if (t.retry && typeof t.retry === 'object') {
      for (const [k, v] of Object.entries(t.retry as Record<string, unknown>)) {
        out.push(...expressionErrors(v, `${base}.retry.${k}`, `${schema}.retry.properties.${k}`));
      }
    }
    if (Array.isArray(t.next)) {
      t.next.forEach((tr, i) => {
        if (!tr || typeof tr !== 'object') return;
        for (const [k, v] of Object.entries(tr as Record<string, unknown>)) {
          out.push(...expressionErrors(v, `${base}.next[${i}].${k}`, `${schema}.next.items.properties.${k}`));
        }
      });
    }
  }
  return out;
}

// ---------- context ----------

interface CtxRef {
  name: string;
  expression: string;
  type: string;
}

function refsIn(value: unknown): CtxRef[] {
  const out: CtxRef[] = [];
  for (const s of strings(value)) {
    if (!isExpression(s)) continue;
    let raw: unknown;
    try {
      raw = extractContextReferences(s);
    } catch {
      continue;
    }
    for (const r of Array.isArray(raw) ? raw : []) {
      if (typeof r === 'string')
        out.push({ name: r, expression: s, type: s.includes('<%') ? 'yaql' : 'jinja' });
      else if (r && typeof r === 'object') {
        const e = r as Record<string, unknown>;
        const name = e.name ?? e.variable;
        if (typeof name !== 'string') continue;
        const type = e.type ?? e.language;
        out.push({
          name,
          expression: typeof e.expression === 'string' ? e.expression : s,
          type: typeof type === 'string' ? type : s.includes('<%') ? 'yaql' : 'jinja',
        });
      }
    }
  }
  return out;
}

class ContextInspector {
  errors: InspectionError[] = [];

  check(value: unknown, rolling: Set<string>, specPath: string, schemaPath: string): void {
    for (const ref of refsIn(value)) {
      const base = {
        type: ref.type,
        expression: ref.expression,
        spec_path: specPath,
        schema_path: schemaPath,
      };
      if (ref.name.startsWith('__')) {
        this.errors.push({
          ...base,
          message:
            `Variable "${ref.name}" that is prefixed with double underscores is considered a private variable ` +
            'and cannot be referenced.',
        });
      }
      if (!rolling.has(ref.name)) {
        this.errors.push({ ...base, message: `Variable "${ref.name}" is referenced before assignment.` });
      }
    }
  }

  /** A list of `name` / `{name: value}` entries evaluated in order, each adding its name. */
  checkDeclarations(value: unknown, rolling: Set<string>, specPath: string, schemaPath: string): void {
    if (!Array.isArray(value)) return;
    value.forEach((entry, i) => {
      this.check(entry, rolling, `${specPath}[${i}]`, schemaPath);
      if (typeof entry === 'string') rolling.add(entry);
      else if (
        entry &&
        typeof entry === 'object' &&
        !Array.isArray(entry) &&
        Object.keys(entry).length === 1
      ) {
        rolling.add(Object.keys(entry)[0] as string);
      }
    });
  }
}

export function inspectContext(spec: WorkflowSpec, appContext: string[]): InspectionError[] {
  const d = (spec.definition ?? {}) as Record<string, unknown>;
  const insp = new ContextInspector();
  const rolling = new Set<string>(appContext);
  if (d.input) insp.checkDeclarations(d.input, rolling, 'input', 'properties.input');
  if (d.vars) insp.checkDeclarations(d.vars, rolling, 'vars', 'properties.vars');
  // Tasks: walk from the start tasks, carrying the variables each branch has published.
  const ctxs = new Map<string, Set<string>>();
  const traversed = new Set<string>();
  const all = new Set(rolling);
  const queue: Array<[string, Set<string> | null]> = startTasks(spec).map((n) => [n, new Set(rolling)]);
  while (queue.length > 0) {
    const [name, given] = queue.shift() as [string, Set<string> | null];
    traversed.add(name);
    const taskCtx = new Set(given && given.size > 0 ? given : (ctxs.get(name) ?? []));
    const raw = rawTask(spec, name);
    const base = `tasks.${name}`;
    const schema = `${TASK_SCHEMA_PATH}.properties`;
    if (raw) {
      if (raw.delay !== undefined) insp.check(raw.delay, taskCtx, `${base}.delay`, `${schema}.delay`);
      const w = typeof raw.with === 'string' ? { items: raw.with } : raw.with;
      if (w && typeof w === 'object') {
        for (const k of ['items', 'concurrency']) {
          const v = (w as Record<string, unknown>)[k];
          if (v !== undefined) insp.check(v, taskCtx, `${base}.with.${k}`, `${schema}.with.properties.${k}`);
        }
      }
      if (typeof raw.action === 'string') {
        const inline = parseInlineParams(raw.action);
        const action =
          raw.action.includes(' ') && inline.length > 0 ? Object.fromEntries(inline) : raw.action;
        insp.check(action, taskCtx, `${base}.action`, `${schema}.action`);
      }
      if (raw.input !== undefined) {
        const inline = typeof raw.input === 'string' ? parseInlineParams(raw.input) : [];
        insp.check(
          inline.length > 0 ? Object.fromEntries(inline) : raw.input,
          taskCtx,
          `${base}.input`,
          `${schema}.input`,
        );
      }
    }
    for (const v of taskCtx) all.add(v);
    const rawNext = raw && Array.isArray(raw.next) ? raw.next : [];
    rawNext.forEach((trRaw, i) => {
      const tr = (trRaw ?? {}) as Record<string, unknown>;
      const trPath = `${base}.next[${i}]`;
      const trSchema = `${schema}.next.items.properties`;
      const branch = new Set(taskCtx);
      if (tr.when !== undefined) insp.check(tr.when, branch, `${trPath}.when`, `${trSchema}.when`);
      if (tr.publish !== undefined) {
        const publish =
          typeof tr.publish === 'string'
            ? parseInlineParams(tr.publish).map(([k, v]) => ({ [k]: v }))
            : tr.publish;
        insp.checkDeclarations(publish, branch, `${trPath}.publish`, `${trSchema}.publish`);
      }
      for (const v of branch) all.add(v);
      const targets = splitDo(tr.do);
      for (const next of targets) {
        if (!next || traversed.has(next) || !hasTask(spec, next)) continue;
        if (!isJoinTask(spec, next)) queue.push([next, branch]);
        else {
          const joined = ctxs.get(next) ?? new Set<string>();
          for (const v of branch) joined.add(v);
          ctxs.set(next, joined);
          queue.push([next, null]);
        }
      }
    });
  }
  for (const v of all) rolling.add(v);
  if (d.output) insp.checkDeclarations(d.output, rolling, 'output', 'properties.output');
  return insp.errors;
}

// ---------- contents (st2) ----------

const ACTION_REF = /^[\w-]+\.[\w.-]+$/;

export function inspectContents(
  spec: WorkflowSpec,
  actionExists?: (ref: string) => boolean,
): InspectionError[] {
  const out: InspectionError[] = [];
  for (const name of spec.taskNames) {
    const task = spec.tasks[name];
    const action = task?.action;
    if (!action || isExpression(action)) continue;
    const path = { spec_path: `tasks.${name}.action`, schema_path: `${TASK_SCHEMA_PATH}.properties.action` };
    if (!ACTION_REF.test(action)) {
      out.push({
        type: 'content',
        message: `The action reference "${action}" is not valid (expected "pack.action").`,
        ...path,
      });
    } else if (actionExists && !actionExists(action)) {
      out.push({
        type: 'content',
        message: `The action "${action}" is not registered in the database.`,
        ...path,
      });
    }
  }
  return out;
}

// ---------- entry point ----------

const bySchemaThenSpec = (a: InspectionError, b: InspectionError) => {
  const ka = `${a.schema_path ?? ''}\u0000${a.spec_path ?? ''}`;
  const kb = `${b.schema_path ?? ''}\u0000${b.spec_path ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

/** Inspects a workflow (YAML text, loaded object or parsed spec). Empty lists mean no problem. */
export function inspectWorkflow(
  source: WorkflowSpec | string | object,
  options: InspectOptions = {},
): InspectionResult {
  const result: InspectionResult = { syntax: [], semantics: [], expressions: [], context: [], contents: [] };
  let spec: WorkflowSpec;
  try {
    const isSpec =
      typeof source === 'object' && source !== null && 'definition' in source && 'taskNames' in source;
    spec = isSpec
      ? (source as WorkflowSpec)
      : parseWorkflow(loadDefinition(source as string | object) as object);
  } catch (e) {
    result.syntax.push({
      message: `Invalid YAML: ${(e as Error).message}`,
      spec_path: null,
      schema_path: null,
    });
    return result;
  }
  if (spec.definition === null || typeof spec.definition !== 'object' || Array.isArray(spec.definition)) {
    result.syntax.push({
      message: 'The workflow definition is not a mapping.',
      spec_path: null,
      schema_path: null,
    });
    return result;
  }
  result.syntax = inspectSyntax(spec.definition).sort(bySchemaThenSpec);
  result.semantics = inspectSemantics(spec).sort(bySchemaThenSpec);
  result.expressions = inspectExpressions(spec.definition).sort(bySchemaThenSpec);
  result.context = inspectContext(spec, options.appContext ?? ['st2', 'parent']).sort(bySchemaThenSpec);
  result.contents = inspectContents(spec, options.actionExists).sort(bySchemaThenSpec);
  return result;
}

/** All errors of an inspection, each with its category. */
export function inspectionErrors(result: InspectionResult): Array<InspectionError & { category: string }> {
  return Object.entries(result).flatMap(([category, list]) =>
    (list as InspectionError[]).map((e) => ({ category, ...e })),
  );
}
