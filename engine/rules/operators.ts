/**
 * st2's rule criteria operators (st2common/operators.py), `op(value, pattern)`, with Python semantics and
 * Python's error messages. Names are case-insensitive. Regexes go through the shared Python-regex translator and
 * are compiled once per pattern.
 */

import { compilePythonRegex, isPlainObject } from '../expressions/index.ts';
import type { CriterionSpec } from '../model/rule.ts';
import { fnmatch } from './fnmatch.ts';
import { PayloadLookup } from './payload-lookup.ts';
import {
  decodeBytes,
  PythonError,
  pyAffix,
  pyEquals,
  pyFloat,
  pyGreaterThan,
  pyIn,
  pyLessThan,
  pyLower,
  pyStr,
  pyTypeName,
} from './python-ops.ts';

/** `search` calls back into the criteria evaluator for each (sub-criterion, list item) pair. */
export type SearchCheck = (key: string, criterion: CriterionSpec, lookup: PayloadLookup) => boolean;

export type Operator = (
  value: unknown,
  pattern: unknown,
  condition?: unknown,
  check?: SearchCheck,
) => boolean;

export class UnrecognizedConditionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnrecognizedConditionError';
  }
}

// ---- regex ----------------------------------------------------------------------------------------------

type RegexMode = 'match' | 'search' | 'isearch';
const regexCache = new Map<string, RegExp>();

/** Compiles a Python pattern for re.match + DOTALL (`match`), re.search (`search`) or IGNORECASE (`isearch`). */
export function compileRegex(pattern: string, mode: RegexMode): RegExp {
  const cacheKey = `${mode}\0${pattern}`;
  let re = regexCache.get(cacheKey);
  if (re) return re;
  // The translator spells `.`/`^`/`$` out explicitly, so DOTALL/IGNORECASE go in as Python inline flags.
  const source = mode === 'match' ? `(?s)${pattern}` : mode === 'isearch' ? `(?i)${pattern}` : pattern;
  // A private copy: the shared cached RegExp is sticky-flagged and lastIndex is reset on each use.
  re = new RegExp(compilePythonRegex(source, mode === 'match' ? 'y' : ''));
  if (regexCache.size > 10_000) regexCache.clear();
  regexCache.set(cacheKey, re);
  return re;
}

function regexTest(value: unknown, pattern: unknown, mode: RegexMode): boolean {
  if (typeof pattern !== 'string') {
    throw new PythonError('TypeError', 'first argument must be string or compiled pattern');
  }
  const re = compileRegex(pattern, mode);
  if (typeof value !== 'string') throw new PythonError('TypeError', 'expected string or bytes-like object');
  re.lastIndex = 0;
  return re.test(value);
}

// ---- dates (timediff) ------------------------------------------------------------------------------------

/** dateutil.parser.parse for the formats payloads use; naive times are UTC (st2's date_utils.parse). */
export function parseDate(value: unknown): number {
  if (typeof value !== 'string') {
    throw new PythonError(
      'TypeError',
      `Parser must be a string or character stream, not ${pyTypeName(value)}`,
    );
  }
  const iso =
    /^\s*(\d{4})-?(\d{2})-?(\d{2})(?:[T ](\d{2}):?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?\s*$/i.exec(
      value,
    );
  if (iso) {
    const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', tz] = iso;
    const ms = frac ? Number(`0.${frac}`) * 1000 : 0;
    let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) + ms;
    if (tz && !/^(Z|UTC|GMT)$/i.test(tz)) {
      const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(tz)!;
      const offset = (Number(m[2]) * 60 + Number(m[3] ?? 0)) * 60_000;
      t -= m[1] === '+' ? offset : -offset;
    }
    if (!Number.isNaN(t)) return t;
  }
  const hasZone = /(Z|UTC|GMT|[+-]\d{2}:?\d{2})\s*$/i.test(value);
  const t = Date.parse(hasZone ? value : `${value} UTC`);
  if (Number.isNaN(t)) throw new PythonError('ParserError', `Unknown string format: ${value}`);
  return t;
}

function timediff(value: unknown, pattern: unknown, cmp: (a: unknown, b: unknown) => boolean): boolean {
  const period = pyFloat(pattern);
  const diffSeconds = (Date.now() - parseDate(value)) / 1000;
  return cmp(diffSeconds, period);
}

// ---- operators --------------------------------------------------------------------------------------------

/** st2's search operator: `value` is a list (a dict counts as one item), `pattern` a dict of `item.*` criteria. */
function search(value: unknown, pattern: unknown, condition: unknown, check?: SearchCheck): boolean {
  if (isPlainObject(value)) value = [value];
  let itemMatch: 'any' | 'all' = 'all';
  let patternMatch: 'any' | 'all' = 'all';
  if (condition === 'any') itemMatch = 'any';
  else if (condition === 'all2any') patternMatch = 'any';
  else if (condition === 'any2any') {
    itemMatch = 'any';
    patternMatch = 'any';
  } else if (condition !== 'all') {
    throw new UnrecognizedConditionError(
      `The '${pyStr(condition)}' condition is not recognized for type search, 'any', 'all', 'any2any' and 'all2any' are allowed`,
    );
  }
  if (!check) throw new TypeError('search needs a check function');
  let items: unknown[];
  if (Array.isArray(value)) items = value;
  else if (typeof value === 'string') items = Array.from(value);
  else throw new PythonError('TypeError', `'${pyTypeName(value)}' object is not iterable`);
  // Python builds full lists inside any()/all(): every (item, criterion) pair is checked, no short-circuit,
  // so every sub-criterion failure is recorded.
  const itemResults = items.map((item) => {
    if (!isPlainObject(pattern)) {
      throw new PythonError('AttributeError', `'${pyTypeName(pattern)}' object has no attribute 'items'`);
    }
    const lookup = new PayloadLookup(item, 'item');
    const results = Object.entries(pattern).map(([k, v]) => check(k, v as CriterionSpec, lookup));
    return patternMatch === 'any' ? results.some(Boolean) : results.every(Boolean);
  });
  return itemMatch === 'any' ? itemResults.some(Boolean) : itemResults.every(Boolean);
}

/** Wraps an operator that returns False for a null pattern and decodes bytes first. */
function guarded(fn: (value: unknown, pattern: unknown) => boolean): Operator {
  return (value, pattern) => {
    if (pattern === null || pattern === undefined) return false;
    return fn(decodeBytes(value), decodeBytes(pattern));
  };
}

const equals = guarded((v, p) => pyEquals(v, p));
const nequals: Operator = (v, p) => !pyEquals(decodeBytes(v), decodeBytes(p));
const iequals = guarded((v, p) => pyLower(v) === pyLower(p));
const contains = guarded((v, p) => pyIn(p, v));
const icontains = guarded((v, p) => {
  const lp = pyLower(p);
  return pyLower(v).includes(lp);
});
const ncontains = guarded((v, p) => !pyIn(p, v));
const incontains = guarded((v, p) => {
  const lp = pyLower(p);
  return !pyLower(v).includes(lp);
});
const startswith = guarded((v, p) => pyAffix('startswith', v, p));
const istartswith = guarded((v, p) => pyLower(v).startsWith(pyLower(p)));
const endswith = guarded((v, p) => pyAffix('endswith', v, p));
const iendswith = guarded((v, p) => pyLower(v).endsWith(pyLower(p)));
const lessThan: Operator = (v, p) => (p === null || p === undefined ? false : pyLessThan(v, p));
const greaterThan: Operator = (v, p) => (p === null || p === undefined ? false : pyGreaterThan(v, p));
const matchWildcard = guarded((v, p) => {
  for (const x of [v, p]) {
    if (typeof x !== 'string') {
      throw new PythonError('TypeError', `expected str, bytes or os.PathLike object, not ${pyTypeName(x)}`);
    }
  }
  return fnmatch(v as string, p as string);
});
const matchRegex = guarded((v, p) => regexTest(v, p, 'match'));
const regex = guarded((v, p) => regexTest(v, p, 'search'));
const iregex = guarded((v, p) => regexTest(v, p, 'isearch'));
const timediffLt = guarded((v, p) => timediff(v, p, pyLessThan));
const timediffGt = guarded((v, p) => timediff(v, p, pyGreaterThan));
const exists: Operator = (v) => v !== null && v !== undefined;
const nexists: Operator = (v) => v === null || v === undefined;
const inside = guarded((v, p) => pyIn(v, p));
const ninside = guarded((v, p) => !pyIn(v, p));

/** Every operator name st2 accepts (lowercase) and its implementation. */
export const OPERATORS: Readonly<Record<string, Operator>> = Object.freeze({
  matchwildcard: matchWildcard,
  matchregex: matchRegex,
  regex,
  iregex,
  eq: equals,
  equals,
  neq: nequals,
  nequals,
  ieq: iequals,
  iequals,
  contains,
  icontains,
  ncontains,
  incontains,
  startswith,
  istartswith,
  endswith,
  iendswith,
  lt: lessThan,
  lessthan: lessThan,
  gt: greaterThan,
  greaterthan: greaterThan,
  td_lt: timediffLt,
  timediff_lt: timediffLt,
  td_gt: timediffGt,
  timediff_gt: timediffGt,
  exists,
  nexists,
  inside,
  in: inside,
  ninside,
  nin: ninside,
  search,
});

export const SEARCH = 'search';

/** st2's get_operator: case-insensitive lookup; unknown names throw `Invalid operator: <name>`. */
export function getOperator(name: string): Operator {
  if (typeof name !== 'string') {
    throw new PythonError('AttributeError', `'${pyTypeName(name)}' object has no attribute 'lower'`);
  }
  const op = name.toLowerCase();
  const fn = Object.hasOwn(OPERATORS, op) ? OPERATORS[op] : undefined;
  if (!fn) throw new Error(`Invalid operator: ${op}`);
  return fn;
}

export function isOperator(name: string): boolean {
  return Object.hasOwn(OPERATORS, name.toLowerCase());
}

/** Names that are the same operator as `equals` (the rule engine indexes these). */
export const EQUALS_NAMES: ReadonlySet<string> = new Set(['eq', 'equals']);
