/**
 * Python's ast.literal_eval for the literals st2 values take: what a rendered `{{ some_dict }}` looks like
 * (`{'a': [1, True, None]}`). st2 casts object/array parameters with json.loads and falls back to
 * literal_eval; callers doing the same use parsePythonLiteral.
 */
import { ExpressionError } from './expression-error.ts';
import { decodeEscape } from './python-escapes.ts';

class LiteralParser {
  private i = 0;

  constructor(private readonly text: string) {}

  private fail(what: string): never {
    throw new ExpressionError(
      `not a Python literal (${what} at position ${this.i}): ${JSON.stringify(this.text.slice(0, 200))}`,
    );
  }

  private ws(): void {
    while (this.i < this.text.length && /\s/.test(this.text[this.i])) this.i++;
  }

  parse(): unknown {
    const value = this.value();
    this.ws();
    if (this.i < this.text.length) this.fail('unexpected text');
    return value;
  }

  private value(): unknown {
    this.ws();
    const c = this.text[this.i];
    if (c === undefined) this.fail('unexpected end');
    if (c === '{') return this.dict();
    if (c === '[') return this.sequence('[', ']');
    if (c === '(') return this.sequence('(', ')');
    if (c === "'" || c === '"') return this.string();
    if (/[rRbBuU]/.test(c) && /['"]/.test(this.text[this.i + 1] ?? '')) {
      this.i++;
      return this.string(c === 'r' || c === 'R');
    }
    const m = /^(?:True|False|None)\b/.exec(this.text.slice(this.i));
    if (m) {
      this.i += m[0].length;
      return m[0] === 'True' ? true : m[0] === 'False' ? false : null;
    }
    const num =
      /^[-+]?(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][-+]?\d+)?)/.exec(
        this.text.slice(this.i),
      );
    if (num && num[0] !== '' && num[0] !== '-' && num[0] !== '+') {
      this.i += num[0].length;
      const raw = num[0].replace(/_/g, '');
      const sign = raw.startsWith('-') ? -1 : 1;
      const body = raw.replace(/^[-+]/, '');
      if (/^0[xob]/i.test(body)) return sign * Number(body.toLowerCase());
      return sign * Number(body);
    }
    return this.fail('unexpected character');
  }

  private string(raw = false): string {
    const quote = this.text[this.i];
    const triple = this.text.startsWith(quote.repeat(3), this.i);
    const close = triple ? quote.repeat(3) : quote;
    this.i += close.length;
    let out = '';
    for (;;) {
      if (this.i >= this.text.length) this.fail('unterminated string');
      if (this.text.startsWith(close, this.i)) {
        this.i += close.length;
        break;
      }
      const c = this.text[this.i];
      if (c === '\\' && !raw) {
        const { text, used } = decodeEscape(this.text, this.i + 1);
        out += text;
        this.i += 1 + used;
        continue;
      }
      if (c === '\n' && !triple) this.fail('newline in string');
      out += c;
      this.i++;
    }
    // Adjacent literals concatenate: 'a' 'b' == 'ab'.
    this.ws();
    const next = this.text[this.i];
    if (next === "'" || next === '"') return out + this.string();
    return out;
  }

  private sequence(open: string, close: string): unknown[] {
    this.i++;
    const items: unknown[] = [];
    for (;;) {
      this.ws();
      if (this.text[this.i] === close) {
        this.i++;
        return items;
      }
      items.push(this.value());
      this.ws();
      if (this.text[this.i] === ',') {
        this.i++;
        continue;
      }
      if (this.text[this.i] === close) {
        this.i++;
        return items;
      }
      this.fail(`expected ',' or '${close}' in ${open}${close}`);
    }
  }

  private dict(): Record<string, unknown> | unknown[] {
    this.i++;
    const out: Record<string, unknown> = {};
    const setItems: unknown[] = [];
    for (;;) {
      this.ws();
      if (this.text[this.i] === '}') {
        this.i++;
        return setItems.length > 0 ? setItems : out;
      }
      const key = this.value();
      this.ws();
      if (this.text[this.i] === ':') {
        this.i++;
        if (key !== null && typeof key === 'object') this.fail('unhashable dict key');
        out[String(key)] = this.value();
      } else {
        setItems.push(key); // a set literal {1, 2} becomes a list
      }
      this.ws();
      if (this.text[this.i] === ',') {
        this.i++;
        continue;
      }
      if (this.text[this.i] === '}') {
        this.i++;
        return setItems.length > 0 ? setItems : out;
      }
      this.fail("expected ',' or '}' in a dict");
    }
  }
}

/** Parses a Python literal (dict, list, tuple → list, set → list, str, int, float, True/False/None). */
export function parsePythonLiteral(text: string): unknown {
  if (typeof text !== 'string')
    throw new ExpressionError(`parsePythonLiteral needs a string, got ${typeof text}`);
  return new LiteralParser(text.trim()).parse();
}
