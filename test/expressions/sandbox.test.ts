/**
 * Templates and expressions must not reach JavaScript internals: constructors, prototypes, `process`,
 * `globalThis`, `require`. Every probe must come back empty/null/a plain string, or fail with an
 * ExpressionError — never with anything from the host.
 */
import { describe, expect, it } from 'vitest';
import { ExpressionError, evaluate, renderTemplate, renderValue } from '../../engine/expressions/index.ts';

const context = {
  d: { k: 'v' },
  l: [1, 2],
  s: 'str',
  fn: () => 'called',
  parsed: JSON.parse('{"__proto__": {"polluted": 1}}'),
};

/** The rendered text, or `ExpressionError` when rendering failed the way it should. */
function probe(run: () => unknown): unknown {
  try {
    return run();
  } catch (err) {
    expect(err).toBeInstanceOf(ExpressionError);
    expect(String((err as Error).message)).not.toMatch(/\[object process\]|node_modules|versions/);
    return 'ExpressionError';
  }
}

function assertHarmless(result: unknown): void {
  if (typeof result === 'function') throw new Error('a function escaped the sandbox');
  const text = typeof result === 'string' ? result : JSON.stringify(result);
  expect(text).not.toMatch(/process|native code|function|=>|pid|env|versions|globalThis|require/i);
}

const jinjaProbes = [
  '{{ range.constructor("return process")() }}',
  "{{ ''.constructor.constructor('return process')() }}",
  '{{ "".constructor.constructor("return globalThis")() }}',
  '{{ cycler.__proto__ }}',
  '{{ joiner.constructor }}',
  '{{ __proto__ }}',
  '{{ constructor }}',
  '{{ toString }}',
  '{{ hasOwnProperty }}',
  '{{ process }}',
  '{{ globalThis }}',
  '{{ require }}',
  '{{ global }}',
  '{{ d.constructor }}',
  '{{ d["constructor"]["constructor"]("return process")() }}',
  '{{ d.__proto__ }}',
  '{{ d.toString }}',
  '{{ l.constructor }}',
  '{{ l.map }}',
  '{{ s.constructor }}',
  '{{ s.concat }}',
  '{{ fn.constructor }}',
  '{{ fn.call }}',
  '{{ fn.apply }}',
  '{{ range.call }}',
  '{{ range.bind }}',
  '{{ cycler(1, 2).next.constructor }}',
  '{% set x = range %}{{ x.constructor }}',
  '{% macro m() %}x{% endmacro %}{{ m.constructor }}',
  '{{ [].constructor }}',
  '{{ ({}).constructor }}',
  '{{ parsed.__proto__ }}',
  '{{ parsed.polluted }}',
  '{{ l|map(attribute="constructor")|list }}',
  '{{ [s]|sum(attribute="constructor") }}',
  '{{ s|attr("constructor") }}',
  '{{ s|constructor }}',
  '{{ s|__defineGetter__("ctx", range) }}{{ d }}',
  '{{ s|valueOf }}',
  '{{ s is constructor }}',
  '{{ s is __proto__ }}',
  '{{ [s]|map("constructor")|list }}',
  '{{ [s]|select("constructor")|list }}',
];

describe('Jinja sandbox', () => {
  it.each(jinjaProbes)('%s reaches nothing', (template) => {
    assertHarmless(probe(() => renderTemplate(template, context)));
    assertHarmless(probe(() => renderValue(template, context)));
  });

  it('blocked names render empty rather than failing when they are only read', () => {
    expect(renderTemplate('[{{ d.constructor }}][{{ __proto__ }}][{{ cycler.__proto__ }}]', context)).toBe(
      '[][][]',
    );
  });

  it('calling through a blocked member fails with an ExpressionError', () => {
    expect(() => renderTemplate('{{ range.constructor("return process")() }}', {})).toThrow(ExpressionError);
  });

  it('a context value containing a template is data: it is never rendered', () => {
    const body = { text: '{{ range.constructor("return process")() }} {{ 7 * 7 }}' };
    expect(renderTemplate('{{ body.text }}', { body })).toBe(body.text);
    expect(renderValue('{{ body }}', { body })).toEqual(body);
    expect(evaluate('{{ body.text }}', { data: { body } })).toBe(body.text);
    expect(evaluate('<% $.body.text %>', { data: { body: { text: '<% 7 * 7 %>' } } })).toBe('<% 7 * 7 %>');
  });

  it('own properties of plain data stay reachable', () => {
    expect(renderTemplate('{{ d.k }} {{ l[0] }} {{ fn() }}', context)).toBe('v 1 called');
  });
});

const yaqlProbes = [
  "<% ''.constructor %>",
  '<% $.constructor %>',
  "<% $['constructor'] %>",
  '<% $.__proto__ %>',
  '<% $.d.constructor %>',
  '<% $.l.constructor %>',
  "<% $.s.constructor('return process') %>",
  "<% constructor('return process') %>",
  '<% toString() %>',
  '<% hasOwnProperty("x") %>',
  '<% $.d.toString() %>',
  '<% $.l.select($.constructor) %>',
  '<% ctx().constructor %>',
  '<% ctx().__proto__ %>',
  "<% ctx('__proto__') %>",
  '<% $.fn.constructor %>',
  '<% $.parsed.__proto__ %>',
  '<% $.parsed.polluted %>',
];

describe('YAQL sandbox', () => {
  const functions = {
    ctx: (name?: unknown) =>
      typeof name === 'string' ? (context as Record<string, unknown>)[name] : context,
  };
  it.each(yaqlProbes)('%s reaches nothing', (expression) => {
    assertHarmless(probe(() => evaluate(expression, { data: context, functions })));
  });

  it('bare names are plain strings (YAQL keyword strings), not host objects', () => {
    expect(evaluate('<% process %>', { data: {} })).toBe('process');
    expect(evaluate('<% globalThis %>', { data: {} })).toBe('globalThis');
  });

  it('blocked members of data read as null', () => {
    expect(evaluate('<% $.constructor %>', { data: context })).toBeNull();
    expect(evaluate("<% $.d['__proto__'] %>", { data: context })).toBeNull();
  });
});

describe('no file access', () => {
  it.each([
    '{% include "/etc/passwd" %}',
    '{% import "/etc/passwd" as x %}',
    '{% extends "/etc/hostname" %}',
    '{% from "/etc/passwd" import x %}',
  ])('%s finds no template', (template) => {
    expect(() => renderTemplate(template, {})).toThrow(/template not found/);
  });
});

describe('resource limits', () => {
  it('range() cannot allocate unbounded memory', () => {
    expect(renderTemplate('{{ range(3)|list }} {{ range(5, 0, -2) }}', {})).toBe('[0, 1, 2] [5, 3, 1]');
    expect(() => renderTemplate('{{ range(1000000000) }}', {})).toThrow(/range\(\) is limited/);
    expect(() => evaluate('<% range(1000000000) %>', { data: {} })).toThrow(/range\(\) is too large/);
  });

  it('YAQL string repetition is capped', () => {
    expect(evaluate("<% 'ab' * 2 %>", { data: {} })).toBe('abab');
    expect(() => evaluate("<% 'ab' * 100000000 %>", { data: {} })).toThrow(/too large/);
  });
});
