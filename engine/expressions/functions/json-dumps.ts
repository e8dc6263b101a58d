/** Python's json.dumps, byte for byte for the options st2 uses (separators, indent, sort_keys, ensure_ascii). */
import { isPlainObject } from '../python-values.ts';

export interface DumpsOptions {
  indent?: number | string | null;
  sortKeys?: boolean;
  separators?: [string, string] | null;
  ensureAscii?: boolean;
}

function encodeString(s: string, ensureAscii: boolean): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    const code = s.charCodeAt(i);
    if (c === '"') out += '\\"';
    else if (c === '\\') out += '\\\\';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c === '\b') out += '\\b';
    else if (c === '\f') out += '\\f';
    else if (code < 0x20 || (ensureAscii && code > 0x7e)) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += c;
  }
  return `${out}"`;
}

function encodeNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return 'Infinity';
  if (n === Number.NEGATIVE_INFINITY) return '-Infinity';
  return String(n);
}

export function pyJsonDumps(value: unknown, options: DumpsOptions = {}): string {
  const indentStr =
    options.indent === null || options.indent === undefined
      ? null
      : typeof options.indent === 'number'
        ? ' '.repeat(options.indent)
        : options.indent;
  const [itemSep, keySep] = options.separators ?? (indentStr === null ? [', ', ': '] : [',', ': ']);
  const ensureAscii = options.ensureAscii ?? true;
  const seen = new Set<unknown>();

  const enc = (v: unknown, level: number): string => {
    if (v === null || v === undefined) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'number') return encodeNumber(v);
    if (typeof v === 'string') return encodeString(v, ensureAscii);
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Date) return encodeString(v.toISOString(), ensureAscii);
    if (typeof v !== 'object') throw new TypeError(`Object of type ${typeof v} is not JSON serializable`);
    if (seen.has(v)) throw new TypeError('Circular reference detected');
    seen.add(v);
    try {
      const nl = indentStr === null ? '' : `\n${indentStr.repeat(level + 1)}`;
      const close = indentStr === null ? '' : `\n${indentStr.repeat(level)}`;
      if (Array.isArray(v)) {
        if (v.length === 0) return '[]';
        return `[${nl}${v.map((x) => enc(x, level + 1)).join(itemSep + nl)}${close}]`;
      }
      const entries =
        v instanceof Map ? [...v.entries()].map(([k, x]) => [String(k), x] as const) : Object.entries(v);
      if (!isPlainObject(v) && !(v instanceof Map) && entries.length === 0) return '{}';
      if (entries.length === 0) return '{}';
      if (options.sortKeys) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const body = entries.map(([k, x]) => encodeString(k, ensureAscii) + keySep + enc(x, level + 1));
      return `{${nl}${body.join(itemSep + nl)}${close}}`;
    } finally {
      seen.delete(v);
    }
  };
  return enc(value, 0);
}
