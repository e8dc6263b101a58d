/**
 * Two lexer differences are fixed here, inside `{{ }}` / `{% %}` only:
 * - `}}` that closes nested braces (`{{ {'a': {'b': 1}} }}`) ends the tag in nunjucks but not in Jinja;
 *   such a `}}` is split into `} }`.
 * - nunjucks decodes only `\n`, `\t`, `\r` in string literals and drops the backslash of every other escape
 * (`"\w+"` becomes `w+`). Jinja follows Python: unknown escapes keep their backslash, `\x41`/`\u00e9` decode.
 * This pre-pass rewrites string literals inside `{{ }}` / `{% %}` so nunjucks produces Python's result.
 * `{% raw %}` blocks and `{# #}` comments are left alone.
 */
import { decodeEscape } from '../python-escapes.ts';

/** Re-encodes a decoded character for nunjucks' lexer, which understands `\\`, `\<quote>`, \n, \t, \r. */
function forNunjucks(text: string, quote: string): string {
  let out = '';
  for (const ch of text) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else out += ch;
  }
  return out;
}

function rewriteTag(source: string, start: number, close: string): { text: string; end: number } {
  let out = '';
  let i = start;
  let depth = 0;
  while (i < source.length) {
    const c = source[i];
    if (depth > 0 && c === '}') {
      depth--;
      out += source[i + 1] === '}' ? '} ' : '}';
      i++;
      continue;
    }
    if (source.startsWith(close, i) || source.startsWith(`-${close}`, i)) {
      const end = source.startsWith(close, i) ? i + close.length : i + close.length + 1;
      return { text: out + source.slice(i, end), end };
    }
    if (c === '{') depth++;
    if (c === '"' || c === "'") {
      out += c;
      i++;
      while (i < source.length && source[i] !== c) {
        if (source[i] === '\\') {
          const { text, used } = decodeEscape(source, i + 1);
          out += forNunjucks(text, c);
          i += 1 + used;
        } else {
          out += source[i];
          i++;
        }
      }
      if (i < source.length) out += c;
      i++;
      continue;
    }
    out += c;
    i++;
  }
  return { text: out, end: source.length };
}

const RAW_START = /^\{%-?\s*raw\s*-?%\}/;
const RAW_END = /\{%-?\s*endraw\s*-?%\}/g;

export function fixStringEscapes(source: string): string {
  if (!source.includes('\\') && !/\{\{[^}]*\{|\{%[^%]*\{/.test(source)) return source;
  let out = '';
  let i = 0;
  while (i < source.length) {
    if (source.startsWith('{#', i)) {
      const end = source.indexOf('#}', i + 2);
      const stop = end < 0 ? source.length : end + 2;
      out += source.slice(i, stop);
      i = stop;
    } else if (source.startsWith('{%', i) && RAW_START.test(source.slice(i))) {
      RAW_END.lastIndex = i;
      const m = RAW_END.exec(source);
      const stop = m ? m.index + m[0].length : source.length;
      out += source.slice(i, stop);
      i = stop;
    } else if (source.startsWith('{{', i) || source.startsWith('{%', i)) {
      const close = source[i + 1] === '{' ? '}}' : '%}';
      const { text, end } = rewriteTag(source, i + 2, close);
      out += source.slice(i, i + 2) + text;
      i = end;
    } else {
      out += source[i];
      i++;
    }
  }
  return out;
}
