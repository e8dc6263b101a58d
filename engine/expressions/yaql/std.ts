/**
 * The YAQL standard library subset Orquesta workflows use: functions (`str()`, `len()`, `range()`, ...) and
 * methods (`.select()`, `.where()`, `.containsKey()`, `.toLower()`, ...). Methods take unevaluated argument
 * nodes so lambdas (`.select($.x)`) can be evaluated per item.
 */
import { isKeywordArgs } from '../kwargs.ts';
import { pyFormat } from '../python-methods.ts';
import { isPlainObject, pyCompare, pyEquals, pyIn, pyRepr, pyTypeName, truthy } from '../python-values.ts';
import type { YaqlArg } from './ast.ts';
import type { Evaluator, Scope } from './evaluator.ts';
import { YaqlRuntimeError } from './yaql-runtime-error.ts';

type YaqlFunction = (ev: Evaluator, args: YaqlArg[], scope: Scope) => unknown;
type YaqlMethod = (ev: Evaluator, receiver: unknown, args: YaqlArg[], scope: Scope) => unknown;

/** YAQL's str(): strings as they are, `null`/`true`/`false` in YAQL spelling, containers as Python repr. */
export function yaqlStr(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'number') return String(value);
  return pyRepr(value);
}

function values(ev: Evaluator, args: YaqlArg[], scope: Scope): unknown[] {
  return ev.evalArgs(args, scope);
}

function sequence(value: unknown, what: string): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return [...value];
  if (value instanceof Set) return [...value];
  throw new YaqlRuntimeError(`${what} needs a list, got ${pyTypeName(value)}`);
}

function dict(value: unknown, what: string): Record<string, unknown> {
  if (isPlainObject(value)) return value;
  throw new YaqlRuntimeError(`${what} needs a dict, got ${pyTypeName(value)}`);
}

function str(value: unknown, what: string): string {
  if (typeof value === 'string') return value;
  throw new YaqlRuntimeError(`${what} needs a string, got ${pyTypeName(value)}`);
}

function toInt(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'boolean') return Number(value);
  if (typeof value === 'number') return Math.trunc(value);
  const s = String(value).trim();
  if (!/^[-+]?\d+$/.test(s))
    throw new YaqlRuntimeError(`invalid literal for int(): ${JSON.stringify(value)}`);
  return Number.parseInt(s, 10);
}

function toFloat(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'boolean') return Number(value);
  if (typeof value === 'number') return value;
  const n = Number(String(value).trim());
  if (String(value).trim() === '' || Number.isNaN(n))
    throw new YaqlRuntimeError(`could not convert ${JSON.stringify(value)} to float`);
  return n;
}

function len(value: unknown): number {
  if (typeof value === 'string' || Array.isArray(value)) return [...value].length;
  if (isPlainObject(value)) return Object.keys(value).length;
  throw new YaqlRuntimeError(`len() needs a list, dict or string, got ${pyTypeName(value)}`);
}

function range(args: unknown[]): number[] {
  const nums = args.map((a) => toInt(a));
  const [start, stop, step] = nums.length === 1 ? [0, nums[0], 1] : [nums[0], nums[1], nums[2] ?? 1];
  if (step === 0) throw new YaqlRuntimeError('range() step must not be zero');
  const out: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) {
    out.push(i);
    if (out.length > 1_000_000) throw new YaqlRuntimeError('range() is too large');
  }
  return out;
}

function sortKey(a: unknown, b: unknown): number {
  try {
    return pyCompare(a, b);
  } catch (err) {
    throw new YaqlRuntimeError((err as Error).message);
  }
}

function flatten(value: unknown[]): unknown[] {
  return value.flatMap((v) => (Array.isArray(v) ? flatten(v) : [v]));
}

function distinct(value: unknown[]): unknown[] {
  return value.filter((v, i) => value.findIndex((x) => pyEquals(x, v)) === i);
}

function lambdaArg(args: YaqlArg[], i: number, what: string): YaqlArg['value'] {
  const a = args[i];
  if (!a) throw new YaqlRuntimeError(`${what} needs an expression argument`);
  return a.value;
}

export const YAQL_FUNCTIONS: Record<string, YaqlFunction> = {
  str: (ev, args, scope) => yaqlStr(values(ev, args, scope)[0]),
  int: (ev, args, scope) => toInt(values(ev, args, scope)[0]),
  float: (ev, args, scope) => toFloat(values(ev, args, scope)[0]),
  bool: (ev, args, scope) => truthy(values(ev, args, scope)[0]),
  len: (ev, args, scope) => len(values(ev, args, scope)[0]),
  list: (ev, args, scope) => values(ev, args, scope).filter((v) => !isKeywordArgs(v)),
  dict: (ev, args, scope) => {
    const vals = values(ev, args, scope);
    const out: Record<string, unknown> = {};
    for (const v of vals) {
      if (isKeywordArgs(v)) Object.assign(out, v);
      else if (Array.isArray(v)) {
        for (const pair of v) {
          if (!Array.isArray(pair) || pair.length !== 2)
            throw new YaqlRuntimeError('dict() needs key/value pairs');
          out[yaqlStr(pair[0])] = pair[1];
        }
      } else if (isPlainObject(v)) Object.assign(out, v);
      else throw new YaqlRuntimeError(`dict() cannot use ${pyTypeName(v)}`);
    }
    return out;
  },
  range: (ev, args, scope) => range(values(ev, args, scope)),
  random: (ev, args, scope) => {
    const vals = values(ev, args, scope);
    if (vals.length === 0) return Math.random();
    const [lo, hi] = [toInt(vals[0]), toInt(vals[1])];
    if (hi < lo) throw new YaqlRuntimeError(`empty range for random(${lo}, ${hi})`);
    return lo + Math.floor(Math.random() * (hi - lo + 1));
  },
  abs: (ev, args, scope) => {
    const v = values(ev, args, scope)[0];
    if (typeof v !== 'number') throw new YaqlRuntimeError(`abs() needs a number, got ${pyTypeName(v)}`);
    return Math.abs(v);
  },
  zip: (ev, args, scope) => {
    const lists = values(ev, args, scope).map((v) => sequence(v, 'zip()'));
    if (lists.length === 0) return [];
    const n = Math.min(...lists.map((l) => l.length));
    return Array.from({ length: n }, (_v, i) => lists.map((l) => l[i]));
  },
  max: (ev, args, scope) => {
    const vals = values(ev, args, scope);
    const items = vals.length === 1 ? sequence(vals[0], 'max()') : vals;
    return items.reduce((a, b) => (sortKey(b, a) > 0 ? b : a));
  },
  min: (ev, args, scope) => {
    const vals = values(ev, args, scope);
    const items = vals.length === 1 ? sequence(vals[0], 'min()') : vals;
    return items.reduce((a, b) => (sortKey(b, a) < 0 ? b : a));
  },
  sum: (ev, args, scope) =>
    sequence(values(ev, args, scope)[0], 'sum()').reduce((a: number, b) => a + toFloat(b), 0),
  round: (ev, args, scope) => {
    const [v, digits] = values(ev, args, scope);
    const f = 10 ** toInt(digits ?? 0);
    return Math.round(toFloat(v) * f) / f;
  },
  concat: (ev, args, scope) => values(ev, args, scope).map(yaqlStr).join(''),
  join: (ev, args, scope) => {
    const [seq, sep] = values(ev, args, scope);
    return sequence(seq, 'join()')
      .map(yaqlStr)
      .join(yaqlStr(sep ?? ''));
  },
  json: (ev, args, scope) => {
    const v = values(ev, args, scope)[0];
    try {
      return JSON.parse(String(v));
    } catch (err) {
      throw new YaqlRuntimeError(`json(): ${(err as Error).message}`);
    }
  },
  coalesce: (ev, args, scope) => {
    for (const a of args) {
      const v = ev.eval(a.value, scope);
      if (v !== null && v !== undefined) return v;
    }
    return null;
  },
  isList: (ev, args, scope) => Array.isArray(values(ev, args, scope)[0]),
  isDict: (ev, args, scope) => isPlainObject(values(ev, args, scope)[0]),
  isString: (ev, args, scope) => typeof values(ev, args, scope)[0] === 'string',
  isInteger: (ev, args, scope) => Number.isInteger(values(ev, args, scope)[0]),
  isNumber: (ev, args, scope) => typeof values(ev, args, scope)[0] === 'number',
  isBoolean: (ev, args, scope) => typeof values(ev, args, scope)[0] === 'boolean',
  keys: (ev, args, scope) => Object.keys(dict(values(ev, args, scope)[0], 'keys()')),
  values: (ev, args, scope) => Object.values(dict(values(ev, args, scope)[0], 'values()')),
  items: (ev, args, scope) => Object.entries(dict(values(ev, args, scope)[0], 'items()')),
  distinct: (ev, args, scope) => distinct(sequence(values(ev, args, scope)[0], 'distinct()')),
  flatten: (ev, args, scope) => flatten(sequence(values(ev, args, scope)[0], 'flatten()')),
};

export const YAQL_METHODS: Record<string, YaqlMethod> = {
  select: (ev, recv, args, scope) => {
    const body = lambdaArg(args, 0, 'select()');
    return sequence(recv, 'select()').map((item) => ev.lambda(body, scope, item));
  },
  selectMany: (ev, recv, args, scope) => {
    const body = lambdaArg(args, 0, 'selectMany()');
    return sequence(recv, 'selectMany()').flatMap((item) =>
      sequence(ev.lambda(body, scope, item), 'selectMany()'),
    );
  },
  where: (ev, recv, args, scope) => {
    const body = lambdaArg(args, 0, 'where()');
    return sequence(recv, 'where()').filter((item) => truthy(ev.lambda(body, scope, item)));
  },
  filter: (ev, recv, args, scope) => YAQL_METHODS.where(ev, recv, args, scope),
  any: (ev, recv, args, scope) => {
    const items = sequence(recv, 'any()');
    return args[0] ? items.some((i) => truthy(ev.lambda(args[0].value, scope, i))) : items.length > 0;
  },
  all: (ev, recv, args, scope) => {
    const items = sequence(recv, 'all()');
    return args[0] ? items.every((i) => truthy(ev.lambda(args[0].value, scope, i))) : items.every(truthy);
  },
  orderBy: (ev, recv, args, scope) => {
    const body = lambdaArg(args, 0, 'orderBy()');
    return [...sequence(recv, 'orderBy()')].sort((a, b) =>
      sortKey(ev.lambda(body, scope, a), ev.lambda(body, scope, b)),
    );
  },
  orderByDescending: (ev, recv, args, scope) => {
    const body = lambdaArg(args, 0, 'orderByDescending()');
    return [...sequence(recv, 'orderByDescending()')].sort((a, b) =>
      sortKey(ev.lambda(body, scope, b), ev.lambda(body, scope, a)),
    );
  },
  sort: (_ev, recv) => [...sequence(recv, 'sort()')].sort(sortKey),
  first: (ev, recv, args, scope) => {
    const items = sequence(recv, 'first()');
    if (items.length > 0) return items[0];
    if (args[0]) return ev.eval(args[0].value, scope);
    throw new YaqlRuntimeError('first() of an empty list');
  },
  last: (ev, recv, args, scope) => {
    const items = sequence(recv, 'last()');
    if (items.length > 0) return items[items.length - 1];
    if (args[0]) return ev.eval(args[0].value, scope);
    throw new YaqlRuntimeError('last() of an empty list');
  },
  skip: (ev, recv, args, scope) => sequence(recv, 'skip()').slice(toInt(values(ev, args, scope)[0])),
  take: (ev, recv, args, scope) => sequence(recv, 'take()').slice(0, toInt(values(ev, args, scope)[0])),
  toList: (_ev, recv) => (isPlainObject(recv) ? Object.keys(recv) : [...sequence(recv, 'toList()')]),
  reverse: (_ev, recv) => [...sequence(recv, 'reverse()')].reverse(),
  distinct: (_ev, recv) => distinct(sequence(recv, 'distinct()')),
  flatten: (_ev, recv) => flatten(sequence(recv, 'flatten()')),
  len: (_ev, recv) => len(recv),
  count: (ev, recv, args, scope) => {
    if (args[0])
      return sequence(recv, 'count()').filter((i) => truthy(ev.lambda(args[0].value, scope, i))).length;
    return len(recv);
  },
  sum: (_ev, recv) => sequence(recv, 'sum()').reduce((a: number, b) => a + toFloat(b), 0),
  max: (_ev, recv) => sequence(recv, 'max()').reduce((a, b) => (sortKey(b, a) > 0 ? b : a)),
  min: (_ev, recv) => sequence(recv, 'min()').reduce((a, b) => (sortKey(b, a) < 0 ? b : a)),
  contains: (ev, recv, args, scope) => {
    try {
      return pyIn(values(ev, args, scope)[0], recv);
    } catch (err) {
      throw new YaqlRuntimeError((err as Error).message);
    }
  },
  containsKey: (ev, recv, args, scope) => {
    const key = values(ev, args, scope)[0];
    return typeof key === 'string' && Object.hasOwn(dict(recv, 'containsKey()'), key);
  },
  containsValue: (ev, recv, args, scope) => {
    const v = values(ev, args, scope)[0];
    return Object.values(dict(recv, 'containsValue()')).some((x) => pyEquals(x, v));
  },
  keys: (_ev, recv) => Object.keys(dict(recv, 'keys()')),
  values: (_ev, recv) => Object.values(dict(recv, 'values()')),
  items: (_ev, recv) => Object.entries(dict(recv, 'items()')),
  get: (ev, recv, args, scope) => {
    const [key, fallback = null] = values(ev, args, scope);
    const d = dict(recv, 'get()');
    return typeof key === 'string' && Object.hasOwn(d, key) ? d[key] : fallback;
  },
  set: (ev, recv, args, scope) => {
    const vals = values(ev, args, scope);
    const out = { ...dict(recv, 'set()') };
    if (vals.length === 1 && isPlainObject(vals[0])) Object.assign(out, vals[0]);
    else out[yaqlStr(vals[0])] = vals[1];
    return out;
  },
  toLower: (_ev, recv) => str(recv, 'toLower()').toLowerCase(),
  toUpper: (_ev, recv) => str(recv, 'toUpper()').toUpperCase(),
  trim: (ev, recv, args, scope) => {
    const s = str(recv, 'trim()');
    const chars = values(ev, args, scope)[0];
    if (typeof chars !== 'string') return s.trim();
    let a = 0;
    let b = s.length;
    while (a < b && chars.includes(s[a])) a++;
    while (b > a && chars.includes(s[b - 1])) b--;
    return s.slice(a, b);
  },
  split: (ev, recv, args, scope) => {
    const [sep, max] = values(ev, args, scope);
    const s = str(recv, 'split()');
    const parts =
      sep === undefined || sep === null ? s.trim().split(/\s+/).filter(Boolean) : s.split(String(sep));
    if (typeof max !== 'number' || max < 0 || parts.length <= max + 1) return parts;
    return [...parts.slice(0, max), parts.slice(max).join(String(sep ?? ' '))];
  },
  replace: (ev, recv, args, scope) => {
    const [old, repl, count] = values(ev, args, scope);
    const s = str(recv, 'replace()');
    const parts = s.split(String(old));
    if (typeof count !== 'number' || count < 0) return parts.join(String(repl));
    return (
      parts.slice(0, count + 1).join(String(repl)) +
      (parts.length > count + 1 ? String(old) + parts.slice(count + 1).join(String(old)) : '')
    );
  },
  startsWith: (ev, recv, args, scope) =>
    values(ev, args, scope).some((p) => str(recv, 'startsWith()').startsWith(String(p))),
  endsWith: (ev, recv, args, scope) =>
    values(ev, args, scope).some((p) => str(recv, 'endsWith()').endsWith(String(p))),
  substring: (ev, recv, args, scope) => {
    const [start, length] = values(ev, args, scope);
    const s = str(recv, 'substring()');
    const a = toInt(start);
    const from = a < 0 ? Math.max(0, s.length + a) : a;
    return length === undefined || length === null || toInt(length) < 0
      ? s.slice(from)
      : s.slice(from, from + toInt(length));
  },
  indexOf: (ev, recv, args, scope) => {
    const v = values(ev, args, scope)[0];
    if (typeof recv === 'string') return recv.indexOf(String(v));
    return sequence(recv, 'indexOf()').findIndex((x) => pyEquals(x, v));
  },
  join: (ev, recv, args, scope) => {
    const [arg] = values(ev, args, scope);
    // `', '.join($.list)` (separator receiver) and `$.list.join(', ')` are both YAQL.
    if (typeof recv === 'string' && Array.isArray(arg)) return arg.map(yaqlStr).join(recv);
    return sequence(recv, 'join()')
      .map(yaqlStr)
      .join(yaqlStr(arg ?? ''));
  },
  format: (ev, recv, args, scope) => {
    const vals = values(ev, args, scope);
    const last = vals[vals.length - 1];
    const kwargs = isKeywordArgs(last) ? (vals.pop() as Record<string, unknown>) : {};
    return pyFormat(str(recv, 'format()'), vals, kwargs);
  },
  str: (_ev, recv) => yaqlStr(recv),
  concat: (ev, recv, args, scope) => {
    const vals = values(ev, args, scope);
    if (Array.isArray(recv)) return [...recv, ...vals.flatMap((v) => sequence(v, 'concat()'))];
    return [recv, ...vals].map(yaqlStr).join('');
  },
  // strings.isEmpty(trim => true): null and whitespace-only strings are empty.
  isEmpty: (ev, recv, args, scope) => {
    if (recv === null || recv === undefined) return true;
    if (typeof recv === 'string') {
      const [trim = true] = values(ev, args, scope).filter((v) => !isKeywordArgs(v));
      return (trim ? recv.trim() : recv) === '';
    }
    return len(recv) === 0;
  },
  trimLeft: (ev, recv, args, scope) => {
    const chars = values(ev, args, scope)[0];
    const s = str(recv, 'trimLeft()');
    if (typeof chars !== 'string') return s.trimStart();
    let a = 0;
    while (a < s.length && chars.includes(s[a])) a++;
    return s.slice(a);
  },
  trimRight: (ev, recv, args, scope) => {
    const chars = values(ev, args, scope)[0];
    const s = str(recv, 'trimRight()');
    if (typeof chars !== 'string') return s.trimEnd();
    let b = s.length;
    while (b > 0 && chars.includes(s[b - 1])) b--;
    return s.slice(0, b);
  },
  norm: (_ev, recv) => {
    if (recv === null || recv === undefined) return null;
    const v = str(recv, 'norm()').trim();
    return v === '' ? null : v;
  },
  lastIndexOf: (ev, recv, args, scope) =>
    str(recv, 'lastIndexOf()').lastIndexOf(String(values(ev, args, scope)[0])),
  toCharArray: (_ev, recv) => [...str(recv, 'toCharArray()')],
  toDict: (ev, recv, args, scope) => {
    const key = lambdaArg(args, 0, 'toDict()');
    const out: Record<string, unknown> = {};
    for (const item of sequence(recv, 'toDict()')) {
      out[yaqlStr(ev.lambda(key, scope, item))] = args[1] ? ev.lambda(args[1].value, scope, item) : item;
    }
    return out;
  },
  delete: (ev, recv, args, scope) => {
    const [position, count = 1] = values(ev, args, scope).map((v) => toInt(v));
    return sequence(recv, 'delete()').filter((_v, i) =>
      count >= 0 ? !(i >= position && i < position + count) : i < position,
    );
  },
};
