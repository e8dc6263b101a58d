/**
 * The runtime object compiled templates run against. It replaces nunjucks' lookups with sandboxed ones:
 * member access reaches only own data properties of plain objects/arrays plus the Python methods in
 * python-methods.ts; `constructor`, `__proto__`, `prototype` and every inherited JavaScript property are
 * invisible, so `range.constructor("return process")()` and friends get nothing to call.
 */
import { ExpressionError } from '../expression-error.ts';
import { DICT_METHODS, LIST_METHODS, STRING_METHODS } from '../python-methods.ts';
import { isPlainObject, pyCompare, pyEquals, pyIn, pyStr, pyTypeName, truthy } from '../python-values.ts';
import { njRuntime } from './nunjucks-internals.ts';
import { pyPercentFormat } from './percent-format.ts';

const BLOCKED = new Set([
  'constructor',
  '__proto__',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);
const DANGEROUS_FUNCTIONS = new Set<unknown>([
  Function,
  Object.getPrototypeOf(async () => {}).constructor,
  Object.getPrototypeOf(function* () {}).constructor,
  Object.getPrototypeOf(async function* () {}).constructor,
  // biome-ignore lint/security/noGlobalEval: listed only so templates can never call it
  eval,
]);

function bindMethod(method: (self: never, ...args: unknown[]) => unknown, self: unknown) {
  return (...args: unknown[]) => method(self as never, ...args);
}

function index(length: number, key: unknown): number | undefined {
  const n =
    typeof key === 'number' ? key : typeof key === 'string' && /^-?\d+$/.test(key) ? Number(key) : Number.NaN;
  if (!Number.isInteger(n)) return undefined;
  const i = n < 0 ? length + n : n;
  return i >= 0 && i < length ? i : undefined;
}

export function memberLookup(obj: unknown, key: unknown): unknown {
  if (obj === null || obj === undefined) return undefined;
  if (obj instanceof String) obj = obj.toString(); // SafeString from a macro
  if (typeof key === 'string' && BLOCKED.has(key)) return undefined;
  if (typeof obj === 'string') {
    const i = index(obj.length, key);
    if (i !== undefined) return obj[i];
    if (typeof key === 'string' && Object.hasOwn(STRING_METHODS, key))
      return bindMethod(STRING_METHODS[key], obj);
    return undefined;
  }
  if (Array.isArray(obj)) {
    const i = index(obj.length, key);
    if (i !== undefined) return obj[i];
    if (key === 'length') return obj.length;
    if (typeof key === 'string' && Object.hasOwn(LIST_METHODS, key))
      return bindMethod(LIST_METHODS[key], obj);
    return undefined;
  }
  if (typeof obj !== 'object' || obj === null) return undefined; // numbers, booleans, functions: no members
  const k = typeof key === 'number' ? String(key) : key;
  if (typeof k !== 'string') return undefined;
  if (Object.hasOwn(obj, k)) {
    const desc = Object.getOwnPropertyDescriptor(obj, k);
    if (!desc || !('value' in desc)) return undefined; // no getters
    const value = desc.value as unknown;
    if (typeof value === 'function')
      return (...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(obj, args);
    return value;
  }
  if (isPlainObject(obj) && Object.hasOwn(DICT_METHODS, k)) return bindMethod(DICT_METHODS[k], obj);
  return undefined;
}

interface FrameLike {
  variables: Record<string, unknown>;
  parent?: FrameLike;
}
interface ContextLike {
  ctx: Record<string, unknown>;
  env: { globals: Record<string, unknown> };
}

export function contextOrFrameLookup(context: ContextLike, frame: FrameLike, name: string): unknown {
  if (BLOCKED.has(name)) return undefined;
  for (let f: FrameLike | undefined = frame; f; f = f.parent) {
    if (Object.hasOwn(f.variables, name) && f.variables[name] !== undefined) return f.variables[name];
  }
  if (Object.hasOwn(context.ctx, name)) return context.ctx[name];
  if (Object.hasOwn(context.env.globals, name)) return context.env.globals[name];
  return undefined;
}

function callWrap(obj: unknown, name: string, context: unknown, args: unknown[]): unknown {
  if (typeof obj !== 'function') {
    throw new Error(
      obj === undefined || obj === null ? `'${name}' is undefined` : `'${name}' is not callable`,
    );
  }
  if (DANGEROUS_FUNCTIONS.has(obj)) throw new Error(`calling '${name}' is not allowed in templates`);
  return obj.apply(context, args);
}

/** `obj.key(...)`: dict methods win over a same-named key when called (Python attribute lookup first). */
function callMember(obj: unknown, key: unknown, name: string, context: unknown, args: unknown[]): unknown {
  if (typeof key === 'string' && isPlainObject(obj) && Object.hasOwn(DICT_METHODS, key)) {
    const own = Object.hasOwn(obj, key) ? obj[key] : undefined;
    if (typeof own !== 'function') return DICT_METHODS[key](obj as never, ...args);
  }
  return callWrap(memberLookup(obj, key), name, context, args);
}

function suppressValue(val: unknown): string {
  if (val instanceof njRuntime.SafeString) return val.toString();
  return pyStr(val);
}

/** Jinja's name for a value's type in "'dict object' has no attribute 'x'". */
function jinjaTypeName(value: unknown): string {
  if (value === null) return "'None'";
  const t = pyTypeName(value);
  return `'${t === 'NoneType' ? 'None' : t} object'`;
}

/**
 * Strict undefined (st2's StrictUndefined) fails when an undefined value is output. For a pure lookup chain
 * the message is Jinja's: `'x' is undefined` for a root name, `'dict object' has no attribute 'k'` for a key.
 */
function ensureDefinedNamed(
  val: unknown,
  name: string,
  path: Array<string | number> | null,
  context: ContextLike,
  frame: FrameLike,
): unknown {
  if (val !== undefined) return val;
  let message = `'${name}' is undefined`;
  if (path) {
    let current = contextOrFrameLookup(context, frame, String(path[0]));
    if (current === undefined) message = `'${path[0]}' is undefined`;
    for (const key of path.slice(1)) {
      if (current === undefined) break;
      const next = memberLookup(current, key);
      if (next === undefined) {
        message =
          Array.isArray(current) && typeof key === 'number'
            ? `list object has no element ${key}`
            : `${jinjaTypeName(current)} has no attribute '${key}'`;
        break;
      }
      current = next;
    }
  }
  throw new ExpressionError(message, undefined, 'jinja');
}

function compareChain(values: unknown[], ops: string[]): boolean {
  for (let i = 0; i < ops.length; i++) {
    const a = values[i];
    const b = values[i + 1];
    let ok: boolean;
    switch (ops[i]) {
      case '==':
      case '===':
        ok = pyEquals(a, b);
        break;
      case '!=':
      case '!==':
        ok = !pyEquals(a, b);
        break;
      case '<':
        ok = pyCompare(a, b) < 0;
        break;
      case '>':
        ok = pyCompare(a, b) > 0;
        break;
      case '<=':
        ok = pyCompare(a, b) <= 0;
        break;
      case '>=':
        ok = pyCompare(a, b) >= 0;
        break;
      default:
        throw new Error(`unknown comparison ${ops[i]}`);
    }
    if (!ok) return false;
  }
  return true;
}

function pyAdd(a: unknown, b: unknown): unknown {
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (typeof a === 'string' && typeof b === 'string') return a + b;
  const na = typeof a === 'boolean' ? Number(a) : a;
  const nb = typeof b === 'boolean' ? Number(b) : b;
  if (typeof na === 'number' && typeof nb === 'number') return na + nb;
  throw new Error(`unsupported operand type(s) for +: '${pyTypeName(a)}' and '${pyTypeName(b)}'`);
}

const REPEAT_LIMIT = 10_000_000;

/** Python `*`: numbers multiply; a string or list times an int repeats (size-capped). */
function pyMul(a: unknown, b: unknown): unknown {
  const na = typeof a === 'boolean' ? Number(a) : a;
  const nb = typeof b === 'boolean' ? Number(b) : b;
  if (typeof na === 'number' && typeof nb === 'number') return na * nb;
  const [seq, n] = typeof na === 'number' ? [b, na] : [a, nb];
  if (typeof n === 'number' && Number.isInteger(n) && (typeof seq === 'string' || Array.isArray(seq))) {
    if (Math.max(0, n) * seq.length > REPEAT_LIMIT) throw new Error('repetition result is too large');
    if (typeof seq === 'string') return n > 0 ? seq.repeat(n) : '';
    return Array.from({ length: Math.max(0, n) }, () => seq).flat();
  }
  throw new Error(`unsupported operand type(s) for *: '${pyTypeName(a)}' and '${pyTypeName(b)}'`);
}

function pyMod(a: unknown, b: unknown): unknown {
  if (typeof a === 'string') return pyPercentFormat(a, b);
  if (typeof a === 'number' && typeof b === 'number') return ((a % b) + b) % b;
  throw new Error(`unsupported operand type(s) for %: '${pyTypeName(a)}' and '${pyTypeName(b)}'`);
}

/** The items of `{% for ... in items if cond %}` that pass `keep`, with dicts as keys / (key, value) pairs. */
function pyLoopFilter(items: unknown, vars: number, keep: (item: unknown) => boolean): unknown[] {
  let list = pyIterable(items, vars);
  if (list === null || list === undefined) return [];
  if (vars === 2 && isPlainObject(list)) list = Object.entries(list);
  if (!Array.isArray(list)) throw new Error(`'${pyTypeName(items)}' object is not iterable`);
  return list.filter((item) => keep(item));
}

/** Python slicing `value[start:stop:step]` of lists and strings. */
function pySlice(value: unknown, start: unknown, stop: unknown, step: unknown): unknown {
  const isString = typeof value === 'string';
  if (!isString && !Array.isArray(value)) {
    throw new Error(`'${pyTypeName(value)}' object is not subscriptable`);
  }
  const items: unknown[] = isString ? [...(value as string)] : (value as unknown[]);
  const n = items.length;
  const st = step === undefined || step === null ? 1 : Number(step);
  if (!Number.isInteger(st) || st === 0) throw new Error('slice step cannot be zero');
  const clamp = (v: unknown, dflt: number, lo: number, hi: number): number => {
    if (v === undefined || v === null) return dflt;
    let i = Math.trunc(Number(v));
    if (i < 0) i += n;
    return Math.min(Math.max(i, lo), hi);
  };
  const out: unknown[] = [];
  if (st > 0) {
    const a = clamp(start, 0, 0, n);
    const b = clamp(stop, n, 0, n);
    for (let i = a; i < b; i += st) out.push(items[i]);
  } else {
    const a = clamp(start, n - 1, -1, n - 1);
    const b = clamp(stop, -1, -1, n - 1);
    for (let i = a; i > b; i += st) out.push(items[i]);
  }
  return isString ? out.join('') : out;
}

function pyIterable(value: unknown, vars: number): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === 'string') return [...value];
  if (vars === 1 && isPlainObject(value)) return Object.keys(value);
  return value;
}

/**
 * An ExpressionError thrown by a caller's function (e.g. Orquesta's ctx() for an unknown variable) must reach
 * the caller with its class; nunjucks re-wraps errors into plain ones, so the original is kept here.
 */
export const externalError: { current: ExpressionError | undefined } = { current: undefined };

function handleError(error: unknown, lineno: number, colno: number): unknown {
  if (error instanceof ExpressionError && error.language === undefined && !externalError.current) {
    externalError.current = error;
  }
  return (njRuntime.handleError as (e: unknown, l: number, c: number) => unknown)(error, lineno, colno);
}

/** The runtime handed to compiled templates: nunjucks' own helpers with the lookups replaced. */
export const safeRuntime: Record<string, unknown> = Object.freeze({
  ...njRuntime,
  memberLookup,
  contextOrFrameLookup,
  handleError,
  callWrap,
  callMember,
  suppressValue,
  ensureDefinedNamed,
  truthy,
  compareChain,
  inOperator: (key: unknown, container: unknown) => pyIn(key, container),
  pyAdd,
  pyConcat: (a: unknown, b: unknown) => pyStr(a) + pyStr(b),
  pyMod,
  pyMul,
  pyIterable,
  pySlice,
  pyLoopFilter,
});
