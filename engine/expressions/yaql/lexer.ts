/** YAQL tokenizer. */
import { ExpressionError } from '../expression-error.ts';

export type TokenType = 'number' | 'string' | 'ident' | 'var' | 'op' | 'eof';

export interface Token {
  type: TokenType;
  value: string;
  /** Parsed value for numbers and strings. */
  literal?: unknown;
  pos: number;
}

const OPERATORS = [
  '=>',
  '->',
  '<=',
  '>=',
  '!=',
  '=~',
  '!~',
  '?.',
  '=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '.',
  ',',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ':',
];
const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  f: '\f',
  v: '\v',
  a: '\x07',
  '0': '\0',
};

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (msg: string): never => {
    throw new ExpressionError(
      `YAQL syntax error: ${msg} at position ${i} in ${JSON.stringify(source)}`,
      source,
      'yaql',
    );
  };
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (/[0-9]/.test(c)) {
      const m = /^\d+(\.\d+)?([eE][-+]?\d+)?/.exec(source.slice(i))!;
      i += m[0].length;
      tokens.push({ type: 'number', value: m[0], literal: Number(m[0]), pos: start });
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      let out = '';
      i++;
      for (;;) {
        if (i >= source.length) fail('unterminated string');
        const ch = source[i];
        if (ch === c) {
          i++;
          break;
        }
        if (ch === '\\' && c !== '`') {
          const n = source[i + 1];
          if (n === undefined) fail('unterminated string');
          if (n === 'u') {
            const hex = source.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
            out += String.fromCharCode(Number.parseInt(hex, 16));
            i += 6;
            continue;
          }
          out += Object.hasOwn(ESCAPES, n) ? ESCAPES[n] : n;
          i += 2;
          continue;
        }
        out += ch;
        i++;
      }
      tokens.push({ type: 'string', value: source.slice(start, i), literal: out, pos: start });
      continue;
    }
    if (c === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*|\d+)?/.exec(source.slice(i))!;
      i += m[0].length;
      tokens.push({ type: 'var', value: m[1] ?? '', pos: start });
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i))!;
      i += m[0].length;
      tokens.push({ type: 'ident', value: m[0], pos: start });
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (op === undefined) return fail(`unexpected character ${JSON.stringify(c)}`);
    i += op.length;
    tokens.push({ type: 'op', value: op, pos: start });
  }
  tokens.push({ type: 'eof', value: '', pos: source.length });
  return tokens;
}
