/**
 * The Python semantics st2's rule operators inherit: `==`, `<`/`>`, `in`, `str.lower()`, `float()`, with the
 * TypeError/AttributeError messages Python gives, because those messages end up in rule enforcement failure
 * reasons. Values are JSON (null, boolean, number, string, array, plain object); bytes arrive as Uint8Array.
 *
 * Built on the expression module's Python values (engine/expressions: isPlainObject, pyTypeName, truthy); what
 * stays here differs from it on purpose (the rule tests pin Python's error wording):
 * - bytes (Uint8Array) are a value of their own here (`bytes` type, `b'...'` repr, compared by content, truthy
 *   when non-empty, at any depth inside lists and dicts), which templates never see;
 * - NaN is truthy, as in Python (the templates treat it as false);
 * - `in`, `<` and `>` raise Python's TypeError wording instead of the templates' lenient answers, and strings
 *   order by code point;
 * - str(None) and str(undefined) are both `None` (a template renders undefined as ''), and repr escapes only
 *   ASCII control characters, as the messages rule tests and stored enforcement reasons already carry.
 */
import {
  truthy as expressionTruthy,
  pyTypeName as expressionTypeName,
  isPlainObject,
} from '../expressions/index.ts';

/** A Python exception: `str(exc)` is `message`, the class name is `pythonType` (TypeError, KeyError, ...). */
export class PythonError extends Error {
  constructor(
    readonly pythonType: string,
    message: string,
  ) {
    super(message);
    this.name = pythonType;
  }
}

/** Python `type(value).__name__` for JSON values and bytes. */
export function pyTypeName(value: unknown): string {
  return value instanceof Uint8Array ? 'bytes' : expressionTypeName(value);
}

/** Python truthiness: the templates' rules, plus bytes (non-empty) and NaN (true in Python). */
export function pyTruthy(value: unknown): boolean {
  if (value instanceof Uint8Array) return value.length > 0;
  if (typeof value === 'number' && Number.isNaN(value)) return true;
  return expressionTruthy(value);
}

const isNumeric = (v: unknown): v is number | boolean => typeof v === 'number' || typeof v === 'boolean';

/** Python `a == b`: no coercion between str and numbers, `1 == 1.0 == True`, deep for lists and dicts. */
export function pyEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (a === null || b === null) return a === b;
  if (isNumeric(a) && isNumeric(b)) return Number(a) === Number(b);
  if (typeof a === 'string' || typeof b === 'string') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!pyEquals(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    for (const k of ka) if (!Object.hasOwn(b, k) || !pyEquals(a[k], b[k])) return false;
    return true;
  }
  return false;
}

/** Compares by Unicode code point, as Python does (JS `<` compares UTF-16 code units). */
function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const surrogates = /[\uD800-\uDFFF]/;
  if (!surrogates.test(a) && !surrogates.test(b)) return a < b ? -1 : 1;
  const ca = Array.from(a);
  const cb = Array.from(b);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const d = ca[i]!.codePointAt(0)! - cb[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return ca.length - cb.length;
}

function notSupported(op: '<' | '>', a: unknown, b: unknown): PythonError {
  return new PythonError(
    'TypeError',
    `'${op}' not supported between instances of '${pyTypeName(a)}' and '${pyTypeName(b)}'`,
  );
}

/** Python rich comparison for `<` (op '<') or `>` (op '>'). Throws TypeError for unorderable types. */
function pyOrder(op: '<' | '>', a: unknown, b: unknown): boolean {
  if (isNumeric(a) && isNumeric(b)) return op === '<' ? Number(a) < Number(b) : Number(a) > Number(b);
  if (typeof a === 'string' && typeof b === 'string') {
    const c = compareStrings(a, b);
    return op === '<' ? c < 0 : c > 0;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    // Python: find the first differing element (by ==), then order those two.
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (!pyEquals(a[i], b[i])) return pyOrder(op, a[i], b[i]);
    }
    return op === '<' ? a.length < b.length : a.length > b.length;
  }
  throw notSupported(op, a, b);
}

export function pyLessThan(a: unknown, b: unknown): boolean {
  return pyOrder('<', a, b);
}

export function pyGreaterThan(a: unknown, b: unknown): boolean {
  return pyOrder('>', a, b);
}

function isHashable(v: unknown): boolean {
  return v === null || v === undefined || typeof v !== 'object' || v instanceof Uint8Array;
}

/** Python `item in container`. */
export function pyIn(item: unknown, container: unknown): boolean {
  if (typeof container === 'string') {
    if (typeof item !== 'string') {
      throw new PythonError(
        'TypeError',
        `'in <string>' requires string as left operand, not ${pyTypeName(item)}`,
      );
    }
    return container.includes(item);
  }
  if (Array.isArray(container)) {
    for (const el of container) if (pyEquals(el, item)) return true;
    return false;
  }
  if (isPlainObject(container)) {
    if (!isHashable(item)) throw new PythonError('TypeError', `unhashable type: '${pyTypeName(item)}'`);
    return typeof item === 'string' && Object.hasOwn(container, item);
  }
  throw new PythonError('TypeError', `argument of type '${pyTypeName(container)}' is not iterable`);
}

/** Python `value.<method>` on something that must be a str. */
export function requireStr(value: unknown, method: string): string {
  if (typeof value !== 'string') {
    throw new PythonError('AttributeError', `'${pyTypeName(value)}' object has no attribute '${method}'`);
  }
  return value;
}

/** Python `str.lower()` (Unicode lowercase, as close as JS gets). */
export function pyLower(value: unknown): string {
  return requireStr(value, 'lower').toLowerCase();
}

/** Python `str.startswith(prefix)` / `str.endswith(suffix)`. */
export function pyAffix(kind: 'startswith' | 'endswith', value: unknown, affix: unknown): boolean {
  const s = requireStr(value, kind);
  if (typeof affix !== 'string') {
    throw new PythonError(
      'TypeError',
      `${kind} first arg must be str or a tuple of str, not ${pyTypeName(affix)}`,
    );
  }
  return kind === 'startswith' ? s.startsWith(affix) : s.endsWith(affix);
}

/** Python `float(value)`. */
export function pyFloat(value: unknown): number {
  if (isNumeric(value)) return Number(value);
  if (typeof value === 'string') {
    const t = value.trim().replaceAll('_', '');
    if (/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)$/.test(t)) return Number(t);
    if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
    if (/^[+-]?nan$/i.test(t)) return Number.NaN;
    throw new PythonError('ValueError', `could not convert string to float: ${pyReprString(value)}`);
  }
  throw new PythonError(
    'TypeError',
    `float() argument must be a string or a real number, not '${pyTypeName(value)}'`,
  );
}

/** Python `repr(str)`. */
export function pyReprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch < ' ' || ch === '\x7f') out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return quote + out + quote;
}

/** Python `str(value)` for JSON values (used when st2 formats values into messages). */
export function pyStr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return value;
  return pyRepr(value);
}

export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return pyReprString(value);
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'nan';
    if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
    return String(value);
  }
  if (value instanceof Uint8Array) return `b${pyReprString(new TextDecoder().decode(value))}`;
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (isPlainObject(value)) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${pyReprString(k)}: ${pyRepr(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

/** st2's ensure_operators_are_strings: bytes are decoded as UTF-8, everything else is left alone. */
export function decodeBytes(value: unknown): unknown {
  return value instanceof Uint8Array ? new TextDecoder().decode(value) : value;
}
