// Ported from st2's st2common/tests/unit/test_operators.py, plus Python type-error cases.
import { describe, expect, it } from 'vitest';
import type { CriterionSpec } from '../../engine/model/rule.ts';
import { getOperator, OPERATORS, UnrecognizedConditionError } from '../../engine/rules/operators.ts';
import type { PayloadLookup } from '../../engine/rules/payload-lookup.ts';

const b = (s: string) => new TextEncoder().encode(s);
const op = (name: string) => getOperator(name);
const nowIso = () => new Date().toISOString().replace('Z', '');

describe('get_operator', () => {
  it('is case-insensitive and returns the same function', () => {
    expect(op('equals')).toBe(op('EQUALS'));
    expect(op('Equals')).toBe(op('equals'));
    expect(op('MATCHREGEX')('v1', 'v1$')).toBe(true);
    expect(op('MATCHregex')('v1', 'v1$')).toBe(true);
  });
  it('rejects unknown operators with st2 wording', () => {
    expect(() => op('weird')).toThrow('Invalid operator: weird');
    expect(() => op('WEIRD')).toThrow('Invalid operator: weird');
  });
  it('has every st2 name and alias', () => {
    const names = [
      'matchwildcard',
      'matchregex',
      'regex',
      'iregex',
      'eq',
      'equals',
      'neq',
      'nequals',
      'ieq',
      'iequals',
      'contains',
      'icontains',
      'ncontains',
      'incontains',
      'startswith',
      'istartswith',
      'endswith',
      'iendswith',
      'lt',
      'lessthan',
      'gt',
      'greaterthan',
      'td_lt',
      'timediff_lt',
      'td_gt',
      'timediff_gt',
      'exists',
      'nexists',
      'inside',
      'in',
      'ninside',
      'nin',
      'search',
    ];
    expect(Object.keys(OPERATORS).sort()).toEqual([...names].sort());
    expect(op('eq')).toBe(op('equals'));
    expect(op('in')).toBe(op('inside'));
    expect(op('nin')).toBe(op('ninside'));
    expect(op('td_lt')).toBe(op('timediff_lt'));
  });
});

describe('search', () => {
  type Call = { k: string; v: CriterionSpec; item: unknown };
  const recorder = (decide: (n: number) => boolean) => {
    const calls: Call[] = [];
    const fn = (k: string, v: CriterionSpec, lookup: PayloadLookup) => {
      calls.push({
        k,
        v,
        item: {
          field_name: lookup.getValue('item.field_name')![0],
          to_value: lookup.getValue('item.to_value')![0],
        },
      });
      return decide(calls.length);
    };
    return { calls, fn };
  };
  const statusPattern = {
    'item.field_name': { type: 'equals', pattern: 'Status' },
    'item.to_value': { type: 'equals', pattern: 'Approved' },
  };

  it('rejects an unknown condition', () => {
    expect(() => op('search')([], [], 'weird', () => true)).toThrow(UnrecognizedConditionError);
    expect(() => op('search')([], {}, 'weird', () => true)).toThrow(
      "The 'weird' condition is not recognized",
    );
  });

  it('any: true, and every (item, criterion) pair is checked', () => {
    const { calls, fn } = recorder((n) => n < 3);
    const payload = [
      { field_name: 'Status', to_value: 'Approved' },
      { field_name: 'Assigned to', to_value: 'Stanley' },
    ];
    expect(op('search')(payload, statusPattern, 'any', fn)).toBe(true);
    expect(calls.map((c) => [c.k, c.item])).toEqual([
      ['item.field_name', payload[0]],
      ['item.to_value', payload[0]],
      ['item.field_name', payload[1]],
      ['item.to_value', payload[1]],
    ]);
    expect(calls[0]!.v).toEqual({ type: 'equals', pattern: 'Status' });
  });

  it('any: false', () => {
    const { calls, fn } = recorder((n) => n % 2 === 0);
    const payload = [
      { field_name: 'Status', to_value: 'Denied' },
      { field_name: 'Assigned to', to_value: 'Stanley' },
    ];
    expect(op('search')(payload, statusPattern, 'any', fn)).toBe(false);
    expect(calls).toHaveLength(4);
  });

  it('all: false', () => {
    const { calls, fn } = recorder((n) => n % 2 === 0);
    const payload = [
      { field_name: 'Status', to_value: 'Approved' },
      { field_name: 'Assigned to', to_value: 'Stanley' },
    ];
    expect(op('search')(payload, statusPattern, 'all', fn)).toBe(false);
    expect(calls).toHaveLength(4);
  });

  it('all: true', () => {
    const { calls, fn } = recorder(() => true);
    const payload = [
      { field_name: 'Status', to_value: 'Approved' },
      { field_name: 'Signed off by', to_value: 'Approved' },
    ];
    const pattern = {
      'item.field_name': { type: 'startswith', pattern: 'S' },
      'item.to_value': { type: 'equals', pattern: 'Approved' },
    };
    expect(op('search')(payload, pattern, 'all', fn)).toBe(true);
    expect(calls.map((c) => c.k)).toEqual([
      'item.field_name',
      'item.to_value',
      'item.field_name',
      'item.to_value',
    ]);
  });

  // st2's _test_function: applies the criterion to item.to_value whatever the key says.
  const testFunction = (_k: string, v: CriterionSpec, lookup: PayloadLookup) =>
    op(v.type)(lookup.getValue('item.to_value')![0], v.pattern);

  it('any2any: some item matches some criterion', () => {
    const payload = [
      { field_name: 'waterLevel', to_value: 30 },
      { field_name: 'waterLevel', to_value: 45 },
    ];
    const pattern = {
      'item.waterLevel#1': { type: 'lessthan', pattern: 40 },
      'item.waterLevel#2': { type: 'greaterthan', pattern: 50 },
    };
    expect(op('search')(payload, pattern, 'any2any', testFunction)).toBe(true);
    payload[0]!.to_value = 44;
    expect(op('search')(payload, pattern, 'any2any', testFunction)).toBe(false);
  });

  it('any: some item matches every criterion', () => {
    const payload = [
      { field_name: 'waterLevel', to_value: 45 },
      { field_name: 'waterLevel', to_value: 20 },
    ];
    const pattern: Record<string, CriterionSpec> = {
      'item.waterLevel#1': { type: 'greaterthan', pattern: 40 },
      'item.waterLevel#2': { type: 'lessthan', pattern: 50 },
      'item.waterLevel#3': { type: 'equals', pattern: 46 },
    };
    expect(op('search')(payload, pattern, 'any', testFunction)).toBe(false);
    payload[0]!.to_value = 46;
    expect(op('search')(payload, pattern, 'any', testFunction)).toBe(true);
    payload[0]!.to_value = 45;
    delete pattern['item.waterLevel#3'];
    expect(op('search')(payload, pattern, 'any', testFunction)).toBe(true);
  });

  it('all2any: every item matches some criterion', () => {
    const payload = [
      { field_name: 'waterLevel', to_value: 45 },
      { field_name: 'waterLevel', to_value: 20 },
    ];
    const pattern: Record<string, CriterionSpec> = {
      'item.waterLevel#1': { type: 'greaterthan', pattern: 40 },
      'item.waterLevel#2': { type: 'lessthan', pattern: 50 },
      'item.waterLevel#3': { type: 'equals', pattern: 46 },
    };
    expect(op('search')(payload, pattern, 'all2any', testFunction)).toBe(true);
    pattern['item.waterLevel#2']!.type = 'greaterthan';
    expect(op('search')(payload, pattern, 'all2any', testFunction)).toBe(false);
  });

  it('all: every item matches every criterion', () => {
    const payload = [
      { field_name: 'waterLevel', to_value: 45 },
      { field_name: 'waterLevel', to_value: 46 },
    ];
    const pattern: Record<string, CriterionSpec> = {
      'item.waterLevel#1': { type: 'greaterthan', pattern: 40 },
      'item.waterLevel#2': { type: 'lessthan', pattern: 50 },
    };
    expect(op('search')(payload, pattern, 'all', testFunction)).toBe(true);
    payload[0]!.to_value = 30;
    expect(op('search')(payload, pattern, 'all', testFunction)).toBe(false);
    payload[0]!.to_value = 45;
    pattern['item.waterLevel#3'] = { type: 'equals', pattern: 46 };
    expect(op('search')(payload, pattern, 'all', testFunction)).toBe(false);
  });

  it('a dict payload is one item', () => {
    const payload = { field_name: 'waterLevel', to_value: 45 };
    const pattern: Record<string, CriterionSpec> = {
      'item.waterLevel#1': { type: 'greaterthan', pattern: 40 },
      'item.waterLevel#2': { type: 'lessthan', pattern: 50 },
    };
    expect(op('search')(payload, pattern, 'all', testFunction)).toBe(true);
    payload.to_value = 30;
    expect(op('search')(payload, pattern, 'all', testFunction)).toBe(false);
    payload.to_value = 45;
    pattern['item.waterLevel#3'] = { type: 'equals', pattern: 46 };
    expect(op('search')(payload, pattern, 'all', testFunction)).toBe(false);
  });

  it('empty list: all is true, any is false (Python any/all)', () => {
    expect(op('search')([], statusPattern, 'all', () => false)).toBe(true);
    expect(op('search')([], statusPattern, 'any', () => true)).toBe(false);
  });

  it('a non-iterable value is a TypeError', () => {
    expect(() => op('search')(null, statusPattern, 'any', () => true)).toThrow(
      "'NoneType' object is not iterable",
    );
    expect(() => op('search')(5, statusPattern, 'any', () => true)).toThrow("'int' object is not iterable");
  });
});

describe('string and comparison operators (st2 OperatorTest)', () => {
  it('matchwildcard', () => {
    const f = op('matchwildcard');
    expect(f('v1', 'v1')).toBe(true);
    expect(f('test foo test', 'foo')).toBe(false);
    expect(f('test foo test', '*foo*')).toBe(true);
    expect(f('bar', 'b*r')).toBe(true);
    expect(f('bar', 'b?r')).toBe(true);
    expect(f(b('bar'), 'b?r')).toBe(true);
    expect(f('bar', b('b?r'))).toBe(true);
    expect(f(b('bar'), b('b?r'))).toBe(true);
    expect(f('1', null)).toBe(false);
    // fnmatch character classes and whole-string matching
    expect(f('bar', 'b[ae]r')).toBe(true);
    expect(f('bir', 'b[!ae]r')).toBe(true);
    expect(f('bar', 'b[!ae]r')).toBe(false);
    expect(f('a.b', 'a?b')).toBe(true);
    expect(f('a\nb', 'a*b')).toBe(true);
    expect(f('barx', 'bar')).toBe(false);
    expect(f('[x', '[x')).toBe(true);
    expect(() => f(5, '*')).toThrow('expected str, bytes or os.PathLike object, not int');
  });

  it('matchregex: anchored at the start, DOTALL', () => {
    const f = op('matchregex');
    expect(f('v1', 'v1$')).toBe(true);
    const multi = 'ponies\n        moar\n        foo\n        bar\n        yeah!\n        ';
    expect(f(multi, '.*bar.*')).toBe(true);
    expect(f('foo\r\nponies\nbar\nfooooo', '.*ponies.*')).toBe(true);
    expect(f(b('foo ponies bar'), '.*ponies.*')).toBe(true);
    expect(f('foo ponies bar', b('.*ponies.*'))).toBe(true);
    expect(f(b('foo ponies bar'), b('.*ponies.*'))).toBe(true);
    expect(f('v1_foo', 'v1$')).toBe(false);
    expect(f('1', null)).toBe(false);
    expect(f('xv1', 'v1')).toBe(false); // re.match, not re.search
    expect(f('v1x', 'v1')).toBe(true);
    expect(f('v1x', 'v1')).toBe(true); // repeated use of the cached sticky regex
  });

  it('regex: re.search, case-sensitive', () => {
    const f = op('regex');
    expect(f('v1', 'v1$')).toBe(true);
    expect(f('fooponiesbarfooooo', 'ponies')).toBe(true);
    expect(f('apple ponies oranges', '(ponies|unicorns)')).toBe(true);
    expect(f('apple unicorns oranges', '(ponies|unicorns)')).toBe(true);
    expect(f(b('apples unicorns oranges'), '(ponies|unicorns)')).toBe(true);
    expect(f('apples unicorns oranges', b('(ponies|unicorns)'))).toBe(true);
    expect(f(b('apples unicorns oranges'), b('(ponies|unicorns)'))).toBe(true);
    expect(f('apple unicorns oranges', '(pikachu|snorlax|charmander)')).toBe(false);
    expect(f('v1_foo', 'v1$')).toBe(false);
    expect(f('fooPONIESbarfooooo', 'ponies')).toBe(false);
    expect(f('1', null)).toBe(false);
    // Python syntax goes through the translator
    expect(f('id=42', '(?P<n>\\d+)')).toBe(true);
    expect(f('abc\n', 'abc$')).toBe(true); // Python $ also matches before a final newline
  });

  it('iregex', () => {
    const f = op('iregex');
    expect(f('V1', 'v1$')).toBe(true);
    expect(f('fooPONIESbarfooooo', 'ponies')).toBe(true);
    expect(f(b('fooPONIESbarfooooo'), 'ponies')).toBe(true);
    expect(f('fooPONIESbarfooooo', b('ponies'))).toBe(true);
    expect(f('V1_foo', 'v1$')).toBe(false);
    expect(f('1', null)).toBe(false);
  });

  it('regex type errors and bad patterns throw', () => {
    expect(() => op('regex')(5, 'x')).toThrow('expected string or bytes-like object');
    expect(() => op('regex')('x', 5)).toThrow('first argument must be string or compiled pattern');
    expect(() => op('regex')('x', '(')).toThrow();
    expect(() => op('regex')(null, 'x')).toThrow('expected string or bytes-like object');
  });

  it('equals', () => {
    const f = op('equals');
    expect(f(1, 1)).toBe(true);
    expect(f('1', '1')).toBe(true);
    expect(f('', '')).toBe(true);
    expect(f(b('1'), '1')).toBe(true);
    expect(f('1', b('1'))).toBe(true);
    expect(f(b('1'), b('1'))).toBe(true);
    expect(f('1', '2')).toBe(false);
    expect(f('1', null)).toBe(false);
    expect(f(null, null)).toBe(false);
    // Python equality: no str/number coercion, 1 == 1.0 == True, deep lists/dicts
    expect(f(1, '1')).toBe(false);
    expect(f('1', 1)).toBe(false);
    expect(f(1, 1.0)).toBe(true);
    expect(f(true, 1)).toBe(true);
    expect(f(false, 0)).toBe(true);
    expect(f(true, 'True')).toBe(false);
    expect(f([1, { a: [2] }], [1, { a: [2] }])).toBe(true);
    expect(f([1, 2], [2, 1])).toBe(false);
    expect(f({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(f({ a: 1 }, { a: 1, b: 2 })).toBe(false);
  });

  it('nequals has no null guard', () => {
    const f = op('nequals');
    expect(f('foo', 'bar')).toBe(true);
    expect(f('foo', 'foo1')).toBe(true);
    expect(f('foo', 'FOO')).toBe(true);
    expect(f('True', true)).toBe(true);
    expect(f('None', null)).toBe(true);
    expect(f('True', 'True')).toBe(false);
    expect(f(null, null)).toBe(false);
    expect(op('neq')(1, 1.0)).toBe(false);
  });

  it('iequals', () => {
    const f = op('iequals');
    expect(f('ABC', 'ABC')).toBe(true);
    expect(f('ABC', 'abc')).toBe(true);
    expect(f('AbC', 'aBc')).toBe(true);
    expect(f(b('AbC'), 'aBc')).toBe(true);
    expect(f('AbC', b('aBc'))).toBe(true);
    expect(f(b('AbC'), b('aBc'))).toBe(true);
    expect(f('ABC', 'BCA')).toBe(false);
    expect(f('1', null)).toBe(false);
    expect(() => f(1, '1')).toThrow("'int' object has no attribute 'lower'");
    expect(op('ieq')('X', 'x')).toBe(true);
  });

  it('contains / ncontains', () => {
    const c = op('contains');
    for (const s of [
      'hasystack needle haystack',
      'needle',
      'needlehaystack',
      'needle haystack',
      'haystackneedle',
      'haystack needle',
    ]) {
      expect(c(s, 'needle')).toBe(true);
    }
    expect(c(b('haystack needle'), 'needle')).toBe(true);
    expect(c('haystack needle', b('needle'))).toBe(true);
    expect(c('hasystack needl haystack', 'needle')).toBe(false);
    expect(c('needla', 'needle')).toBe(false);
    expect(c('1', null)).toBe(false);
    // lists and dicts: Python `in`
    expect(c(['a', 'b'], 'a')).toBe(true);
    expect(c([1, 2], 2.0)).toBe(true);
    expect(c([[1]], [1])).toBe(true);
    expect(c({ key: 1 }, 'key')).toBe(true);
    expect(c({ key: 1 }, 'nokey')).toBe(false);
    expect(() => c('abc', 1)).toThrow("'in <string>' requires string as left operand, not int");
    expect(() => c(null, 'a')).toThrow("argument of type 'NoneType' is not iterable");
    expect(() => c(5, 'a')).toThrow("argument of type 'int' is not iterable");
    expect(() => c({ a: 1 }, ['a'])).toThrow("unhashable type: 'list'");

    const n = op('ncontains');
    for (const [v, p] of [
      ['hasystack needle haystack', 'foo'],
      ['needle', 'foo'],
      ['needlehaystack', 'needlex'],
      ['needle haystack', 'needlex'],
      ['haystackneedle', 'needlex'],
      ['haystack needle', 'needlex'],
    ]) {
      expect(n(v, p)).toBe(true);
    }
    expect(n(b('haystack needle'), 'needlex')).toBe(true);
    expect(n('hasystack needle haystack', 'needle')).toBe(false);
    expect(n('needla', 'needla')).toBe(false);
    expect(n('1', null)).toBe(false);
    expect(n(['a'], 'b')).toBe(true);
  });

  it('icontains / incontains', () => {
    const c = op('icontains');
    expect(c('hasystack nEEdle haystack', 'needle')).toBe(true);
    expect(c('neeDle', 'NeedlE')).toBe(true);
    expect(c('needlehaystack', 'needle')).toBe(true);
    expect(c('NEEDLE haystack', 'NEEDLE')).toBe(true);
    expect(c('haystackNEEDLE', 'needle')).toBe(true);
    expect(c('haystack needle', 'NEEDLE')).toBe(true);
    expect(c(b('haystack needle'), 'NEEDLE')).toBe(true);
    expect(c('haystack needle', b('NEEDLE'))).toBe(true);
    expect(c('hasystack needl haystack', 'needle')).toBe(false);
    expect(c('needla', 'needle')).toBe(false);
    expect(c('1', null)).toBe(false);
    expect(() => c(['a'], 'a')).toThrow("'list' object has no attribute 'lower'");

    const n = op('incontains');
    expect(n('hasystack needle haystack', 'FOO')).toBe(true);
    expect(n('needle', 'FOO')).toBe(true);
    expect(n('needlehaystack', 'needlex')).toBe(true);
    expect(n('hasystack needle haystack', 'nEeDle')).toBe(false);
    expect(n('needlA', 'needlA')).toBe(false);
    expect(n('1', null)).toBe(false);
  });

  it('startswith / istartswith', () => {
    const s = op('startswith');
    expect(s('hasystack needle haystack', 'hasystack')).toBe(true);
    expect(s('a hasystack needle haystack', 'a ')).toBe(true);
    expect(s(b('haystack needle'), 'haystack')).toBe(true);
    expect(s('haystack needle', b('haystack'))).toBe(true);
    expect(s('hasystack needle haystack', 'needle')).toBe(false);
    expect(s('a hasystack needle haystack', 'haystack')).toBe(false);
    expect(s('1', null)).toBe(false);
    expect(() => s(1, '1')).toThrow("'int' object has no attribute 'startswith'");
    expect(() => s('1', 1)).toThrow('startswith first arg must be str or a tuple of str, not int');

    const i = op('istartswith');
    expect(i('haystack needle haystack', 'HAYstack')).toBe(true);
    expect(i('HAYSTACK needle haystack', 'haystack')).toBe(true);
    expect(i(b('HAYSTACK needle haystack'), 'haystack')).toBe(true);
    expect(i('hasystack needle haystack', 'NEEDLE')).toBe(false);
    expect(i('a hasystack needle haystack', 'haystack')).toBe(false);
    expect(i('1', null)).toBe(false);
  });

  it('endswith / iendswith', () => {
    const e = op('endswith');
    expect(e('hasystack needle haystackend', 'haystackend')).toBe(true);
    expect(e('a hasystack needle haystack b', 'b')).toBe(true);
    expect(e(b('a hasystack needle haystack b'), 'b')).toBe(true);
    expect(e('a hasystack needle haystack b', b('b'))).toBe(true);
    expect(e('hasystack needle haystackend', 'haystack')).toBe(false);
    expect(e('a hasystack needle haystack', 'a')).toBe(false);
    expect(e('1', null)).toBe(false);

    const i = op('iendswith');
    expect(i('haystack needle haystackEND', 'HAYstackend')).toBe(true);
    expect(i('HAYSTACK needle haystackend', 'haystackEND')).toBe(true);
    expect(i('hasystack needle haystack', 'NEEDLE')).toBe(false);
    expect(i('a hasystack needle haystack', 'a ')).toBe(false);
    expect(i('1', null)).toBe(false);
  });

  it('lessthan / greaterthan with Python ordering', () => {
    expect(op('lessthan')(1, 2)).toBe(true);
    expect(op('lessthan')('a', 'b')).toBe(true);
    expect(op('lessthan')(1, 1)).toBe(false);
    expect(op('lessthan')('1', null)).toBe(false);
    expect(op('greaterthan')(2, 1)).toBe(true);
    expect(op('lessthan')('aba', 'bcb')).toBe(true);
    expect(op('greaterthan')(2, 3)).toBe(false);
    expect(op('greaterthan')('1', null)).toBe(false);
    expect(op('lt')(true, 2)).toBe(true);
    expect(op('gt')(2.5, 2)).toBe(true);
    expect(op('lt')('10', '9')).toBe(true); // lexicographic
    expect(op('lt')([1, 2], [1, 3])).toBe(true);
    expect(op('gt')([1, 2, 0], [1, 2])).toBe(true);
    expect(op('lt')('\uffff', '\u{1F600}')).toBe(true); // code points, not UTF-16 units
  });

  it('lessthan / greaterthan raise TypeError on mixed types', () => {
    expect(() => op('lt')('1', 2)).toThrow("'<' not supported between instances of 'str' and 'int'");
    expect(() => op('gt')(null, 2)).toThrow("'>' not supported between instances of 'NoneType' and 'int'");
    expect(() => op('gt')({ a: 1 }, { a: 1 })).toThrow(
      "'>' not supported between instances of 'dict' and 'dict'",
    );
    expect(() => op('lt')(1.5, 'x')).toThrow("'<' not supported between instances of 'float' and 'str'");
    expect(() => op('lt')([1], [''])).toThrow("'<' not supported between instances of 'int' and 'str'");
  });

  it('timediff_lt / timediff_gt', () => {
    expect(op('timediff_lt')(nowIso(), 10)).toBe(true);
    expect(op('timediff_lt')('2014-07-01T00:01:01.000000', 10)).toBe(false);
    expect(op('timediff_lt')('2014-07-01T00:01:01.000000', null)).toBe(false);
    expect(op('timediff_lt')(nowIso(), '10')).toBe(true);
    expect(op('timediff_lt')('2014-07-01T00:01:01.000000', '10')).toBe(false);
    expect(op('timediff_gt')('2014-07-01T00:01:01.000000', 1)).toBe(true);
    expect(op('timediff_gt')(nowIso(), 10)).toBe(false);
    expect(op('timediff_gt')('2014-07-01T00:01:01.000000', null)).toBe(false);
    expect(op('timediff_gt')('2014-07-01T00:01:01.000000', '1')).toBe(true);
    expect(op('timediff_gt')(nowIso(), '10')).toBe(false);
    // offsets and Z are honoured; naive times are UTC
    const oneHourAgo = new Date(Date.now() - 3600_000);
    expect(op('td_gt')(oneHourAgo.toISOString(), 3000)).toBe(true);
    expect(op('td_lt')(oneHourAgo.toISOString(), 3000)).toBe(false);
    const plus2 = new Date(oneHourAgo.getTime() + 2 * 3600_000).toISOString().replace('Z', '+02:00');
    expect(op('td_gt')(plus2, 3000)).toBe(true);
    expect(() => op('td_lt')('not a date', 10)).toThrow('Unknown string format: not a date');
    expect(() => op('td_lt')(5, 10)).toThrow('Parser must be a string or character stream, not int');
    expect(() => op('td_lt')(nowIso(), 'ten')).toThrow("could not convert string to float: 'ten'");
  });

  it('exists / nexists', () => {
    expect(op('exists')(false, null)).toBe(true);
    expect(op('exists')(1, null)).toBe(true);
    expect(op('exists')('foo', null)).toBe(true);
    expect(op('exists')('', null)).toBe(true);
    expect(op('exists')(null, null)).toBe(false);
    expect(op('nexists')(false, null)).toBe(false);
    expect(op('nexists')(1, null)).toBe(false);
    expect(op('nexists')('foo', null)).toBe(false);
    expect(op('nexists')(null, null)).toBe(true);
  });

  it('inside / ninside', () => {
    const i = op('inside');
    expect(i('a', null)).toBe(false);
    expect(i('a', 'bcd')).toBe(false);
    expect(i('a', 'abc')).toBe(true);
    expect(i(b('a'), 'abc')).toBe(true);
    expect(i('a', b('abc'))).toBe(true);
    expect(i(b('a'), b('abc'))).toBe(true);
    expect(i(2, [1, 2, 3])).toBe(true);
    expect(i('2', [1, 2, 3])).toBe(false);
    expect(op('in')('x', ['x'])).toBe(true);
    const n = op('ninside');
    expect(n('a', null)).toBe(false);
    expect(n('a', 'abc')).toBe(false);
    expect(n('a', 'bcd')).toBe(true);
    expect(op('nin')(4, [1, 2, 3])).toBe(true);
    expect(() => i(1, 'abc')).toThrow("'in <string>' requires string as left operand, not int");
  });
});
