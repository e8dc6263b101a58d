/**
 * st2's expression functions (st2common/expressions/functions/*.py). Expected values come from the Python
 * implementations (json.dumps, yaml.safe_dump, os.path, re, semver, the time helper) run on the same input.
 */
import { describe, expect, it } from 'vitest';
import {
  ExpressionError,
  evaluate,
  st2Functions as f,
  makeKwargs,
  NONE_MAGIC_VALUE,
  renderTemplate,
} from '../../engine/expressions/index.ts';

describe('data functions', () => {
  it('to_json_string / json_dump use st2 separators (",", ": ") and ensure_ascii', () => {
    expect(f.to_json_string({ a: 1, b: [1, 2], c: 'é' })).toBe('{"a": 1,"b": [1,2],"c": "\\u00e9"}');
    expect(f.json_dump({ a: 1 })).toBe('{"a": 1}');
  });

  it('to_json_string honours indent and sort_keys (positional or keyword)', () => {
    expect(f.to_json_string({ b: [1, 2], a: 1 }, 2, true)).toBe(
      '{\n  "a": 1,\n  "b": [\n    1,\n    2\n  ]\n}',
    );
    expect(f.to_json_string({ b: 1, a: 1 }, makeKwargs({ sort_keys: true }))).toBe('{"a": 1,"b": 1}');
  });

  it('a dict passed positionally is data, not keyword arguments', () => {
    expect(f.to_json_string({ indent: 4 })).toBe('{"indent": 4}');
  });

  it('from_json_string / json_parse', () => {
    expect(f.from_json_string('{"a": [1, null]}')).toEqual({ a: [1, null] });
    expect(f.json_parse('[true]')).toEqual([true]);
    expect(() => f.from_json_string('{nope')).toThrow(ExpressionError);
  });

  it('to_yaml_string / yaml_dump match PyYAML safe_dump(default_flow_style=False)', () => {
    const value = {
      b: [1, 'a b', { x: 1 }],
      a: 'yes',
      c: null,
      d: '1.0',
      e: 'multi\nline',
      f: true,
      g: '',
      h: 'x: y',
    };
    expect(f.to_yaml_string(value)).toBe(
      "a: 'yes'\nb:\n- 1\n- a b\n- x: 1\nc: null\nd: '1.0'\ne: 'multi\n\n  line'\nf: true\ng: ''\nh: 'x: y'\n",
    );
    expect(f.yaml_dump(['a', 'b'])).toBe('- a\n- b\n');
    expect(f.to_yaml_string('abc')).toBe('abc\n...\n');
  });

  it('from_yaml_string / yaml_parse use YAML 1.1 (yes is true)', () => {
    expect(f.from_yaml_string('a: yes\nb: [1, 2]\n')).toEqual({ a: true, b: [1, 2] });
    expect(f.yaml_parse('')).toBeNull();
  });

  it('json_escape strips the surrounding quotes of json.dumps', () => {
    expect(f.json_escape('say "hi"\n')).toBe('say \\"hi\\"\\n');
  });

  it('to_complex is json.dumps with default separators', () => {
    expect(f.to_complex({ a: [1, { b: null }] })).toBe('{"a": [1, {"b": null}]}');
  });

  it('jsonpath_query returns the list of matches, or None', () => {
    const doc = {
      people: [
        { name: 'a', tags: ['x'] },
        { name: 'b', tags: [] },
      ],
      meta: { count: 2 },
    };
    expect(f.jsonpath_query(doc, 'people[*].name')).toEqual(['a', 'b']);
    expect(f.jsonpath_query(doc, '$.people[1].name')).toEqual(['b']);
    expect(f.jsonpath_query(doc, '$..count')).toEqual([2]);
    expect(f.jsonpath_query(doc, 'meta.missing')).toBeNull();
    expect(f.jsonpath_query({ m: { 'x.y': 1 } }, "m.'x.y'")).toEqual([1]);
    expect(f.jsonpath_query({ l: [1, 2, 3, 4] }, '$.l[1:3]')).toEqual([2, 3]);
    expect(f.jsonpath_query(doc, '$..name')).toEqual(['a', 'b']);
  });

  it(`use_none turns None into ${NONE_MAGIC_VALUE}`, () => {
    expect(f.use_none(null)).toBe('%*****__%NONE%__*****%');
    expect(f.use_none('x')).toBe('x');
  });
});

describe('regex functions', () => {
  it('regex_match is re.match: anchored at the start only', () => {
    expect(f.regex_match('v1.2.3', 'v\\d')).toBe(true);
    expect(f.regex_match('x v1', 'v\\d')).toBe(false);
    expect(f.regex_match('ABC', 'abc', true)).toBe(true);
    expect(f.regex_match('ABC', 'abc', makeKwargs({ ignorecase: true }))).toBe(true);
  });

  it('regex_search finds anywhere; non-strings are str()-ed', () => {
    expect(f.regex_search('x v1', 'v\\d')).toBe(true);
    expect(f.regex_search(12345, '234')).toBe(true);
  });

  it('regex_replace uses Python replacement syntax', () => {
    expect(f.regex_replace('bob@home x', '(\\w+)@(\\w+)', '\\2 at \\g<1>')).toBe('home at bob x');
    expect(f.regex_replace('a-b-c', '-', '+')).toBe('a+b+c');
    expect(f.regex_replace('k=v', '(?P<key>\\w+)=(?P<val>\\w+)', '\\g<val>=\\g<key>')).toBe('v=k');
  });

  it('regex_substring is re.findall(...)[result_index]', () => {
    expect(f.regex_substring('a1b22c333', '\\d+')).toBe('1');
    expect(f.regex_substring('a1b22c333', '(\\d+)', 2)).toBe('333');
    expect(() => f.regex_substring('abc', '\\d')).toThrow(/list index out of range/);
  });

  it('invalid patterns are ExpressionErrors', () => {
    expect(() => f.regex_match('x', '(')).toThrow(ExpressionError);
  });
});

describe('path functions (os.path)', () => {
  it.each([
    ['/a/b/c.txt', 'c.txt', '/a/b'],
    ['/a/b/', '', '/a/b'],
    ['c.txt', 'c.txt', ''],
    ['/', '', '/'],
    ['//x', 'x', '//'],
    ['/a//b', 'b', '/a'],
  ])('%s', (path, base, dir) => {
    expect(f.basename(path)).toBe(base);
    expect(f.dirname(path)).toBe(dir);
  });
});

describe('to_human_time_from_seconds', () => {
  it.each([
    [0, '0s'],
    [0.5, '0.5μs'],
    [59, '59s'],
    [65, '1m5s'],
    [3600, '1h0m0s'],
    [86400, '1d0h0m0s'],
    [90061, '1d1h1m1s'],
    // st2 reads the day of the month of datetime(1,1,1)+delta, so whole months disappear (kept on purpose).
    [3456000, '9d0h0m0s'],
    [34560000, '1y4d0h0m0s'],
    [1.6, '2s'],
    [59.5, '1m0s'],
  ])('%s → %s', (seconds, expected) => {
    expect(f.to_human_time_from_seconds(seconds)).toBe(expected);
  });

  it('rejects non-numbers', () => {
    expect(() => f.to_human_time_from_seconds('10')).toThrow(ExpressionError);
  });
});

describe('version functions (semver)', () => {
  it('compares', () => {
    expect(f.version_compare('1.2.3', '1.2.4')).toBe(-1);
    expect(f.version_compare('1.10.0', '1.9.0')).toBe(1);
    expect(f.version_compare('1.0.0', '1.0.0')).toBe(0);
    expect(f.version_compare('1.0.0-alpha', '1.0.0')).toBe(-1);
    expect(f.version_compare('1.0.0-alpha.2', '1.0.0-alpha.10')).toBe(-1);
    expect(f.version_more_than('2.0.0', '1.9.9')).toBe(true);
    expect(f.version_less_than('2.0.0', '1.9.9')).toBe(false);
    expect(f.version_equal('1.0.0+build', '1.0.0')).toBe(true);
  });

  it('matches expressions', () => {
    expect(f.version_match('1.2.3', '>=1.2.0')).toBe(true);
    expect(f.version_match('1.2.3', '<1.2.0')).toBe(false);
    expect(f.version_match('1.2.3', '!=1.2.3')).toBe(false);
    expect(() => f.version_match('1.2.3', '~1.2.3')).toThrow(/match_expr/);
  });

  it('bumps and strips', () => {
    expect(f.version_bump_major('1.2.3')).toBe('2.0.0');
    expect(f.version_bump_minor('1.2.3')).toBe('1.3.0');
    expect(f.version_bump_patch('1.2.3-rc.1')).toBe('1.2.4');
    expect(f.version_strip_patch('1.2.3')).toBe('1.2');
  });

  it('rejects invalid versions', () => {
    expect(() => f.version_compare('1.2', '1.2.0')).toThrow('1.2 is not valid SemVer string');
  });
});

describe('decrypt_kv and shell_quote', () => {
  it('decrypt_kv calls the context-provided __decrypt_kv', () => {
    const out = renderTemplate('{{ secret | decrypt_kv }}', {
      secret: 'enc',
      __decrypt_kv: (v: unknown) => `plain(${v})`,
    });
    expect(out).toBe('plain(enc)');
  });

  it('decrypt_kv without a datastore key fails clearly', () => {
    expect(() => renderTemplate('{{ secret | decrypt_kv }}', { secret: 'enc' })).toThrow(
      'decrypt_kv: no datastore key is available here',
    );
  });

  it('shell_quote makes one shell word', () => {
    expect(f.shell_quote("it's; rm -rf /")).toBe("'it'\\''s; rm -rf /'");
    expect(f.shell_quote(['a b', 'c'])).toBe("'a b' c");
    expect(renderTemplate('echo {{ msg | shell_quote }}', { msg: '$(id)' })).toBe("echo '$(id)'");
  });
});

describe('functions from both languages', () => {
  it('are Jinja filters and globals, and YAQL functions', () => {
    expect(renderTemplate('{{ "1.2.3" | version_bump_minor }} {{ version_bump_minor("1.2.3") }}', {})).toBe(
      '1.3.0 1.3.0',
    );
    expect(evaluate('<% version_bump_minor("1.2.3") %>', { data: {} })).toBe('1.3.0');
    expect(evaluate('<% "1.2.3".version_bump_minor() %>', { data: {} })).toBe('1.3.0');
    expect(evaluate('<% regex_substring("a1b22", "\\d+", 1) %>', { data: {} })).toBe('22');
    expect(evaluate('{{ to_json_string(x, sort_keys=true) }}', { data: { x: { b: 1, a: 2 } } })).toBe(
      '{"a": 2,"b": 1}',
    );
  });
});
