/**
 * The YAQL subset Orquesta workflows use (parser + evaluator). Semantics follow openstack/yaql's standard
 * library: `=` is equality, integer `/` floors, bare names are strings (`ctx(name)`), `str()` spells
 * null/true/false the YAQL way, `?.` is null-safe.
 *
 * The table was cross-checked with yaql 2.0.0 (Python): every row gives yaql's result, except where Squall
 * is deliberately more lenient: a missing dict key reads as null (yaql: KeyError; the workflow engine
 * relies on null), `$name` reads a data key (yaql: a context variable), `'k' in dict` and `not in` work,
 * `.keys()`/`.values()`/`.items()` give lists, and st2 functions / `json()` are available as functions and
 * methods. Every row of "YAQL errors" is an error in yaql too.
 */
import { describe, expect, it } from 'vitest';
import { ExpressionError, evaluate, isKeywordArgs } from '../../engine/expressions/index.ts';
import { parseYaql } from '../../engine/expressions/yaql/parser.ts';

const data = {
  n: 7,
  f: 2.5,
  s: 'Hello',
  empty: '',
  list: [3, 1, 2],
  people: [
    { name: 'ann', age: 31, tags: ['a'] },
    { name: 'bob', age: 25, tags: [] },
  ],
  d: { k: 'v', nested: { x: 1 } },
  nothing: null,
};

const functions = {
  ctx: (...args: unknown[]) =>
    typeof args[0] === 'string' ? (data as Record<string, unknown>)[args[0]] : data,
  echo: (...args: unknown[]) => args.map((a) => (isKeywordArgs(a) ? { kwargs: { ...a } } : a)),
};

const run = (expression: string) => evaluate(`<% ${expression} %>`, { data, functions });

const table: Array<[string, unknown]> = [
  // literals
  ['1', 1],
  ['-2.5', -2.5],
  ["'single'", 'single'],
  ['"double"', 'double'],
  ['"esc\\n\\t\\"q\\""', 'esc\n\t"q"'],
  ['"\\w+\\d"', '\\w+\\d'],
  ['true', true],
  ['false', false],
  ['null', null],
  ['[1, "a", null]', [1, 'a', null]],
  ['[]', []],
  ['{a => 1, "b" => [2]}', { a: 1, b: [2] }],
  // data access
  ['$', data],
  ['$.n', 7],
  ['$n', 7],
  ['$.d.nested.x', 1],
  ['$.d.missing', null],
  ["$.d['k']", 'v'],
  ['$.list[0]', 3],
  ['$.list[-1]', 2],
  ['$.people[1].name', 'bob'],
  ['$.nothing?.x', null],
  ['ctx().s', 'Hello'],
  ['ctx(s)', 'Hello'],
  ["ctx('s')", 'Hello'],
  ['ctx("d").k', 'v'],
  // operators
  ['1 + 2 * 3', 7],
  ['(1 + 2) * 3', 9],
  ['7 / 2', 3],
  // JavaScript has one number type: 7.0 is 7, so 7.0 / 2 floors like 7 / 2 (known difference).
  ['7.5 / 2', 3.75],
  ['7 mod 3', 1],
  ['-$.n + 1', -6],
  ["'a' + 'b'", 'ab'],
  ['[1] + [2, 3]', [1, 2, 3]],
  ['{a => 1} + {b => 2}', { a: 1, b: 2 }],
  ["'ab' * 2", 'abab'],
  ['$.n = 7', true],
  ['$.n != 7', false],
  ["$.s = 'Hello'", true],
  ['[1, 2] = [1, 2]', true],
  ['$.n > 5 and $.n < 10', true],
  ['$.n < 5 or $.n >= 7', true],
  ['not $.n = 7', false],
  ['not $.d.containsKey("z") and $.n = 7', true],
  ['2 in $.list', true],
  ['5 in $.list', false],
  ["'k' in $.d", true],
  ["'ell' in $.s", true],
  ['4 not in $.list', true],
  ["$.empty or 'fallback'", 'fallback'],
  ["$.s =~ '^H.l'", true],
  // methods and lambdas
  ['$.people.select($.name)', ['ann', 'bob']],
  ['$.people.where($.age > 30).select($.name)', ['ann']],
  ['$.list.orderBy($)', [1, 2, 3]],
  ['$.people.orderBy($.age).first().name', 'bob'],
  ['$.list.any($ > 2)', true],
  ['$.list.all($ > 2)', false],
  ['$.list.len()', 3],
  ['$.list.count()', 3],
  ['$.list.sum()', 6],
  ['$.list.max()', 3],
  ['[].first(0)', 0],
  ['$.list.skip(1).take(1)', [1]],
  ['[[1, [2]], 3].flatten()', [1, 2, 3]],
  ['[1, 1, 2].distinct()', [1, 2]],
  ['$.list.contains(1)', true],
  ['$.d.containsKey("k")', true],
  ['$.d.containsValue("v")', true],
  ['$.d.keys()', ['k', 'nested']],
  ['$.d.values().len()', 2],
  ['$.d.items()[0]', ['k', 'v']],
  ['$.d.get("zz", 5)', 5],
  ['$.d.set("k", 2).k', 2],
  ['$.s.toLower()', 'hello'],
  ['$.s.toUpper()', 'HELLO'],
  ["' x '.trim()", 'x'],
  ["'a,b,,c'.split(',')", ['a', 'b', '', 'c']],
  ["'a-b-c'.replace('-', '+')", 'a+b+c'],
  ["$.s.startsWith('He')", true],
  ["$.s.endsWith('lo')", true],
  ['$.s.substring(1, 3)', 'ell'],
  ["$.s.indexOf('l')", 2],
  ["['a', 'b'].join(', ')", 'a, b'],
  ["', '.join(['a', 'b'])", 'a, b'],
  ["'{0}-{1}'.format('x', 2)", 'x-2'],
  ['$.empty.isEmpty()', true],
  ['[1, 2].select($ * 10)', [10, 20]],
  // functions
  ['str(123)', '123'],
  ['str(null)', 'null'],
  ['str(true)', 'true'],
  ['int("42")', 42],
  ['int(3.9)', 3],
  ['float("2.5")', 2.5],
  ['bool([])', false],
  ['len($.s)', 5],
  ['len($.d)', 2],
  ['list(1, 2)', [1, 2]],
  ['dict(a => 1, b => $.n)', { a: 1, b: 7 }],
  ['dict([["a", 1]])', { a: 1 }],
  ['range(3)', [0, 1, 2]],
  ['range(1, 7, 2)', [1, 3, 5]],
  ['abs(-3)', 3],
  [
    'zip([1, 2], ["a", "b", "c"])',
    [
      [1, 'a'],
      [2, 'b'],
    ],
  ],
  ['max(1, 5)', 5],
  ['coalesce(null, $.nothing, 3)', 3],
  ['$.s.str()', 'Hello'],
  ['json(\'{"a": 1}\')', { a: 1 }],
  // caller functions: positional args then one trailing keyword-arguments object
  ['echo(1, flag => true, other => "x")', [1, { kwargs: { flag: true, other: 'x' } }]],
  ['echo()', []],
  ['$.s.echo(2)', ['Hello', 2]],
  // st2 functions
  ['to_json_string($.d.nested)', '{"x": 1}'],
  ['$.s.regex_match("H")', true],
];

describe('YAQL evaluation', () => {
  it.each(table)('%s', (expression, expected) => {
    expect(run(expression)).toEqual(expected);
  });

  it('random(a, b) stays within bounds (inclusive)', () => {
    for (let i = 0; i < 50; i++) {
      const v = run('random(1, 3)') as number;
      expect([1, 2, 3]).toContain(v);
    }
    expect(typeof run('random()')).toBe('number');
  });
});

describe('YAQL errors', () => {
  it.each([
    ['1 +', 'syntax error'],
    ['(1', "expected ')'"],
    ['foo(', 'syntax error'],
    ['$.list[', 'syntax error'],
    ['1 2', "unexpected '2'"],
    ["'unterminated", 'unterminated string'],
    ['@', 'unexpected character'],
    ['unknownFn()', 'unknown function "unknownFn"'],
    ['$.n.nope()', 'unknown method "nope"'],
    ['$.nothing.x', "cannot read attribute 'x' of null"],
    ['$.list[10]', 'out of range'],
    ['1 / 0', 'division by zero'],
    ["'a' - 1", "operator '-' needs numbers"],
    ['$.n.select($)', 'select() needs a list'],
    ['[].first()', 'first() of an empty list'],
    ['regex_substring("abc", "x")', 'list index out of range'],
    ['version_compare("1.2", "1.0.0")', '1.2 is not valid SemVer string'],
  ])('%s fails with an ExpressionError naming the expression', (expression, fragment) => {
    let error: unknown;
    try {
      run(expression);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ExpressionError);
    expect((error as ExpressionError).message).toContain(fragment);
    expect((error as ExpressionError).expression).toBe(expression);
    expect((error as ExpressionError).language).toBe('yaql');
  });

  it('an ExpressionError from a caller function passes through unchanged', () => {
    class VariableUndefined extends ExpressionError {}
    const ctx = () => {
      throw new VariableUndefined('The variable "x" is undefined.');
    };
    expect(() => evaluate('<% ctx(x) %>', { data: {}, functions: { ctx } })).toThrow(VariableUndefined);
  });
});

describe('YAQL parser', () => {
  it('caches the syntax tree by source', () => {
    expect(parseYaql('ctx().a + 1')).toBe(parseYaql('ctx().a + 1'));
  });

  it('gives `not` lower precedence than comparisons and higher than `and`', () => {
    expect(parseYaql('not a = b and c')).toMatchObject({
      type: 'binary',
      op: 'and',
      left: { type: 'unary', op: 'not', operand: { type: 'binary', op: '=' } },
    });
  });

  it('parses keyword arguments', () => {
    expect(parseYaql('st2kv(k, decrypt => true)')).toMatchObject({
      type: 'call',
      name: 'st2kv',
      args: [
        { value: { type: 'keyword', name: 'k' } },
        { name: 'decrypt', value: { type: 'literal', value: true } },
      ],
    });
  });
});
