/**
 * Criteria keys as st2 reads them: a jsonpath_rw expression over `{trigger: payload, system: <kv>}` (or
 * `{item: element}` inside `search`). `trigger.a.b[0].c`, `trigger.headers['X-Token']`, `trigger.list[*].x`,
 * `trigger..name`, `$.trigger.a` are supported; a `#suffix` (to test one field twice) is stripped first.
 * Paths are parsed once and cached by their text.
 */
import { isPlainObject } from '../expressions/index.ts';
import { PythonError, pyTruthy, pyTypeName } from './python-ops.ts';

type Step =
  | { kind: 'root' }
  | { kind: 'fields'; names: string[] }
  | { kind: 'any' }
  | { kind: 'index'; index: number }
  | { kind: 'slice'; start?: number; end?: number; step?: number }
  | { kind: 'descend'; rest: Step[] };

export interface CompiledPath {
  /** The key as written (with any `#suffix`). */
  key: string;
  /** The path actually evaluated. */
  path: string;
  steps: Step[];
  /** Plain `a.b.c` field chain: looked up without the general walker, and it can never throw. */
  simple?: string[];
}

/** Parse failures carry jsonpath_rw's wording, since it ends up in failure reasons. */
export class JsonPathParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPathParseError';
  }
}

/** Strips st2's `#suffix` (e.g. `trigger.count#2`) so one field can carry several criteria. */
export function stripKeySuffix(key: string): string {
  const hash = key.lastIndexOf('#');
  if (hash < 0) return key;
  // Only a trailing suffix outside quotes/brackets counts; `trigger.headers['a#b']` keeps its '#'.
  const tail = key.slice(hash + 1);
  if (/['"[\]]/.test(tail)) return key;
  return stripKeySuffix(key.slice(0, hash));
}

type Token = { type: 'ID' | 'NUMBER' | 'OP'; value: string; col: number };

const ID_START = /[a-zA-Z_@]/;
const ID_CHAR = /[a-zA-Z0-9_@-]/;

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '.' && text[i + 1] === '.') {
      out.push({ type: 'OP', value: '..', col: i });
      i += 2;
      continue;
    }
    if ('.[]$*:,'.includes(c)) {
      out.push({ type: 'OP', value: c, col: i });
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new JsonPathParseError(`Error on line 1, col ${i}: Unterminated quote in ${text}`);
      out.push({ type: 'ID', value: text.slice(i + 1, end), col: i });
      i = end + 1;
      continue;
    }
    if (/[-\d]/.test(c)) {
      const m = /^-?\d+/.exec(text.slice(i));
      if (m) {
        out.push({ type: 'NUMBER', value: m[0], col: i });
        i += m[0].length;
        continue;
      }
    }
    if (ID_START.test(c)) {
      let j = i + 1;
      while (j < text.length && ID_CHAR.test(text[j]!)) j++;
      out.push({ type: 'ID', value: text.slice(i, j), col: i });
      i = j;
      continue;
    }
    throw new JsonPathParseError(`Error on line 1, col ${i}: Unexpected character: ${c} `);
  }
  return out;
}

function parseError(tok: Token | undefined): JsonPathParseError {
  if (!tok) return new JsonPathParseError('Parse error near the end of input');
  const type = tok.type === 'OP' ? tok.value : tok.type;
  return new JsonPathParseError(`Parse error at 1:${tok.col} near token ${tok.value} (${type})`);
}

function parseSteps(tokens: Token[]): Step[] {
  let pos = 0;
  const peek = () => tokens[pos];
  const take = () => tokens[pos++];

  // One atom: `$`, `*`, a field list `a,b`, or a bracket right after the start.
  const atom = (steps: Step[]) => {
    const t = take();
    if (!t) throw parseError(t);
    if (t.type === 'OP' && t.value === '$') steps.push({ kind: 'root' });
    else if (t.type === 'OP' && t.value === '*') steps.push({ kind: 'any' });
    else if (t.type === 'ID') {
      const names = [t.value];
      while (peek()?.value === ',' && tokens[pos + 1]?.type === 'ID') {
        pos++;
        names.push(take()!.value);
      }
      steps.push({ kind: 'fields', names });
    } else if (t.type === 'OP' && t.value === '[') {
      pos--;
      bracket(steps);
      return;
    } else throw parseError(t);
    while (peek()?.value === '[') bracket(steps);
  };

  const bracket = (steps: Step[]) => {
    take(); // [
    const t = take();
    if (!t) throw parseError(t);
    if (t.type === 'OP' && t.value === '*') steps.push({ kind: 'slice' });
    else if (t.type === 'ID') {
      const names = [t.value];
      while (peek()?.value === ',') {
        pos++;
        const n = take();
        if (n?.type !== 'ID') throw parseError(n);
        names.push(n.value);
      }
      steps.push({ kind: 'fields', names });
    } else if (t.type === 'NUMBER' || (t.type === 'OP' && t.value === ':')) {
      if (t.type === 'NUMBER' && peek()?.value !== ':') steps.push({ kind: 'index', index: Number(t.value) });
      else {
        // slice: [a:b] / [:b] / [a:] / [a:b:c]
        const parts: (number | undefined)[] = [t.type === 'NUMBER' ? Number(t.value) : undefined];
        if (t.type === 'NUMBER') take(); // ':'
        for (;;) {
          const n = peek();
          if (n?.type === 'NUMBER') {
            parts.push(Number(take()!.value));
          } else parts.push(undefined);
          if (peek()?.value === ':') take();
          else break;
        }
        steps.push({ kind: 'slice', start: parts[0], end: parts[1], step: parts[2] });
      }
    } else throw parseError(t);
    const close = take();
    if (close?.value !== ']') throw parseError(close);
  };

  const sequence = (): Step[] => {
    const steps: Step[] = [];
    atom(steps);
    while (pos < tokens.length) {
      const t = take()!;
      if (t.value === '.') atom(steps);
      else if (t.value === '..') {
        steps.push({ kind: 'descend', rest: sequence() });
        return steps;
      } else throw parseError(t);
    }
    return steps;
  };

  const steps = sequence();
  if (pos < tokens.length) throw parseError(tokens[pos]);
  return steps;
}

const cache = new Map<string, CompiledPath>();

/** Parses a criteria key once (cached). Throws JsonPathParseError for what jsonpath_rw would reject. */
export function compilePath(key: string): CompiledPath {
  let compiled = cache.get(key);
  if (compiled) return compiled;
  const path = stripKeySuffix(key);
  const steps = parseSteps(tokenize(path));
  const simple = steps.every((s) => s.kind === 'fields' && s.names.length === 1)
    ? steps.map((s) => (s as { names: string[] }).names[0]!)
    : undefined;
  compiled = { key, path, steps, simple };
  if (cache.size > 50_000) cache.clear();
  cache.set(key, compiled);
  return compiled;
}

function pyLen(v: unknown): number {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  if (isPlainObject(v)) return Object.keys(v).length;
  throw new PythonError('TypeError', `object of type '${pyTypeName(v)}' has no len()`);
}

function sliceIndices(len: number, start?: number, end?: number, step = 1): number[] {
  if (step === 0) throw new PythonError('ValueError', 'slice step cannot be zero');
  const norm = (v: number | undefined, dflt: number, lo: number, hi: number) => {
    if (v === undefined) return dflt;
    if (v < 0) v += len;
    return Math.min(Math.max(v, lo), hi);
  };
  const out: number[] = [];
  if (step > 0) {
    for (let i = norm(start, 0, 0, len); i < norm(end, len, 0, len); i += step) out.push(i);
  } else {
    for (let i = norm(start, len - 1, -1, len - 1); i > norm(end, -1, -1, len - 1); i += step) out.push(i);
  }
  return out;
}

function applyStep(step: Step, value: unknown, root: unknown): unknown[] {
  switch (step.kind) {
    case 'root':
      return [root];
    case 'fields': {
      // jsonpath_rw swallows TypeError/KeyError here: a field of a non-dict is simply no match.
      if (!isPlainObject(value)) return [];
      const out: unknown[] = [];
      for (const n of step.names) {
        if (n === '*') out.push(...Object.values(value));
        else if (Object.hasOwn(value, n)) out.push(value[n]);
      }
      return out;
    }
    case 'any':
      return isPlainObject(value) ? Object.values(value) : [];
    case 'index': {
      if (!pyTruthy(value)) return [];
      const len = pyLen(value);
      if (len <= step.index) return [];
      if (isPlainObject(value)) throw new PythonError('KeyError', String(step.index));
      const i = step.index < 0 ? len + step.index : step.index;
      if (i < 0) {
        throw new PythonError(
          'IndexError',
          `${typeof value === 'string' ? 'string' : 'list'} index out of range`,
        );
      }
      return [(value as string | unknown[])[i]];
    }
    case 'slice': {
      if (!pyTruthy(value)) return [];
      // jsonpath_rw wraps a dict, int or str into a one-element list before slicing.
      const list =
        isPlainObject(value) ||
        typeof value === 'string' ||
        typeof value === 'boolean' ||
        Number.isInteger(value)
          ? [value]
          : value;
      if (!Array.isArray(list))
        throw new PythonError('TypeError', `object of type '${pyTypeName(value)}' has no len()`);
      return sliceIndices(list.length, step.start, step.end, step.step).map((i) => list[i]);
    }
    case 'descend': {
      const out: unknown[] = [];
      const visit = (v: unknown) => {
        out.push(...walk(step.rest, [v], root));
        if (Array.isArray(v)) v.forEach(visit);
        else if (isPlainObject(v)) Object.values(v).forEach(visit);
      };
      visit(value);
      return out;
    }
  }
}

function walk(steps: Step[], start: unknown[], root: unknown): unknown[] {
  let current = start;
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of current) {
      const r = applyStep(step, v, root);
      for (const x of r) next.push(x);
    }
    current = next;
    if (current.length === 0) break;
  }
  return current;
}

/** All matches of a compiled path in `context`, or null when nothing matched (st2's PayloadLookup.get_value). */
export function findAll(compiled: CompiledPath, context: Record<string, unknown>): unknown[] | null {
  if (compiled.simple) {
    let v: unknown = context;
    for (const name of compiled.simple) {
      if (!isPlainObject(v) || !Object.hasOwn(v, name)) return null;
      v = v[name];
    }
    return [v];
  }
  const matches = walk(compiled.steps, [context], context);
  return matches.length ? matches : null;
}

/** The first match or null (what a criterion compares). */
export function findFirst(compiled: CompiledPath, context: Record<string, unknown>): unknown {
  const m = findAll(compiled, context);
  return m ? m[0] : null;
}

/** st2's PayloadLookup: a payload under a prefix (`trigger`, or `item` inside `search`) plus the datastore. */
export class PayloadLookup {
  readonly context: Record<string, unknown>;

  constructor(payload: unknown, prefix = 'trigger', st2kv?: Record<string, unknown>) {
    this.context = { [prefix]: payload };
    if (st2kv) {
      this.context.st2kv = st2kv;
      if (st2kv.system !== undefined) this.context.system = st2kv.system;
    }
  }

  /** Matches for a key, or null (throws JsonPathParseError / PythonError like st2's lookup does). */
  getValue(key: string): unknown[] | null {
    return findAll(compilePath(key), this.context);
  }
}
