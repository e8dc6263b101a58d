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

/** What Orquesta's workflow functions see: the task being evaluated and how to look up statuses. */
export interface EvalScope {
  ctx: Ctx;
  currentTask?: { id: string; route: number; result?: unknown };
  item?: unknown;
  hasItem?: boolean;
  taskStatus?: (taskId: string, route?: number) => string;
  /** Extra functions (st2kv, task, config_pack...) supplied by the runtime. */
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

function currentTaskOf(scope: EvalScope): { id: string; route: number; result?: unknown } {
  if (!scope.currentTask) throw new ExpressionError('The current task is not set in the context.');
  return scope.currentTask;
}

/** Orquesta's expression functions (orquesta/expressions/functions/{common,workflow}.py) for one scope. */
export function workflowFunctions(scope: EvalScope): Record<string, ExpressionFunction> {
  const status = (id: string, route?: number) => (scope.taskStatus ? scope.taskStatus(id, route) : 'null');
  const fns: Record<string, ExpressionFunction> = {
    ctx: (...args: unknown[]) => {
      const key = args[0];
      if (key === undefined || key === null || key === '') return scope.ctx;
      const name = String(key);
      if (name.startsWith('__')) {
        throw new ExpressionError(`The variable "${name}" is a private variable and cannot be referenced.`);
      }
      if (!Object.hasOwn(scope.ctx, name)) throw new VariableUndefinedError(name);
      return scope.ctx[name];
    },
    succeeded: () => {
      const t = currentTaskOf(scope);
      return status(t.id, t.route) === 'succeeded';
    },
    failed: () => {
      const t = currentTaskOf(scope);
      return status(t.id, t.route) === 'failed';
    },
    completed: () => {
      const t = currentTaskOf(scope);
      return ['succeeded', 'failed', 'timeout', 'abandoned', 'canceled'].includes(status(t.id, t.route));
    },
    result: () => currentTaskOf(scope).result ?? null,
    item: (...args: unknown[]) => {
      if (!scope.hasItem) throw new ExpressionError('The current item is not set in the context.');
      const key = args[0];
      if (key === undefined || key === null || key === '') return scope.item;
      const item = scope.item;
      if (item === null || typeof item !== 'object' || Array.isArray(item)) {
        throw new ExpressionError('Item is not type of collections.Mapping.');
      }
      const name = String(key);
      if (!Object.hasOwn(item, name)) throw new ExpressionError(`Item does not have key "${name}".`);
      return (item as Ctx)[name];
    },
    task_status: (...args: unknown[]) =>
      status(String(args[0]), args[1] === undefined ? undefined : Number(args[1])),
  };
  return scope.functions ? { ...scope.functions, ...fns } : fns;
}

/** Evaluates a spec value (string, list, dict, scalar). Strings without expressions are returned as they are. */
export function evaluateValue(value: unknown, scope: EvalScope): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (typeof value === 'string') {
    if (!isExpression(value)) return value;
    return evaluate(value, { data: scope.ctx, functions: workflowFunctions(scope) });
  }
  if (typeof value !== 'object') return value;
  return evaluateDeep(value, { data: scope.ctx, functions: workflowFunctions(scope) });
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
