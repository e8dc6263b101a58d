/**
 * A shortcut for the most common rule templates: plain text around `{{ a.b.c }}` variable paths. They are
 * rendered by direct lookup when the result is certain to equal the Jinja renderer's (strings, small integers,
 * booleans; to_complex returns the value itself). Anything else — filters, tags, missing values, None, floats,
 * collections, names that Jinja would resolve to a dict method — returns FALLBACK and goes through the
 * expression module, which stays the one source of truth for template semantics.
 */
import { isPlainObject, shellQuote } from '../expressions/index.ts';

export const FALLBACK: unique symbol = Symbol('fast-template-fallback');

type Segment = string | string[];

interface FastTemplate {
  segments: Segment[];
  /** Exactly one `{{ path }}` with only whitespace around it: renderValue returns the native value. */
  single?: string[];
}

const IDENT = /^[A-Za-z][A-Za-z0-9_]*$/;
// Attribute lookups Jinja resolves to dict methods before keys (`trigger.items` is dict.items).
const DICT_ATTRS = new Set([
  'clear',
  'copy',
  'fromkeys',
  'get',
  'items',
  'keys',
  'pop',
  'popitem',
  'setdefault',
  'update',
  'values',
]);
const EXPR = /\{\{ *([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*) *\}\}/g;

const cache = new Map<string, FastTemplate | null>();

function compile(template: string): FastTemplate | null {
  // Jinja rewrites newlines and drops a trailing one; comments, tags and whitespace control are real syntax.
  if (template.includes('\r') || template.endsWith('\n')) return null;
  const segments: Segment[] = [];
  let last = 0;
  for (const m of template.matchAll(EXPR)) {
    if (m.index > last) segments.push(template.slice(last, m.index));
    const path = m[1]!.split('.');
    if (!path.every((p) => IDENT.test(p)) || path.slice(1).some((p) => DICT_ATTRS.has(p))) return null;
    segments.push(path);
    last = m.index + m[0].length;
  }
  if (last < template.length) segments.push(template.slice(last));
  for (const s of segments) {
    if (typeof s === 'string' && /\{\{|\{%|\{#|\}\}/.test(s)) return null;
  }
  const paths = segments.filter((s): s is string[] => Array.isArray(s));
  if (paths.length === 0) return null;
  const fast: FastTemplate = { segments };
  if (paths.length === 1 && segments.every((s) => Array.isArray(s) || s.trim() === ''))
    fast.single = paths[0];
  return fast;
}

function compiled(template: string): FastTemplate | null {
  let c = cache.get(template);
  if (c === undefined) {
    c = compile(template);
    if (cache.size > 20_000) cache.clear();
    cache.set(template, c);
  }
  return c;
}

function lookup(path: string[], data: Record<string, unknown>): unknown {
  let v: unknown = data;
  for (const name of path) {
    if (!isPlainObject(v) || !Object.hasOwn(v, name)) return FALLBACK;
    v = v[name];
  }
  return v;
}

/** Python str() for the values the shortcut handles; FALLBACK for the rest. */
function text(v: unknown): string | typeof FALLBACK {
  if (typeof v === 'string') return v;
  if (typeof v === 'number')
    return Number.isSafeInteger(v) && Math.abs(v) < 1e15 && !Object.is(v, -0) ? String(v) : FALLBACK;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return FALLBACK;
}

export interface FastOptions {
  /** String values under this root name are shell-quoted (as rendering against shellQuoteLeaves(data[root])). */
  quoteRoot?: string;
  /** Only answer for a lone `{{ path }}` (criteria patterns: st2's to_complex + json.loads of mixed text differs). */
  singleOnly?: boolean;
}

/** renderValue(template, data) for simple templates, or FALLBACK. */
export function renderFast(
  template: string,
  data: Record<string, unknown>,
  options: FastOptions = {},
): unknown {
  const c = compiled(template);
  if (!c) return FALLBACK;
  const { quoteRoot } = options;
  if (c.single) {
    const v = lookup(c.single, data);
    if (v === FALLBACK || v === null || v === undefined) return FALLBACK;
    if (typeof v === 'object') return FALLBACK;
    return quoteRoot && c.single[0] === quoteRoot && typeof v === 'string' ? shellQuote(v) : v;
  }
  if (options.singleOnly) return FALLBACK;
  let out = '';
  for (const s of c.segments) {
    if (typeof s === 'string') {
      out += s;
      continue;
    }
    const v = lookup(s, data);
    const t = text(v);
    if (t === FALLBACK) return FALLBACK;
    out += quoteRoot && s[0] === quoteRoot && typeof v === 'string' ? shellQuote(t) : t;
  }
  return out;
}
