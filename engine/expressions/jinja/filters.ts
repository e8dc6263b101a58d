/**
 * Jinja filters whose nunjucks version behaves differently from Jinja in ways st2 content notices
 * (Python str() of values, truthiness in `default(..., true)`, `list` of a dict, `int` of a bool...),
 * plus Jinja filters nunjucks lacks (`tojson`, `items`, `unique`, `min`, `max`, `map`, `format`).
 */

import { pyJsonDumps } from '../functions/json-dumps.ts';
import { isKeywordArgs } from '../kwargs.ts';
import { isPlainObject, pyCompare, pyEquals, pyRepr, pyStr, truthy } from '../python-values.ts';
import { pyPercentFormat } from './percent-format.ts';
import { memberLookup } from './safe-runtime.ts';

type Filter = (this: unknown, value: unknown, ...args: unknown[]) => unknown;

function toInt(value: unknown, fallback: unknown = 0, base: unknown = 10): unknown {
  if (typeof value === 'boolean') return Number(value);
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : fallback;
  const s = pyStr(value).trim().replace(/_/g, '');
  const b = Number(base);
  if (b === 10 && /^[-+]?\d+$/.test(s)) return Number.parseInt(s, 10);
  if (b !== 10) {
    const n = Number.parseInt(s.replace(/^0[xob]/i, ''), b);
    return Number.isNaN(n) ? fallback : n;
  }
  const f = Number(s);
  return s !== '' && Number.isFinite(f) ? Math.trunc(f) : fallback;
}

function toFloat(value: unknown, fallback: unknown = 0): unknown {
  if (typeof value === 'boolean') return Number(value);
  if (typeof value === 'number') return value;
  const s = pyStr(value).trim().toLowerCase();
  if (s === 'nan') return Number.NaN;
  if (s === 'inf' || s === 'infinity') return Number.POSITIVE_INFINITY;
  if (s === '-inf' || s === '-infinity') return Number.NEGATIVE_INFINITY;
  const f = Number(s);
  return s !== '' && !Number.isNaN(f) ? f : fallback;
}

function iterate(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return [...value];
  if (value instanceof Map) return [...value.keys()];
  if (value instanceof Set) return [...value];
  if (isPlainObject(value)) return Object.keys(value);
  throw new Error(`'${typeof value}' object is not iterable`);
}

function attr(item: unknown, path: unknown): unknown {
  let v = item;
  for (const part of String(path).split('.')) v = memberLookup(v, part);
  return v;
}

function kw(args: unknown[]): Record<string, unknown> {
  const last = args[args.length - 1];
  return isKeywordArgs(last) ? (args.pop() as Record<string, unknown>) : {};
}

const TESTS: Record<string, (v: unknown, arg?: unknown) => boolean> = {
  defined: (v) => v !== undefined,
  undefined: (v) => v === undefined,
  none: (v) => v === null,
  equalto: (v, a) => pyEquals(v, a),
  '==': (v, a) => pyEquals(v, a),
  eq: (v, a) => pyEquals(v, a),
  '!=': (v, a) => !pyEquals(v, a),
  ne: (v, a) => !pyEquals(v, a),
  '>': (v, a) => pyCompare(v, a) > 0,
  gt: (v, a) => pyCompare(v, a) > 0,
  '<': (v, a) => pyCompare(v, a) < 0,
  lt: (v, a) => pyCompare(v, a) < 0,
  '>=': (v, a) => pyCompare(v, a) >= 0,
  ge: (v, a) => pyCompare(v, a) >= 0,
  '<=': (v, a) => pyCompare(v, a) <= 0,
  le: (v, a) => pyCompare(v, a) <= 0,
  in: (v, a) => Array.isArray(a) && a.some((x) => pyEquals(x, v)),
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number',
  true: (v) => v === true,
  false: (v) => v === false,
  truthy: (v) => truthy(v),
};

function selectBy(value: unknown, args: unknown[], keep: boolean, byAttr: boolean): unknown[] {
  const rest = [...args];
  const attribute = byAttr ? rest.shift() : undefined;
  const testName = rest.shift();
  const test =
    testName !== undefined && Object.hasOwn(TESTS, String(testName)) ? TESTS[String(testName)] : undefined;
  if (testName !== undefined && !test) throw new Error(`no test named '${String(testName)}'`);
  return iterate(value).filter((item) => {
    const v = byAttr ? attr(item, attribute) : item;
    const ok = test ? test(v, rest[0]) : truthy(v);
    return ok === keep;
  });
}

function filesizeformat(value: unknown, binary: unknown = false): string {
  const bytes = Number(value);
  const base = binary ? 1024 : 1000;
  const units = binary ? ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] : ['kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  if (bytes === 1) return '1 Byte';
  if (bytes < base) return `${Math.trunc(bytes)} Bytes`;
  let unit = 0;
  let size = bytes / base;
  while (size >= base && unit < units.length - 1) {
    size /= base;
    unit++;
  }
  return `${size.toFixed(1)} ${units[unit]}`;
}

export const jinjaFilters: Record<string, Filter> = {
  default(value, fallback = '', boolean = false) {
    return value === undefined || (truthy(boolean) && !truthy(value)) ? fallback : value;
  },
  d(value, fallback = '', boolean = false) {
    return value === undefined || (truthy(boolean) && !truthy(value)) ? fallback : value;
  },
  string: (value) => pyStr(value),
  pprint: (value) => pyRepr(value),
  // Reads go through the sandboxed lookup: `x|attr("constructor")` finds nothing.
  attr: (value, name) => memberLookup(value, name),
  filesizeformat: (value, binary) => filesizeformat(value, binary),
  int: (value, fallback = 0, base = 10) => toInt(value, fallback, base),
  float: (value, fallback = 0) => toFloat(value, fallback),
  bool: (value) => truthy(value),
  lower: (value) => pyStr(value).toLowerCase(),
  upper: (value) => pyStr(value).toUpperCase(),
  length: (value) => {
    if (value === undefined || value === null) return 0;
    if (typeof value === 'string' || Array.isArray(value))
      return [...(typeof value === 'string' ? value : value)].length;
    if (value instanceof Map || value instanceof Set) return value.size;
    if (typeof value === 'object') return Object.keys(value).length;
    throw new Error(`object of type '${typeof value}' has no len()`);
  },
  join(value, sep = '', attribute?: unknown) {
    const items = iterate(value);
    const vals = attribute === undefined || attribute === null ? items : items.map((i) => attr(i, attribute));
    return vals.map(pyStr).join(pyStr(sep));
  },
  list: (value) => iterate(value),
  count: (value) => (jinjaFilters.length as (v: unknown) => number)(value),
  items: (value) =>
    isPlainObject(value) ? Object.entries(value) : value instanceof Map ? [...value.entries()] : [],
  tojson(value, indent?: unknown) {
    return pyJsonDumps(value, { indent: typeof indent === 'number' ? indent : null, sortKeys: true })
      .replace(/</g, '\\u003c')
      .replace(/>/g, '\\u003e')
      .replace(/&/g, '\\u0026')
      .replace(/'/g, '\\u0027');
  },
  unique: (value) => iterate(value).filter((v, i, all) => all.findIndex((x) => pyEquals(x, v)) === i),
  min: (value) =>
    iterate(value).reduce((a, b) => (a === undefined || pyCompare(b, a) < 0 ? b : a), undefined),
  max: (value) =>
    iterate(value).reduce((a, b) => (a === undefined || pyCompare(b, a) > 0 ? b : a), undefined),
  map(this: unknown, value, ...args) {
    const kwargs = kw(args);
    if (kwargs.attribute !== undefined) {
      return iterate(value).map((i) => {
        const v = attr(i, kwargs.attribute);
        return v === undefined && 'default' in kwargs ? kwargs.default : v;
      });
    }
    const name = String(args.shift());
    const filter = Object.hasOwn(jinjaFilters, name) ? jinjaFilters[name] : extraFilters.get(name);
    if (!filter) throw new Error(`no filter named '${name}'`);
    return iterate(value).map((i) => filter.call(this, i, ...args));
  },
  select: (value, ...args) => selectBy(value, args, true, false),
  reject: (value, ...args) => selectBy(value, args, false, false),
  selectattr: (value, ...args) => selectBy(value, args, true, true),
  rejectattr: (value, ...args) => selectBy(value, args, false, true),
  format: (value, ...args) => {
    const kwargs = kw(args);
    return pyPercentFormat(pyStr(value), Object.keys(kwargs).length > 0 ? kwargs : args);
  },
  replace(value, old, repl, count?: unknown) {
    const s = pyStr(value);
    const o = pyStr(old);
    const r = pyStr(repl);
    if (typeof count !== 'number') return s.split(o).join(r);
    const parts = s.split(o);
    return (
      parts.slice(0, count + 1).join(r) + (parts.length > count + 1 ? o + parts.slice(count + 1).join(o) : '')
    );
  },
  trim: (value, chars?: unknown) => {
    const s = pyStr(value);
    if (typeof chars !== 'string') return s.trim();
    let a = 0;
    let b = s.length;
    while (a < b && chars.includes(s[a])) a++;
    while (b > a && chars.includes(s[b - 1])) b--;
    return s.slice(a, b);
  },
  // Jinja's round: Python round() (halves to even) for 'common', or ceil/floor.
  round(value, precision = 0, method = 'common') {
    const f = 10 ** Number(precision);
    const x = Number(value) * f;
    if (method === 'ceil') return Math.ceil(x) / f;
    if (method === 'floor') return Math.floor(x) / f;
    const floor = Math.floor(x);
    const diff = x - floor;
    const rounded = diff > 0.5 ? floor + 1 : diff < 0.5 ? floor : floor % 2 === 0 ? floor : floor + 1;
    return rounded / f;
  },
  // Jinja: strings within `length + leeway` (5) are kept; otherwise cut at a word boundary and add `end`.
  truncate(value, length = 255, killwords = false, end = '...', leeway?: unknown) {
    const s = pyStr(value);
    const n = Number(length);
    const tail = pyStr(end);
    const slack = leeway === undefined || leeway === null ? 5 : Number(leeway);
    if (s.length <= n + slack) return s;
    if (truthy(killwords)) return s.slice(0, Math.max(0, n - tail.length)) + tail;
    const cut = s.slice(0, Math.max(0, n - tail.length));
    const space = cut.lastIndexOf(' ');
    return (space >= 0 ? cut.slice(0, space) : cut) + tail;
  },
  sum(value, ...args) {
    const kwargs = kw(args);
    const attribute = kwargs.attribute ?? args[0];
    let total = (kwargs.start ?? args[1] ?? 0) as number;
    for (const i of iterate(value))
      total += Number(attribute === undefined || attribute === null ? i : attr(i, attribute));
    return total;
  },
};

/** Filters registered by other parts of the module (st2 functions); consulted by `map('name')`. */
export const extraFilters = new Map<string, Filter>();
