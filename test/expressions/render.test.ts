/** Jinja rendering API: renderTemplate, renderValue (st2 to_complex), renderDeep, strict undefined, caching. */

import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ExpressionError, renderDeep, renderTemplate, renderValue } from '../../engine/expressions/index.ts';

// The nunjucks lexer instance the expression module tokenizes templates with (Node's require cache).
const njLexer = createRequire(import.meta.url)('nunjucks/src/lexer.js') as {
  lex: (...args: unknown[]) => unknown;
};

const ctx = { list: [1, 'a'], dict: { k: 'v' }, n: 42, yes: true, none: null, name: 'world' };

describe('renderValue', () => {
  it.each([
    ['{{ list }}', [1, 'a']],
    ['{{ dict }}', { k: 'v' }],
    ['{{ n }}', 42],
    ['{{ n + 1 }}', 43],
    ['{{ yes }}', true],
    ['{{ none }}', null],
    ['{{ name }}', 'world'],
    ['  {{ list }}\n', [1, 'a']],
    ['{{ [n, name] }}', [42, 'world']],
    ['{{ {"a": n} }}', { a: 42 }],
  ])('%s gives the native value', (template, expected) => {
    expect(renderValue(template, ctx)).toEqual(expected);
  });

  it.each([
    ['x {{ n }}', 'x 42'],
    ['{{ n }}{{ n }}', '4242'],
    ['{{ list }} and more', "[1, 'a'] and more"],
    ['{% if yes %}{{ n }}{% endif %}', '42'],
  ])('%s renders to a string', (template, expected) => {
    expect(renderValue(template, ctx)).toBe(expected);
  });

  it('returns strings without templates and non-strings unchanged', () => {
    expect(renderValue('plain text', ctx)).toBe('plain text');
    expect(renderValue(5 as unknown as string, ctx)).toBe(5);
  });

  it('an undefined single expression renders as an empty string (not strict)', () => {
    expect(renderValue('{{ missing }}', ctx)).toBe('');
  });
});

describe('renderTemplate', () => {
  it('renders Python str() of values', () => {
    expect(renderTemplate('{{ list }} {{ dict }} {{ yes }} {{ none }}', ctx)).toBe(
      "[1, 'a'] {'k': 'v'} True None",
    );
  });

  it('undefined renders empty by default', () => {
    expect(renderTemplate('[{{ missing }}][{{ dict.missing }}]', ctx)).toBe('[][]');
  });

  it('strictUndefined fails with Jinja StrictUndefined messages naming the variable (checked with Jinja2 3.1.6)', () => {
    const data = { d: { k: {} }, l: [{}], n: null, s: 'str' };
    const opts = { strictUndefined: true };
    const cases: Array<[string, string]> = [
      ['{{ d.missing }}', "'dict object' has no attribute 'missing'"],
      ['{{ user.name }}', "'user' is undefined"],
      ['{{ l[5] }}', 'list object has no element 5'],
      ['{{ d["k"].x }}', "'dict object' has no attribute 'x'"],
      ['{{ n.x }}', "'None' has no attribute 'x'"],
      ['{{ s.x }}', "'str object' has no attribute 'x'"],
      ['{{ d.a.b }}', "'dict object' has no attribute 'a'"],
      ['{{ l[0].z }}', "'dict object' has no attribute 'z'"],
      ['Hi {{ missing }}', "'missing' is undefined"],
    ];
    for (const [template, message] of cases) {
      expect(() => renderTemplate(template, data, opts)).toThrow(message);
      expect(() => renderValue(template, data, opts)).toThrow(message);
    }
    expect(() => renderTemplate('{{ nope() ~ "" }}', data, opts)).toThrow(ExpressionError);
  });

  it('strictUndefined still allows None and `is defined` checks', () => {
    const opts = { strictUndefined: true };
    expect(renderTemplate('{{ none }}', ctx, opts)).toBe('None');
    expect(renderTemplate('{% if missing is defined %}x{% else %}y{% endif %}', ctx, opts)).toBe('y');
    expect(renderTemplate('{{ missing | default("d") }}', ctx, opts)).toBe('d');
  });

  it('syntax errors are ExpressionErrors carrying the template', () => {
    let error: unknown;
    try {
      renderTemplate('{% if %}x{% endif %}', ctx);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ExpressionError);
    expect((error as ExpressionError).language).toBe('jinja');
    expect((error as ExpressionError).expression).toBe('{% if %}x{% endif %}');
    expect((error as Error).message).toMatch(/^Jinja syntax error: /);
  });

  it('st2 function errors carry the template', () => {
    let error: unknown;
    try {
      renderTemplate('{{ "1.2" | version_bump_major }}', {});
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ExpressionError);
    expect((error as ExpressionError).expression).toBe('{{ "1.2" | version_bump_major }}');
    expect((error as Error).message).toContain('1.2 is not valid SemVer string');
  });

  it('render errors say what failed', () => {
    expect(() => renderTemplate('{{ nope() }}', ctx)).toThrow(/'nope' is undefined/);
    expect(() => renderTemplate('{{ n + "x" }}', ctx)).toThrow(
      /unsupported operand type\(s\) for \+: 'int' and 'str'/,
    );
  });
});

describe('template cache', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('parses a template once and reuses it for every context', () => {
    const lex = vi.spyOn(njLexer, 'lex');
    const template = `cache probe {{ who }} ${Math.random()}`;
    expect(renderTemplate(template, { who: 'a' })).toContain('cache probe a');
    expect(renderTemplate(template, { who: 'b' })).toContain('cache probe b');
    expect(renderTemplate(template, { who: 'c' })).toContain('cache probe c');
    expect(lex).toHaveBeenCalledTimes(1);
  });

  it('strict and lenient compilations are cached separately', () => {
    const template = `{{ maybe }} ${Math.random()}`;
    expect(renderTemplate(template, {})).toMatch(/^ /);
    expect(() => renderTemplate(template, {}, { strictUndefined: true })).toThrow(ExpressionError);
    expect(renderTemplate(template, {})).toMatch(/^ /);
  });
});

describe('renderDeep', () => {
  it('renders every string value, never keys, keeping native types', () => {
    const value = { '{{ n }}': '{{ n }}', nested: ['{{ list }}', 'x={{ n }}', 3, null, { b: '{{ yes }}' }] };
    expect(renderDeep(value, ctx)).toEqual({
      '{{ n }}': 42,
      nested: [[1, 'a'], 'x=42', 3, null, { b: true }],
    });
  });
});
