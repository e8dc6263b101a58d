/**
 * nunjucks' parser plus Python slices (`items[1:3]`, `text[::-1]`), which Jinja templates use and nunjucks
 * does not parse. A slice becomes a PySlice node compiled to `runtime.pySlice(...)`.
 */
import { createRequire } from 'node:module';
import type { NjNode } from './nunjucks-internals.ts';
import { njNodes } from './nunjucks-internals.ts';

const require = createRequire(import.meta.url);

interface Token {
  type: string;
  value: string;
  lineno: number;
  colno: number;
}

interface NjParser {
  peekToken(): Token | null;
  nextToken(): Token | null;
  skip(type: string): boolean;
  expect(type: string): Token;
  fail(msg: string, lineno?: number, colno?: number): never;
  parseExpression(): NjNode;
  parseSignature(): NjNode;
  parseAggregate(): NjNode & { children: NjNode[] };
  parseAsRoot(): NjNode;
  parseCompare(): NjNode;
  parsePrimary(): NjNode;
  skipSymbol(name: string): boolean;
  extensions: unknown[];
}

const parserModule = require('nunjucks/src/parser.js') as {
  Parser: new (tokens: unknown) => NjParser;
};
const lexer = require('nunjucks/src/lexer.js') as {
  lex(src: string, opts: Record<string, unknown>): unknown;
};

/** A synthetic slice node; it passes nunjucks' expression type checks (it is a Group) and AST walks. */
function sliceNode(tok: Token, target: NjNode, parts: Array<NjNode | null>): NjNode {
  const node = Object.create(njNodes.Group.prototype) as NjNode;
  Object.defineProperty(node, 'typename', { value: 'PySlice' });
  const [start, stop, step] = parts;
  Object.assign(node, {
    lineno: tok.lineno,
    colno: tok.colno,
    target,
    start,
    stop,
    step,
    children: [target, ...parts.filter((p): p is NjNode => p !== null)],
  });
  return node;
}

const TEST_ARG_TOKENS = new Set([
  'symbol',
  'string',
  'int',
  'float',
  'boolean',
  'none',
  'left-bracket',
  'left-curly',
]);
const NOT_AN_ARG = new Set(['else', 'or', 'and', 'if', 'in', 'not', 'is']);

class PyParser extends (parserModule.Parser as unknown as new (tokens: unknown) => NjParser) {
  /**
   * `x is test`, `x is test(arg)` and Jinja's `x is test arg` (`5 is divisibleby 3`, `x is sameas true`),
   * which nunjucks does not parse.
   */
  parseIs(): NjNode {
    let node = this.parseCompare();
    if (!this.skipSymbol('is')) return node;
    const not = this.skipSymbol('not');
    let test = this.parseCompare();
    const next = this.peekToken();
    if (
      test.typename === 'Symbol' &&
      next &&
      TEST_ARG_TOKENS.has(next.type) &&
      !(next.type === 'symbol' && NOT_AN_ARG.has(next.value))
    ) {
      const arg = this.parsePostfix(this.parsePrimary());
      test = new njNodes.FunCall(
        test.lineno,
        test.colno,
        test,
        new njNodes.NodeList(arg.lineno, arg.colno, [arg]),
      );
    }
    node = new njNodes.Is(node.lineno, node.colno, node, test);
    return not ? new njNodes.Not(node.lineno, node.colno, node) : node;
  }

  parsePostfix(node: NjNode): NjNode {
    let tok = this.peekToken();
    while (tok) {
      if (tok.type === 'left-paren') {
        node = new njNodes.FunCall(tok.lineno, tok.colno, node, this.parseSignature());
      } else if (tok.type === 'left-bracket') {
        node = this.parseSubscript(node, tok);
      } else if (tok.type === 'operator' && tok.value === '.') {
        this.nextToken();
        const val = this.nextToken();
        if (val?.type !== 'symbol') {
          return this.fail(`expected name as lookup value, got ${val?.value}`, val?.lineno, val?.colno);
        }
        const lookup = new njNodes.Literal(val.lineno, val.colno, val.value);
        node = new njNodes.LookupVal(tok.lineno, tok.colno, node, lookup);
      } else {
        break;
      }
      tok = this.peekToken();
    }
    return node;
  }

  /** `[index]` or `[start:stop:step]` (every part optional). */
  private parseSubscript(target: NjNode, tok: Token): NjNode {
    this.expect('left-bracket');
    const parts: Array<NjNode | null> = [];
    let current: NjNode | null = null;
    let colons = 0;
    for (;;) {
      const next = this.peekToken();
      if (!next) this.fail('unexpected end of template in subscript', tok.lineno, tok.colno);
      if (next.type === 'right-bracket') {
        this.nextToken();
        break;
      }
      if (next.type === 'colon') {
        this.nextToken();
        parts.push(current);
        current = null;
        colons++;
        if (colons > 2) this.fail('invalid slice', next.lineno, next.colno);
        continue;
      }
      if (current !== null) this.fail('invalid index: expected ] or :', next.lineno, next.colno);
      current = this.parseExpression();
    }
    if (colons === 0) {
      if (current === null) this.fail('empty index', tok.lineno, tok.colno);
      return new njNodes.LookupVal(tok.lineno, tok.colno, target, current);
    }
    parts.push(current);
    while (parts.length < 3) parts.push(null);
    return sliceNode(tok, target, parts);
  }
}

export function parseWithSlices(source: string, opts: Record<string, unknown>): NjNode {
  const parser = new PyParser(lexer.lex(source, opts));
  parser.extensions = [];
  return parser.parseAsRoot();
}
