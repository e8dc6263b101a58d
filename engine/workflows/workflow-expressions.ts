/**
 * The bridge between the workflow engine and the expression module: evaluates spec values (strings with
 * `<% %>` / `{{ }}`, or nested lists/dicts of them) against a task context, with Orquesta's functions.
 */
import {
  ExpressionError,
  type ExpressionFunction,
  evaluate,
  evaluateDeep,
  isExpression,
} from '../expressions/index.ts';

export type Ctx = Record<string, unknown>;

export type CurrentTask = { id: string; route: number; result?: unknown };

/** Task lookups of the workflow being evaluated (the conductor): one object, no closures per evaluation. */
export interface TaskLookup {
  /** task_status(): a task's status as seen from a route. */
  taskStatus(taskId: string, route: number): string;
  /** st2's task(id?, route?): the latest run of a task ({task_id, task_name, route, status, result}). */
  taskInfo(currentTask: CurrentTask | undefined, taskId?: string, route?: number): unknown;
}

/** What Orquesta's workflow functions see: the task being evaluated and how to look up statuses. */
export interface EvalScope {
  ctx: Ctx;
  currentTask?: CurrentTask;
  item?: unknown;
  hasItem?: boolean;
  tasks?: TaskLookup;
  /** Extra functions (st2kv, config_pack...) supplied by the runtime. */
  functions?: Record<string, ExpressionFunction>;
}

/** Python truthiness (empty list/dict/string, 0 and null are false), as Orquesta's `all()` applies it. */
export function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false) return false;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value as object).length > 0;
  return true;
}

export class VariableUndefinedError extends ExpressionError {
  constructor(name: string) {
    super(`The variable "${name}" is undefined.`);
    this.name = 'VariableUndefinedError';
  }
}

// The scope of the evaluation in progress. Functions are built once and read it, so the expression module can
// cache its per-functions-object adapters (evaluation is synchronous; nesting restores the previous scope).
let active: EvalScope = { ctx: {} };

function currentTask(): CurrentTask {
  if (!active.currentTask) throw new ExpressionError('The current task is not set in the context.');
  return active.currentTask;
}

function status(id: string, route?: number): string {
  return active.tasks ? active.tasks.taskStatus(id, route ?? active.currentTask?.route ?? 0) : 'null';
}

/** Keyword arguments arrive as a marked trailing object (see engine/expressions/kwargs.ts). */
const KWARGS = Symbol.for('squall.expressions.kwargs');

/** Binds positional and keyword arguments to Python-style parameter names. */
export function bindArgs(args: unknown[], names: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let positional = args;
  const last = args[args.length - 1];
  if (
    last !== null &&
    typeof last === 'object' &&
    !Array.isArray(last) &&
    ((last as Record<symbol, unknown>)[KWARGS] === true || Object.hasOwn(last, '__keywords'))
  ) {
    positional = args.slice(0, -1);
    for (const [k, v] of Object.entries(last)) if (k !== '__keywords') out[k] = v;
  }
  names.forEach((name, i) => {
    if (i < positional.length) out[name] = positional[i];
  });
  return out;
}

const COMPLETED = new Set(['succeeded', 'failed', 'timeout', 'abandoned', 'canceled']);

/** Orquesta's expression functions (orquesta/expressions/functions/{common,workflow}.py). */
const BASE_FUNCTIONS: Record<string, ExpressionFunction> = {
  ctx: (...args: unknown[]) => {
    const key = bindArgs(args, ['key']).key;
    if (key === undefined || key === null || key === '') return active.ctx;
    const name = String(key);
    if (name.startsWith('__')) {
      throw new ExpressionError(`The variable "${name}" is a private variable and cannot be referenced.`);
    }
    if (!Object.hasOwn(active.ctx, name)) throw new VariableUndefinedError(name);
    return active.ctx[name];
  },
  succeeded: () => {
    const t = currentTask();
    return status(t.id, t.route) === 'succeeded';
  },
  failed: () => {
    const t = currentTask();
    return status(t.id, t.route) === 'failed';
  },
  completed: () => {
    const t = currentTask();
    return COMPLETED.has(status(t.id, t.route));
  },
  result: () => currentTask().result ?? null,
  item: (...args: unknown[]) => {
    if (!active.hasItem) throw new ExpressionError('The current item is not set in the context.');
    const key = bindArgs(args, ['key']).key;
    if (key === undefined || key === null || key === '') return active.item;
    const item = active.item;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new ExpressionError('Item is not type of collections.Mapping.');
    }
    const name = String(key);
    if (!Object.hasOwn(item, name)) throw new ExpressionError(`Item does not have key "${name}".`);
    return (item as Ctx)[name];
  },
  // orquesta/expressions/functions/common.py: json() and zip() exist in both languages.
  json: (...args: unknown[]) => {
    const value = args[0];
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value);
    } catch (e) {
      throw new ExpressionError(`json(): ${(e as Error).message}`);
    }
  },
  zip: (...args: unknown[]) => {
    const lists = args.map((a) => (Array.isArray(a) ? a : typeof a === 'string' ? [...a] : []));
    const n = lists.length === 0 ? 0 : Math.min(...lists.map((l) => l.length));
    return Array.from({ length: n }, (_, i) => lists.map((l) => l[i]));
  },
  task: (...args: unknown[]) => {
    if (!active.tasks) throw new ExpressionError('task() is not available here.');
    const { task_id, route } = bindArgs(args, ['task_id', 'route']);
    const id = task_id === undefined || task_id === null ? undefined : String(task_id);
    return active.tasks.taskInfo(
      active.currentTask,
      id,
      route === undefined || route === null ? undefined : Number(route),
    );
  },
  task_status: (...args: unknown[]) => {
    const { task_id, route } = bindArgs(args, ['task_id', 'route']);
    return status(String(task_id), route === undefined || route === null ? undefined : Number(route));
  },
};

/**
 * Functions whose returned dicts YAQL reads strictly (engine/expressions/yaql/evaluator.ts): `result().value` on
 * a result without `value` fails with Orquesta's "Unable to resolve key 'value' in expression ..." (st2's itests
 * test_task_publish_error / test_task_transition_error). ctx() keeps null for an undeclared variable.
 */
const STRICT_KEY_FUNCTIONS = Symbol.for('squall.yaql.strictKeyFunctions');
const STRICT_KEYS: ReadonlySet<string> = new Set(['result', 'task', 'item']);

function markStrict(fns: Record<string, ExpressionFunction>): Record<string, ExpressionFunction> {
  Object.defineProperty(fns, STRICT_KEY_FUNCTIONS, { value: STRICT_KEYS, enumerable: false });
  return fns;
}
markStrict(BASE_FUNCTIONS);

const withExtras = new WeakMap<Record<string, ExpressionFunction>, Record<string, ExpressionFunction>>();

/** The functions for a scope: Orquesta's plus the runtime's extras (built once per extras object). */
export function workflowFunctions(scope: EvalScope): Record<string, ExpressionFunction> {
  const extras = scope.functions;
  if (!extras) return BASE_FUNCTIONS;
  let fns = withExtras.get(extras);
  if (!fns) {
    fns = markStrict({ ...extras, ...BASE_FUNCTIONS });
    withExtras.set(extras, fns);
  }
  return fns;
}

/** Evaluates a spec value (string, list, dict, scalar). Strings without expressions are returned as they are. */
export function evaluateValue(value: unknown, scope: EvalScope): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' && !isExpression(value)) return value;
  if (typeof value !== 'string' && typeof value !== 'object') return value;
  const previous = active;
  active = scope;
  try {
    const ctx = { data: scope.ctx, functions: workflowFunctions(scope) };
    return typeof value === 'string' ? evaluate(value, ctx) : evaluateDeep(value, ctx);
  } finally {
    active = previous;
  }
}

/** Formats an evaluation failure the way Orquesta logs it ("YaqlEvaluationException: ..."). */
export function formatEvaluationError(error: unknown): string {
  if (error instanceof ExpressionError) {
    const kind = error.language === 'jinja' ? 'JinjaEvaluationException' : 'YaqlEvaluationException';
    return `${kind}: ${error.message}`;
  }
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * st2kv() over fixed values (rehearsals, tests): `st2kv('system.k')` reads `values['system.k']`, a user key
 * `st2kv('k')` reads `values.k`; `default` is returned for a missing key, which otherwise is an error.
 */
export function staticSt2kv(values: Record<string, unknown>): ExpressionFunction {
  return (...args: unknown[]) => {
    const bound = bindArgs(args, ['key', 'decrypt', 'default']);
    const key = String(bound.key);
    if (Object.hasOwn(values, key)) return values[key];
    if (Object.hasOwn(bound, 'default')) return bound.default;
    throw new ExpressionError(`The key "${key}" does not exist in the StackStorm datastore.`);
  };
}
