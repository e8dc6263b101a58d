/** parsePythonLiteral: Python's ast.literal_eval (expected values produced by CPython 3). */
import { describe, expect, it } from 'vitest';
import { ExpressionError, parsePythonLiteral, pyRepr } from '../../engine/expressions/index.ts';

const CPYTHON: Array<[string, unknown]> = [
  ["{'a': [1, True, None, 'x'], 'b': {}}", { a: [1, true, null, 'x'], b: {} }],
  ['[1, 2.5, -3, 1e3, 0x1f, 1_000]', [1, 2.5, -3, 1000, 31, 1000]],
  ["('a', 'b')", ['a', 'b']],
  ["'it\\'s'", "it's"],
  ['"say \\"hi\\""', 'say "hi"'],
  ["{'k': 'line\\nbreak\\t\\u00e9'}", { k: 'line\nbreak\té' }],
  ["r'\\d+'", '\\d+'],
  ["'a' 'b'", 'ab'],
  ['{1, 2}', [1, 2]],
  ["  {'nested': [{'x': (1,)}]}  ", { nested: [{ x: [1] }] }],
  ['-0.5', -0.5],
  ["'''tri\nple'''", 'tri\nple'],
  ["{'k': 1,}", { k: 1 }],
  ['[]', []],
  ['{}', {}],
  ['None', null],
];

describe('parsePythonLiteral', () => {
  it.each(CPYTHON)('%s', (text, expected) => {
    expect(parsePythonLiteral(text)).toEqual(expected);
  });

  it('reads back what Jinja rendering (pyRepr) writes', () => {
    const value = { s: 'it\'s "q"\n', n: [1, -2.5, null, true], d: { 'k-1': { deep: [] } }, u: 'é\u200b' };
    expect(parsePythonLiteral(pyRepr(value))).toEqual(value);
  });

  it.each(['{a: 1}', "{'a' 1}", "'unterminated", '[1, 2', 'os.system("x")', "__import__('os')", '1 + 1'])(
    'rejects %s',
    (text) => {
      expect(() => parsePythonLiteral(text)).toThrow(ExpressionError);
    },
  );
});
