/** Orquesta expression semantics (evaluate, evaluateDeep) and the inspector helpers. */
import { describe, expect, it } from 'vitest';
import {
  ExpressionError,
  evaluate,
  evaluateDeep,
  extractContextReferences,
  inspectExpression,
  isKeywordArgs,
} from '../../engine/expressions/index.ts';

const vars = { a: 1, l: ['x', 'y'], d: { k: true } };
const calls: unknown[][] = [];
const functions = {
  ctx: (...args: unknown[]) =>
    typeof args[0] === 'string' ? (vars as Record<string, unknown>)[args[0]] : vars,
  st2kv: (...args: unknown[]) => {
    calls.push(args);
    return 'kv';
  },
};
const ctx = { data: { plain: 'p' }, functions };

describe('evaluate', () => {
  it.each([
    ['<% ctx().l %>', ['x', 'y']],
    ['{{ ctx().l }}', ['x', 'y']],
    ['<% ctx(a) %>', 1],
    ['{{ ctx("d") }}', { k: true }],
    ['a=<% ctx().a %>, l=<% ctx().l %>', "a=1, l=['x', 'y']"],
    ['a={{ ctx().a }}, d={{ ctx().d }}', "a=1, d={'k': True}"],
    ['{% if ctx().d.k %}yes{% endif %}', 'yes'],
    ['no expression', 'no expression'],
    // Orquesta: only a string that is exactly one expression keeps its type.
    [' <% ctx().a %>', ' 1'],
    ['{{ plain }}', 'p'],
  ])('%s', (expression, expected) => {
    expect(evaluate(expression, ctx)).toEqual(expected);
  });

  it('returns non-strings unchanged', () => {
    expect(evaluate(5 as unknown as string, ctx)).toBe(5);
  });

  it('Jinja is strict about undefined names, as in Orquesta', () => {
    expect(() => evaluate('{{ nope }}', ctx)).toThrow("'nope' is undefined");
  });

  it('refuses a string that mixes YAQL and Jinja', () => {
    expect(() => evaluate('<% ctx().a %> {{ ctx().a }}', ctx)).toThrow(ExpressionError);
  });

  it('passes keyword arguments to functions as one trailing marked object, from both languages', () => {
    calls.length = 0;
    evaluate("<% st2kv('system.k', decrypt => true) %>", ctx);
    evaluate("{{ st2kv('system.k', decrypt=true) }}", ctx);
    expect(calls).toEqual([
      ['system.k', { decrypt: true }],
      ['system.k', { decrypt: true }],
    ]);
    for (const call of calls) expect(isKeywordArgs(call[1])).toBe(true);
    expect(Object.keys(calls[1][1] as object)).toEqual(['decrypt']);
  });

  it('an ExpressionError thrown by a function keeps its class in Jinja too', () => {
    class VariableUndefinedError extends ExpressionError {}
    const fns = {
      ctx: () => {
        throw new VariableUndefinedError('The variable "x" is undefined.');
      },
    };
    expect(() => evaluate('{{ ctx("x") }}', { data: {}, functions: fns })).toThrow(VariableUndefinedError);
    expect(() => evaluate('<% ctx(x) %>', { data: {}, functions: fns })).toThrow(VariableUndefinedError);
  });

  it('evaluateDeep walks lists and dicts', () => {
    expect(evaluateDeep({ x: ['<% ctx().a %>', { y: '{{ ctx().l }}' }], z: 3 }, ctx)).toEqual({
      x: [1, { y: ['x', 'y'] }],
      z: 3,
    });
  });
});

describe('inspectExpression', () => {
  it('reports nothing for valid expressions', () => {
    expect(inspectExpression('<% ctx().a %> and <% succeeded() %>')).toEqual([]);
    expect(inspectExpression('{% if x %}{{ y }}{% endif %}')).toEqual([]);
    expect(inspectExpression('plain')).toEqual([]);
  });

  it('reports each broken YAQL expression', () => {
    const problems = inspectExpression('<% ctx().a %> <% 1 + %> <% foo( %>');
    expect(problems.map((p) => [p.type, p.expression])).toEqual([
      ['yaql', '<% 1 + %>'],
      ['yaql', '<% foo( %>'],
    ]);
    expect(problems[0].message).toContain('YAQL syntax error');
  });

  it('reports broken Jinja', () => {
    expect(inspectExpression('x {{ y( }}')).toEqual([
      { type: 'jinja', expression: '{{ y( }}', message: expect.stringContaining('Jinja syntax error') },
    ]);
    expect(inspectExpression('{% if %}{% endif %}')[0]).toMatchObject({
      type: 'jinja',
      expression: '{% if %}{% endif %}',
    });
  });
});

describe('extractContextReferences', () => {
  it.each([
    ['<% ctx().a %>', ['a']],
    ['<% ctx(b) %>', ['b']],
    ["<% ctx('c') %>", ['c']],
    ['<% ctx("d") %>', ['d']],
    ['<% ctx(e).f %>', ['e']],
    ['{{ ctx().g }} {{ ctx("h") }}', ['g', 'h']],
    ["{{ ctx()['i'] }}", ['i']],
    ['<% ctx().a + ctx().b %> <% ctx().a %>', ['a', 'b']],
    ['ctx().outside is not an expression', []],
    ['<% ctx() %>', []],
  ])('%s', (text, expected) => {
    expect(extractContextReferences(text)).toEqual(expected);
  });
});
