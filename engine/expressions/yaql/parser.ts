/**
 * YAQL Pratt parser. Precedence (low → high): `or`, `and`, `not`, comparisons (`= != < > <= >= in =~ !~`),
 * `+ -`, `* / mod`, unary `- +`, postfix (`.x`, `.f()`, `[i]`). Bare identifiers are strings (YAQL keyword
 * strings: `ctx(name)` is `ctx('name')`).
 */
import { ExpressionError } from '../expression-error.ts';
import type { YaqlArg, YaqlNode } from './ast.ts';
import { type Token, tokenize } from './lexer.ts';

const BINARY: Record<string, number> = {
  or: 10,
  and: 20,
  '=': 40,
  '!=': 40,
  '<': 40,
  '>': 40,
  '<=': 40,
  '>=': 40,
  in: 40,
  '=~': 40,
  '!~': 40,
  '+': 50,
  '-': 50,
  '*': 60,
  '/': 60,
  mod: 60,
};
const NOT_BP = 30;
const UNARY_BP = 70;
const POSTFIX_BP = 80;

class Parser {
  private i = 0;
  private readonly tokens: Token[];

  constructor(private readonly source: string) {
    this.tokens = tokenize(source);
  }

  private fail(msg: string, tok: Token = this.peek()): never {
    throw new ExpressionError(
      `YAQL syntax error: ${msg} at position ${tok.pos} in ${JSON.stringify(this.source)}`,
      this.source,
      'yaql',
    );
  }

  private peek(): Token {
    return this.tokens[this.i];
  }

  private next(): Token {
    return this.tokens[this.i++];
  }

  private isOp(value: string): boolean {
    const t = this.peek();
    return t.type === 'op' && t.value === value;
  }

  private expectOp(value: string): void {
    if (!this.isOp(value)) this.fail(`expected '${value}' but found ${this.describe(this.peek())}`);
    this.i++;
  }

  private describe(t: Token): string {
    return t.type === 'eof' ? 'end of expression' : `'${t.value}'`;
  }

  parse(): YaqlNode {
    if (this.peek().type === 'eof') this.fail('empty expression');
    const node = this.expression(0);
    if (this.peek().type !== 'eof') this.fail(`unexpected ${this.describe(this.peek())}`);
    return node;
  }

  private binaryOp(t: Token): string | undefined {
    if (t.type === 'op' && Object.hasOwn(BINARY, t.value)) return t.value;
    if (
      t.type === 'ident' &&
      (t.value === 'and' || t.value === 'or' || t.value === 'in' || t.value === 'mod')
    )
      return t.value;
    return undefined;
  }

  private expression(minBp: number): YaqlNode {
    let left = this.prefix();
    for (;;) {
      const t = this.peek();
      if (t.type === 'op' && (t.value === '.' || t.value === '?.' || t.value === '[')) {
        if (POSTFIX_BP < minBp) break;
        left = this.postfix(left);
        continue;
      }
      if (t.type === 'ident' && t.value === 'not' && this.tokens[this.i + 1]?.value === 'in' && 40 > minBp) {
        this.i += 2;
        const right = this.expression(41);
        left = { type: 'unary', op: 'not', operand: { type: 'binary', op: 'in', left, right } };
        continue;
      }
      const op = this.binaryOp(t);
      if (!op) break;
      const bp = BINARY[op];
      if (bp <= minBp) break;
      this.i++;
      const right = this.expression(bp);
      left = { type: 'binary', op, left, right };
    }
    return left;
  }

  private postfix(target: YaqlNode): YaqlNode {
    const t = this.next();
    if (t.value === '[') {
      const index = this.expression(0);
      this.expectOp(']');
      return { type: 'index', target, index };
    }
    const name = this.next();
    if (name.type !== 'ident') this.fail(`expected a name after '${t.value}'`, name);
    const nullSafe = t.value === '?.';
    if (this.isOp('(')) {
      this.i++;
      return { type: 'method', target, name: name.value, args: this.args(), nullSafe };
    }
    return { type: 'member', target, name: name.value, nullSafe };
  }

  private args(): YaqlArg[] {
    const args: YaqlArg[] = [];
    if (this.isOp(')')) {
      this.i++;
      return args;
    }
    for (;;) {
      const t = this.peek();
      const after = this.tokens[this.i + 1];
      if ((t.type === 'ident' || t.type === 'string') && after?.type === 'op' && after.value === '=>') {
        this.i += 2;
        args.push({ name: t.type === 'ident' ? t.value : String(t.literal), value: this.expression(0) });
      } else {
        if (args.some((a) => a.name !== undefined)) this.fail('positional argument after keyword argument');
        args.push({ value: this.expression(0) });
      }
      if (this.isOp(',')) {
        this.i++;
        continue;
      }
      this.expectOp(')');
      return args;
    }
  }

  private prefix(): YaqlNode {
    const t = this.next();
    switch (t.type) {
      case 'number':
      case 'string':
        return { type: 'literal', value: t.literal };
      case 'var':
        return { type: 'var', name: t.value };
      case 'ident': {
        if (t.value === 'true') return { type: 'literal', value: true };
        if (t.value === 'false') return { type: 'literal', value: false };
        if (t.value === 'null') return { type: 'literal', value: null };
        if (t.value === 'not') return { type: 'unary', op: 'not', operand: this.expression(NOT_BP) };
        if (this.isOp('(')) {
          this.i++;
          return { type: 'call', name: t.value, args: this.args() };
        }
        if (t.value === 'and' || t.value === 'or' || t.value === 'in' || t.value === 'mod') {
          this.fail(`unexpected '${t.value}'`, t);
        }
        return { type: 'keyword', name: t.value };
      }
      case 'op':
        if (t.value === '(') {
          const inner = this.expression(0);
          this.expectOp(')');
          return inner;
        }
        if (t.value === '-' || t.value === '+') {
          return { type: 'unary', op: t.value, operand: this.expression(UNARY_BP) };
        }
        if (t.value === '[') return { type: 'list', items: this.sequence(']') };
        if (t.value === '{') return this.dict();
        return this.fail(`unexpected '${t.value}'`, t);
      default:
        return this.fail('unexpected end of expression', t);
    }
  }

  private sequence(close: string): YaqlNode[] {
    const items: YaqlNode[] = [];
    if (this.isOp(close)) {
      this.i++;
      return items;
    }
    for (;;) {
      items.push(this.expression(0));
      if (this.isOp(',')) {
        this.i++;
        continue;
      }
      this.expectOp(close);
      return items;
    }
  }

  private dict(): YaqlNode {
    const entries: Array<[YaqlNode, YaqlNode]> = [];
    if (this.isOp('}')) {
      this.i++;
      return { type: 'dict', entries };
    }
    for (;;) {
      const key = this.expression(0);
      this.expectOp('=>');
      entries.push([key, this.expression(0)]);
      if (this.isOp(',')) {
        this.i++;
        continue;
      }
      this.expectOp('}');
      return { type: 'dict', entries };
    }
  }
}

const CACHE_LIMIT = 2000;
const cache = new Map<string, YaqlNode>();

/** Parses a YAQL expression (the text between `<%` and `%>`); ASTs are cached by source. */
export function parseYaql(source: string): YaqlNode {
  const hit = cache.get(source);
  if (hit) return hit;
  const ast = new Parser(source.trim()).parse();
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(source, ast);
  return ast;
}
