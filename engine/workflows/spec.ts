/**
 * Orquesta workflow spec (native v1): parse YAML text or an object into a typed model, plus the graph
 * queries the composer, inspector and conductor share (next/prev tasks, start tasks, joins, splits, cycles).
 * Mirrors orquesta/specs/native/v1/models.py.
 */
import {
  type DocumentOptions,
  type ParseOptions,
  parse as parseYaml,
  type ScalarTag,
  type SchemaOptions,
} from 'yaml';
import { isEngineCommand } from './statuses.ts';

export const RESERVED_TASK_NAMES = ['continue', 'fail', 'noop', 'retry'];

export interface WorkflowInput {
  name: string;
  /** Present when the input is written `{name: default}`. */
  default?: unknown;
  hasDefault: boolean;
}

export interface TaskTransition {
  when?: string;
  /** Ordered `[name, value]` pairs (string form `a=<% x %> b=1` or a list of one-key dicts). */
  publish: Array<[string, unknown]>;
  /** Next task names (string comma list or list). Defaults to `continue`. */
  do: string[];
}

export interface ItemsSpec {
  /** The full `items` text, e.g. `x, y in <% zip(ctx(a), ctx(b)) %>`. */
  items: string;
  /** The expression part (after ` in `). */
  expression: string;
  /** Names bound per item (`x, y in ...`), undefined for a bare expression. */
  keys?: string[];
  concurrency?: string | number;
}

export interface RetrySpec {
  when?: string;
  count: string | number;
  delay?: string | number;
}

export interface TaskSpec {
  name: string;
  action?: string;
  input?: unknown;
  join?: 'all' | number;
  with?: ItemsSpec;
  retry?: RetrySpec;
  delay?: string | number;
  next: TaskTransition[];
}

export interface WorkflowSpec {
  version?: unknown;
  description?: string;
  input: WorkflowInput[];
  vars: Array<[string, unknown]>;
  output: Array<[string, unknown]>;
  tasks: Record<string, TaskSpec>;
  /** Task names in definition order. */
  taskNames: string[];
  /** The definition as loaded (what the syntax check validates and what serialization stores). */
  definition: unknown;
}

// ---------- inline parameters (orquesta/utils/parameters.py) ----------

const INLINE_VALUE = [
  String.raw`\[.*\]\s*`,
  String.raw`"[^"]*"\s*`,
  String.raw`'[^']*'\s*`,
  String.raw`[-]?\d*\.\d+`,
  String.raw`[-]?\d+`,
  'true',
  'false',
  'null',
  '<%.*?%>',
  String.raw`\{\{.*?\}\}`,
  String.raw`\{%.*?%\}`,
].join('|');
const INLINE_PARAMS = new RegExp(String.raw`(\w+)=(${INLINE_VALUE})`, 'gi');

/** Parses `k=v k2="v 2" k3=<% expr %>` into ordered pairs (values JSON-decoded when unquoted). */
export function parseInlineParams(text: unknown): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  if (typeof text !== 'string' || text === '') return out;
  for (const m of text.matchAll(INLINE_PARAMS)) {
    const key = m[1] as string;
    let v = (m[2] as string).trim();
    const quoted = /"[^"]*"\s*/.test(v) || /'[^']*'\s*/.test(v);
    v = v.replace(/^"/, '').replace(/"$/, '').replace(/^'/, '').replace(/'$/, '');
    let quotesInString = false;
    if (v !== '') quotesInString = quoted && !(v[0] === '{' && v[v.length - 1] === '}');
    let value: unknown = v;
    if (!quotesInString) {
      const lower = v.toLowerCase();
      const candidate = lower === 'true' || lower === 'false' ? lower : v;
      try {
        value = JSON.parse(candidate);
      } catch {
        value = v;
      }
    }
    out.push([key, value]);
  }
  return out;
}

// ---------- parsing ----------

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function oneKeyPairs(value: unknown): Array<[string, unknown]> {
  if (!Array.isArray(value)) return [];
  const out: Array<[string, unknown]> = [];
  for (const entry of value) {
    if (isRecord(entry)) {
      const first = Object.entries(entry)[0];
      if (first) out.push(first);
    }
  }
  return out;
}

export function splitDo(value: unknown): string[] {
  if (typeof value === 'string') return value.split(',').map((s) => s.trim());
  if (Array.isArray(value)) return value.map((s) => String(s));
  return [];
}

const ITEMS_IN = /^\s*((?:\w+\s*,\s*)*\w+)\s+in\s+([\s\S]+?)\s*$/;

export function parseItems(value: unknown): ItemsSpec | undefined {
  const spec = typeof value === 'string' ? { items: value } : isRecord(value) ? value : undefined;
  if (!spec || typeof spec.items !== 'string') return undefined;
  const items = spec.items;
  const idx = items.indexOf(' in ');
  const m = idx >= 0 ? ITEMS_IN.exec(items) : null;
  const result: ItemsSpec = m
    ? { items, expression: (m[2] as string).trim(), keys: (m[1] as string).replace(/\s/g, '').split(',') }
    : { items, expression: items.trim() };
  if (spec.concurrency !== undefined && spec.concurrency !== null) {
    result.concurrency = spec.concurrency as string | number;
  }
  return result;
}

function parseTask(name: string, raw: unknown): TaskSpec {
  const t = isRecord(raw) ? raw : {};
  const task: TaskSpec = { name, next: [] };
  if (typeof t.action === 'string') {
    const inline = parseInlineParams(t.action);
    if (inline.length > 0 && t.action.includes(' ')) {
      task.action = t.action.slice(0, t.action.indexOf(' '));
      task.input = Object.fromEntries(inline);
    } else {
      task.action = t.action;
    }
  }
  if (task.input === undefined && t.input !== undefined && t.input !== null) task.input = t.input;
  if (t.join === 'all' || typeof t.join === 'number') task.join = t.join;
  if (t.with !== undefined && t.with !== null) task.with = parseItems(t.with);
  if (isRecord(t.retry)) {
    task.retry = { count: t.retry.count as string | number };
    if (typeof t.retry.when === 'string') task.retry.when = t.retry.when;
    if (t.retry.delay !== undefined && t.retry.delay !== null)
      task.retry.delay = t.retry.delay as string | number;
  }
  if (t.delay !== undefined && t.delay !== null) task.delay = t.delay as string | number;
  if (Array.isArray(t.next)) {
    for (const rawTransition of t.next) {
      const tr = isRecord(rawTransition) ? rawTransition : {};
      const transition: TaskTransition = {
        publish: typeof tr.publish === 'string' ? parseInlineParams(tr.publish) : oneKeyPairs(tr.publish),
        do: splitDo(tr.do),
      };
      if (transition.do.length === 0 || (transition.do.length === 1 && transition.do[0] === '')) {
        transition.do = ['continue'];
      }
      if (typeof tr.when === 'string') transition.when = tr.when;
      task.next.push(transition);
    }
  }
  return task;
}

/**
 * PyYAML accepts a multi-line quoted scalar whose continuation lines are not indented past the key (st2's
 * examples rely on it); the `yaml` package does not. Indenting those lines does not change the value
 * (continuation lines are stripped), so we re-indent them and parse again.
 */
export function reindentQuotedScalars(text: string): string {
  const lines = text.split('\n');
  let quote: string | null = null;
  let base = 0;
  const opener = /^(\s*(?:-\s+)?)(?:[^'"#\s][^'"#]*?:\s+)?(['"])/;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] as string;
    let from = 0;
    if (quote) {
      const indent = /^\s*/.exec(line)?.[0].length ?? 0;
      if (line.trim() !== '' && indent <= base) {
        line = ' '.repeat(base + 2 - indent) + line;
        lines[i] = line;
      }
    } else {
      const m = opener.exec(line);
      if (!m) continue;
      base = (m[1] as string).length;
      quote = m[2] as string;
      from = m[0].length;
    }
    for (let j = from; j < line.length; j++) {
      const ch = line[j];
      if (quote === '"' && ch === '\\') j++;
      else if (quote === "'" && ch === "'" && line[j + 1] === "'") j++;
      else if (ch === quote) {
        quote = null;
        break;
      }
    }
  }
  return lines.join('\n');
}

/** PyYAML's booleans: YAML 1.1 without `y`/`n` (which PyYAML, hence st2, reads as strings). */
const PY_BOOL: ScalarTag = {
  identify: (v: unknown) => typeof v === 'boolean',
  default: true,
  tag: 'tag:yaml.org,2002:bool',
  test: /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  resolve: (s: string) => /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/.test(s),
  stringify: ({ value }) => (value ? 'true' : 'false'),
};

const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  customTags: (tags) => [
    ...tags.filter((t) => (t as { tag?: string }).tag !== 'tag:yaml.org,2002:bool'),
    PY_BOOL,
  ],
};

/** Loads YAML text (YAML 1.1 as PyYAML reads it) or takes an already-loaded object. Throws on invalid YAML. */
export function loadDefinition(source: string | object): unknown {
  if (typeof source !== 'string') return source;
  try {
    return parseYaml(source, YAML_OPTIONS);
  } catch (error) {
    const fixed = reindentQuotedScalars(source);
    if (fixed === source) throw error;
    try {
      return parseYaml(fixed, YAML_OPTIONS);
    } catch {
      throw error;
    }
  }
}

/** Parses a workflow definition into the typed model. Tolerant: malformed parts are left out (inspect reports them). */
export function parseWorkflow(source: string | object): WorkflowSpec {
  const definition = loadDefinition(source);
  const d = isRecord(definition) ? definition : {};
  const input: WorkflowInput[] = [];
  if (Array.isArray(d.input)) {
    for (const entry of d.input) {
      if (typeof entry === 'string') input.push({ name: entry, hasDefault: false });
      else if (isRecord(entry)) {
        const first = Object.entries(entry)[0];
        if (first) input.push({ name: first[0], default: first[1], hasDefault: true });
      }
    }
  }
  const tasks: Record<string, TaskSpec> = {};
  const taskNames: string[] = [];
  if (isRecord(d.tasks)) {
    for (const [name, raw] of Object.entries(d.tasks)) {
      tasks[name] = parseTask(name, raw);
      taskNames.push(name);
    }
  }
  const spec: WorkflowSpec = {
    version: d.version,
    input,
    vars: oneKeyPairs(d.vars),
    output: oneKeyPairs(d.output),
    tasks,
    taskNames,
    definition,
  };
  if (typeof d.description === 'string') spec.description = d.description;
  return spec;
}

// ---------- graph queries (TaskMappingSpec) ----------

export interface NextTaskRef {
  name: string;
  condition?: string;
  /** Index of the transition in the task's `next` list. */
  ref: number;
}

interface SpecIndex {
  next: Map<string, NextTaskRef[]>;
  prevCount: Map<string, number>;
  inCycle: Map<string, boolean>;
  start?: string[];
}

const indexes = new WeakMap<WorkflowSpec, SpecIndex>();

function indexOf(spec: WorkflowSpec): SpecIndex {
  let idx = indexes.get(spec);
  if (!idx) {
    idx = { next: new Map(), prevCount: new Map(), inCycle: new Map() };
    indexes.set(spec, idx);
    for (const name of spec.taskNames) {
      for (const n of nextTasks(spec, name)) idx.prevCount.set(n.name, (idx.prevCount.get(n.name) ?? 0) + 1);
    }
  }
  return idx;
}

export function hasTask(spec: WorkflowSpec, name: string): boolean {
  return RESERVED_TASK_NAMES.includes(name) || Object.hasOwn(spec.tasks, name);
}

export function getTask(spec: WorkflowSpec, name: string): TaskSpec {
  if (isEngineCommand(name)) return { name, next: [] };
  const task = spec.tasks[name];
  if (!task) throw new Error(`The task "${name}" is not defined.`);
  return task;
}

/** Next tasks of a task, one entry per (transition, target), sorted by target name (stable). */
export function nextTasks(spec: WorkflowSpec, name: string): NextTaskRef[] {
  const idx = indexes.get(spec);
  const cached = idx?.next.get(name);
  if (cached) return cached;
  const out: NextTaskRef[] = [];
  const task = isEngineCommand(name) ? undefined : spec.tasks[name];
  task?.next.forEach((transition, ref) => {
    for (const target of transition.do) {
      const entry: NextTaskRef = { name: target, ref };
      if (transition.when) entry.condition = transition.when;
      out.push(entry);
    }
  });
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  idx?.next.set(name, out);
  return out;
}

export function prevTaskCount(spec: WorkflowSpec, name: string): number {
  return indexOf(spec).prevCount.get(name) ?? 0;
}

export function startTasks(spec: WorkflowSpec): string[] {
  const idx = indexOf(spec);
  if (!idx.start) idx.start = spec.taskNames.filter((n) => !idx.prevCount.has(n)).sort();
  return idx.start;
}

export function isJoinTask(spec: WorkflowSpec, name: string): boolean {
  return !isEngineCommand(name) && spec.tasks[name]?.join !== undefined;
}

export function isSplitTask(spec: WorkflowSpec, name: string): boolean {
  return !isJoinTask(spec, name) && prevTaskCount(spec, name) > 1;
}

/** True when the task can reach itself through transitions. */
export function inCycle(spec: WorkflowSpec, name: string): boolean {
  const idx = indexOf(spec);
  const cached = idx.inCycle.get(name);
  if (cached !== undefined) return cached;
  const traversed = new Set<string>();
  const queue = nextTasks(spec, name).map((n) => n.name);
  let found = false;
  while (queue.length > 0) {
    const next = queue.shift() as string;
    if (next === name) {
      found = true;
      break;
    }
    if (traversed.has(next)) continue;
    traversed.add(next);
    for (const n of nextTasks(spec, next)) queue.push(n.name);
  }
  idx.inCycle.set(name, found);
  return found;
}
