/** YAQL tokenizer. */
import { ExpressionError } from '../expression-error.ts';
import { decodeEscape } from '../python-escapes.ts';

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
          const { text, used } = decodeEscape(source, i + 1);
          out += text;
          i += 1 + used;
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
