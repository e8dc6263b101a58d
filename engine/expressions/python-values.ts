/**
 * Python value semantics that st2 content relies on: truthiness (empty list/dict are false), str()/repr()
 * rendering (`['a', 'b']`, `{'k': 'v'}`, `True`, `None`) and deep equality (`[1] == [1]`).
 */

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** String objects (nunjucks' SafeString, from macros and `|safe`) behave as the string they hold. */
function unbox(value: unknown): unknown {
  return value instanceof String ? value.toString() : value;
}

/** Python truthiness: None, False, 0, '', [], {} are false; NaN is true (`bool(float('nan'))`). */
export function truthy(value: unknown): boolean {
  value = unbox(value);
  if (value === null || value === undefined || value === false) return false;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Map || value instanceof Set) return value.size > 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  return true;
}

/** Python's str.isprintable() is false for these (space excepted): control, format, separators, unassigned. */
const NON_PRINTABLE = /^[\p{C}\p{Z}]$/u;

function escapeCodePoint(code: number): string {
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code < 0x10000) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\U${code.toString(16).padStart(8, '0')}`;
}

function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch !== ' ' && NON_PRINTABLE.test(ch)) out += escapeCodePoint(ch.codePointAt(0)!);
    else out += ch;
  }
  return quote + out + quote;
}

function reprNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Number.POSITIVE_INFINITY) return 'inf';
  if (n === Number.NEGATIVE_INFINITY) return '-inf';
  return String(n);
}

/** Python repr(): how a value looks inside a rendered list or dict. */
export function pyRepr(value: unknown, seen: Set<unknown> = new Set()): string {
  value = unbox(value);
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return reprString(value);
  if (typeof value === 'number') return reprNumber(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function') return '<function>';
  if (seen.has(value)) return Array.isArray(value) ? '[...]' : '{...}';
  seen.add(value);
  try {
    if (Array.isArray(value)) return `[${value.map((v) => pyRepr(v, seen)).join(', ')}]`;
    if (value instanceof Date) return reprString(value.toISOString());
    if (value instanceof Map) {
      return `{${[...value.entries()].map(([k, v]) => `${pyRepr(k, seen)}: ${pyRepr(v, seen)}`).join(', ')}}`;
    }
    if (value instanceof Set) return `{${[...value].map((v) => pyRepr(v, seen)).join(', ')}}`;
    if (typeof value === 'object') {
      const entries = Object.entries(value as Record<string, unknown>);
      return `{${entries.map(([k, v]) => `${reprString(k)}: ${pyRepr(v, seen)}`).join(', ')}}`;
    }
    return String(value);
  } finally {
    seen.delete(value);
  }
}

/** Python str(): strings as they are, everything else as repr(). `undefined` (Jinja Undefined) is ''. */
export function pyStr(value: unknown): string {
  value = unbox(value);
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  return pyRepr(value);
}

/** Python `==`: deep for lists and dicts, no type coercion (`'1' != 1`), but `1 == 1.0` and `True == 1`. */
export function pyEquals(a: unknown, b: unknown): boolean {
  a = unbox(a);
  b = unbox(b);
  if (a === b) return true;
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (a === b) return true;
  if (typeof a === 'boolean' && typeof b === 'number') return Number(a) === b;
  if (typeof b === 'boolean' && typeof a === 'number') return Number(b) === a;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => pyEquals(v, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && pyEquals(a[k], b[k]));
  }
  return false;
}

/** Python `in`: list membership (deep equality), substring, dict key. */
export function pyIn(item: unknown, container: unknown): boolean {
  item = unbox(item);
  container = unbox(container);
  if (typeof container === 'string') return typeof item === 'string' && container.includes(item);
  if (Array.isArray(container)) return container.some((v) => pyEquals(v, item));
  if (container instanceof Map || container instanceof Set) return container.has(item);
  if (isPlainObject(container)) return typeof item === 'string' && Object.hasOwn(container, item);
  if (container === undefined) return false; // Jinja's Undefined iterates as empty
  if (container === null) {
    throw new TypeError("argument of type 'NoneType' is not iterable");
  }
  throw new TypeError(`'in' needs a list, dict or string on its right, got ${typeof container}`);
}

/** Python ordering for `<`/`>`: numbers with numbers, strings with strings, lists element-wise. */
export function pyCompare(a: unknown, b: unknown): number {
  if (typeof a === 'boolean') a = Number(a);
  if (typeof b === 'boolean') b = Number(b);
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = pyCompare(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  throw new TypeError(`cannot compare ${pyTypeName(a)} with ${pyTypeName(b)}`);
}

export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'str';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'function') return 'function';
  return 'dict';
}
