/** Python value semantics: repr()/str() (expected strings produced by CPython 3), truthiness, equality. */
import { describe, expect, it } from 'vitest';
import { pyRepr, pyStr, truthy } from '../../engine/expressions/index.ts';
import { pyCompare, pyEquals, pyIn } from '../../engine/expressions/python-values.ts';

describe('pyRepr matches CPython repr()', () => {
  it.each([
    ["a'b", `"a'b"`],
    ['a"b', `'a"b'`],
    ['a\'b"c', `'a\\'b"c'`],
    ['\t\n\r\x00\x7f', "'\\t\\n\\r\\x00\\x7f'"],
    ['é', "'é'"],
    ['\u200b', "'\\u200b'"],
    ['\xa0', "'\\xa0'"],
    ['\u{1F600}', "'\u{1F600}'"],
    ['\x85', "'\\x85'"],
    ['back\\slash', "'back\\\\slash'"],
    ['\u2028', "'\\u2028'"],
  ])('%j', (value, expected) => {
    expect(pyRepr(value)).toBe(expected);
  });

  it('renders containers, booleans and None the Python way', () => {
    expect(pyRepr({ a: [1, true, null, 'x'], b: {} })).toBe("{'a': [1, True, None, 'x'], 'b': {}}");
    expect(pyRepr(Number.NaN)).toBe('nan');
    expect(pyRepr(Number.POSITIVE_INFINITY)).toBe('inf');
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(pyRepr(cyclic)).toBe('[[...]]');
  });

  it('pyStr leaves strings alone and renders undefined as empty', () => {
    expect(pyStr('x')).toBe('x');
    expect(pyStr(undefined)).toBe('');
    expect(pyStr(null)).toBe('None');
    expect(pyStr([1])).toBe('[1]');
  });
});

describe('truthiness, equality, membership, ordering', () => {
  it.each([
    [null, false],
    [undefined, false],
    [0, false],
    [Number.NaN, true], // bool(float('nan')) in Python; JavaScript would say false
    ['', false],
    [[], false],
    [{}, false],
    [new Map(), false],
    ['0', true],
    [[0], true],
    [{ a: 0 }, true],
  ])('truthy(%j) is %s', (value, expected) => {
    expect(truthy(value)).toBe(expected);
  });

  it('== is deep and does not coerce', () => {
    expect(pyEquals({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
    expect(pyEquals('1', 1)).toBe(false);
    expect(pyEquals(true, 1)).toBe(true);
    expect(pyEquals(undefined, null)).toBe(true);
  });

  it('in and ordering', () => {
    expect(pyIn({ a: 1 }, [{ a: 1 }])).toBe(true);
    expect(pyIn('toString', {})).toBe(false);
    expect(() => pyIn('a', null)).toThrow("argument of type 'NoneType' is not iterable");
    expect(pyCompare([1, 2], [1, 3])).toBe(-1);
    expect(() => pyCompare(1, 'a')).toThrow('cannot compare int with str');
  });
});
