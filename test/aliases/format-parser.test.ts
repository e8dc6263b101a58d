import { describe, expect, it } from 'vitest';
import {
  AliasFormatError,
  AliasParseError,
  compileFormat,
  normalizeCommand,
  parseCommand,
  parseCommandMultiple,
} from '../../aliases/format-parser.ts';

type Expected = Record<string, string> | { error: string };

/**
 * Every assertion of st2's st2common/tests/unit/test_action_alias_utils.py (TestActionAliasParser),
 * as [test name, format, command, expected].
 */
const ST2_PARSER_CASES: Array<[string, string, string | null, Expected]> = [
  ['test_empty_string', '', '', {}],
  ['test_arbitrary_pairs: single-word', '', 'a=foobar1', { a: 'foobar1' }],
  ['test_arbitrary_pairs: double-quoted', 'foo', 'foo a="foobar2 poonies bar"', { a: 'foobar2 poonies bar' }],
  ['test_arbitrary_pairs: single-quoted', 'foo', "foo a='foobar2 poonies bar'", { a: 'foobar2 poonies bar' }],
  ['test_arbitrary_pairs: JSON', 'foo', 'foo a={"foobar2": "poonies"}', { a: '{"foobar2": "poonies"}' }],
  [
    'test_arbitrary_pairs: mixed',
    '',
    `a=foobar1 b="boobar2 3 4" c='coobar3 4' d={"a": "b"}`,
    { a: 'foobar1', b: 'boobar2 3 4', c: 'coobar3 4', d: '{"a": "b"}' },
  ],
  [
    'test_arbitrary_pairs: with a format',
    '{{ captain }} is my captain',
    'Malcolm Reynolds is my captain weirdo="River Tam"',
    { captain: 'Malcolm Reynolds', weirdo: 'River Tam' },
  ],
  [
    'test_simple_parsing',
    'skip {{a}} more skip {{b}} and skip more.',
    'skip a1 more skip b1 and skip more.',
    { a: 'a1', b: 'b1' },
  ],
  ['test_end_string_parsing', 'skip {{a}} more skip {{b}}', 'skip a1 more skip b1', { a: 'a1', b: 'b1' }],
  [
    'test_spaced_parsing',
    'skip {{a}} more skip {{b}} and skip more.',
    'skip "a1 a2" more skip b1 and skip more.',
    { a: 'a1 a2', b: 'b1' },
  ],
  [
    'test_default_values',
    'acl {{a}} {{b}} {{c}} {{d=1}}',
    'acl "a1 a2" "b1" "c1"',
    { a: 'a1 a2', b: 'b1', c: 'c1', d: '1' },
  ],
  ['test_spacing', 'acl {{a=test}}', 'acl', { a: 'test' }],
  [
    'test_json_parsing',
    'skip {{a}} more skip.',
    'skip {"a": "b", "c": "d"} more skip.',
    { a: '{"a": "b", "c": "d"}' },
  ],
  [
    'test_mixed_parsing',
    'skip {{a}} more skip {{b}}.',
    'skip {"a": "b", "c": "d"} more skip x.',
    { a: '{"a": "b", "c": "d"}', b: 'x' },
  ],
  [
    'test_param_spaces',
    's {{a}} more {{ b }} more {{ c=99 }} more {{ d = 99 }}',
    's one more two more three more',
    { a: 'one', b: 'two', c: 'three', d: '99' },
  ],
  ['test_enclosed_defaults: given', 'skip {{ a = value }} more', 'skip one more', { a: 'one' }],
  ['test_enclosed_defaults: default', 'skip {{ a = value }} more', 'skip more', { a: 'value' }],
  [
    'test_template_defaults',
    'two by two hands of {{ color = {{ colors.default_color }} }}',
    'two by two hands of',
    { color: '{{ colors.default_color }}' },
  ],
  [
    'test_key_value_combinations: one extra',
    'testing {{ a }}',
    'testing value b=value2',
    { a: 'value', b: 'value2' },
  ],
  [
    'test_key_value_combinations: default + quoted extra',
    'testing {{ a=new }}',
    'testing b="another value"',
    { a: 'new', b: 'another value' },
  ],
  [
    'test_key_value_combinations: several',
    'testing {{ b=abc }} {{ c=xyz }}',
    'testing newvalue d={"1": "2"} e="long value"',
    { b: 'newvalue', c: 'xyz', d: '{"1": "2"}', e: 'long value' },
  ],
  [
    'test_stream_is_none_with_all_default_values',
    'skip {{d=test1}} more skip {{e=test1}}.',
    'skip more skip',
    { d: 'test1', e: 'test1' },
  ],
  [
    'test_stream_is_not_none_some_default_values',
    'skip {{d=test}} more skip {{e=test}}',
    'skip ponies more skip',
    { d: 'ponies', e: 'test' },
  ],
  [
    'test_stream_is_none_no_default_values',
    'skip {{d}} more skip {{e}}.',
    null,
    { error: `Command "" doesn't match format string "skip {{d}} more skip {{e}}."` },
  ],
  [
    'test_all_the_things',
    "{{ p0='http' }} g {{ p1=p }} a {{ url }} {{ p2={'a':'b'} }} {{ p3={{ e.i }} }}",
    "g a http://google.com {{ execution.id }} p4='testing' p5={'a':'c'}",
    {
      p0: 'http',
      p1: 'p',
      url: 'http://google.com',
      p2: '{{ execution.id }}',
      p3: '{{ e.i }}',
      p4: 'testing',
      p5: "{'a':'c'}",
    },
  ],
  [
    'test_command_doesnt_match_format_string',
    'foo bar ponies',
    'foo lulz ponies',
    { error: `Command "foo lulz ponies" doesn't match format string "foo bar ponies"` },
  ],
  [
    'test_ending_parameters_matching',
    'foo bar',
    'foo bar pony1=foo pony2=bar',
    { pony1: 'foo', pony2: 'bar' },
  ],
  [
    'test_regex_beginning_anchors',
    '^\\s*foo (?P<issue_key>[A-Z][A-Z0-9]+-[0-9]+)',
    'foo ASDF-1234',
    { issue_key: 'ASDF-1234' },
  ],
  [
    'test_regex_beginning_anchors_dont_match',
    '^\\s*foo (?P<issue_key>[A-Z][A-Z0-9]+-[0-9]+)',
    'bar foo ASDF-1234',
    {
      error: `Command "bar foo ASDF-1234" doesn't match format string "^\\s*foo (?P<issue_key>[A-Z][A-Z0-9]+-[0-9]+)"`,
    },
  ],
  [
    'test_regex_ending_anchors',
    'foo (?P<issue_key>[A-Z][A-Z0-9]+-[0-9]+)\\s*$',
    'foo ASDF-1234',
    { issue_key: 'ASDF-1234' },
  ],
  [
    'test_regex_ending_anchors_dont_match',
    'foo (?P<issue_key>[A-Z][A-Z0-9]+-[0-9]+)\\s*$',
    'foo ASDF-1234 bar',
    {
      error: `Command "foo ASDF-1234 bar" doesn't match format string "foo (?P<issue_key>[A-Z][A-Z0-9]+-[0-9]+)\\s*$"`,
    },
  ],
  [
    'test_regex_beginning_and_ending_anchors',
    '^\\s*foo (?P<issue_key>[A-Z][A-Z0-9]+-[0-9]+) bar\\s*$',
    'foo ASDF-1234 bar',
    { issue_key: 'ASDF-1234' },
  ],
  [
    'test_regex_beginning_and_ending_anchors_dont_match',
    '^\\s*foo (?P<issue_key>[A-Z][A-Z0-9]+-[0-9]+)\\s*$',
    'bar ASDF-1234',
    {
      error: `Command "bar ASDF-1234" doesn't match format string "^\\s*foo (?P<issue_key>[A-Z][A-Z0-9]+-[0-9]+)\\s*$"`,
    },
  ],
];

/** Behaviour described in the reference (§1–§2) and st2's docs, beyond its unit tests. */
const BEHAVIOUR_CASES: Array<[string, string, string, Expected]> = [
  ['docs: basic', 'run {{cmd}} on {{hosts}}', 'run date on localhost', { cmd: 'date', hosts: 'localhost' }],
  [
    'a pair in the middle is part of a value',
    'run {{cmd}} on {{hosts}}',
    'run a=b c on web1',
    { cmd: 'a=b c', hosts: 'web1' },
  ],
  [
    'lazy values split as far left as possible',
    'copy {{src}} {{dst}}',
    'copy a b c',
    { src: 'a', dst: 'b c' },
  ],
  [
    'quotes need not match',
    'run {{cmd}} on {{hosts}}',
    `run "uname -a' on web1`,
    { cmd: 'uname -a', hosts: 'web1' },
  ],
  ['quirk: set "" gives a lone quote', 'set {{a}}', 'set ""', { a: '"' }],
  ['literal "." is a regex metacharacter', 'skip {{e=test1}}.', 'skip', { e: 'test1' }],
  ['empty quoted extra is an empty string', 'foo', 'foo a="" b=\'\'', { a: '', b: '' }],
  [
    'JSON value captured whole',
    'set {{data}}',
    'set {"a": [1, 2], "b": "c d"}',
    { data: '{"a": [1, 2], "b": "c d"}' },
  ],
  ['multiline values (DOTALL)', 'note {{text}}', 'note line one\nline two', { text: 'line one\nline two' }],
  ['multiline quoted value', 'post {{msg}} to {{room}}', 'post "a\nb" to ops', { msg: 'a\nb', room: 'ops' }],
  [
    'unicode values',
    'say {{msg}} to {{who}}',
    'say héllo wörld 🌍 to 日本',
    { msg: 'héllo wörld 🌍', who: '日本' },
  ],
  ['unicode literal text', 'déployer {{app}}', 'déployer café', { app: 'café' }],
  ['leading/trailing whitespace ignored', 'run {{cmd}}', '   run ls   ', { cmd: 'ls' }],
  [
    'regex branch in a format',
    '(run|execute) {{cmd}}( on {{hosts=localhost}})?[!.]?',
    'execute ls!',
    { cmd: 'ls', hosts: 'localhost' },
  ],
  [
    'regex branch with optional part given',
    '(run|execute) {{cmd}}( on {{hosts=localhost}})?[!.]?',
    'run ls on web1',
    { cmd: 'ls', hosts: 'web1' },
  ],
  ['named group in a raw regex', 'ticket (?P<id>\\d+) (?:close|resolve)', 'ticket 42 resolve', { id: '42' }],
  ['Python \\w is unicode-aware', 'tag (?P<name>\\w+)', 'tag café', { name: 'café' }],
  ['inline ignore-case flag', '(?i)restart {{svc}}', 'RESTART nginx', { svc: 'nginx' }],
  ['quoted default', "fetch {{ proto='https' }}", 'fetch', { proto: 'https' }],
  ['double-quoted default', 'fetch {{ proto="https" }}', 'fetch', { proto: 'https' }],
  ['empty default', 'fetch {{ proto="" }} now', 'fetch now', { proto: '' }],
  ['brace default kept verbatim', "cfg {{ p={'a':'b'} }}", 'cfg', { p: "{'a':'b'}" }],
  [
    'extras override format values',
    'somestuff {{a}} more stuff {{b}}',
    'somestuff ponies more stuff coobar b=foo',
    { a: 'ponies', b: 'foo' },
  ],
];

function check(format: string, command: string | null, expected: Expected, names?: ReadonlySet<string>) {
  if ('error' in expected && typeof expected.error === 'string' && Object.keys(expected).length === 1) {
    let caught: unknown;
    try {
      parseCommand(format, command, { actionParameterNames: names });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AliasParseError);
    expect((caught as Error).message).toBe(expected.error);
  } else {
    expect(parseCommand(format, command, { actionParameterNames: names })).toEqual(expected);
  }
}

describe('parseCommand: st2 parity (test_action_alias_utils.py)', () => {
  it.each(ST2_PARSER_CASES)('%s', (_name, format, command, expected) => check(format, command, expected));
});

describe('parseCommand: documented behaviour', () => {
  it.each(BEHAVIOUR_CASES)('%s', (_name, format, command, expected) => check(format, command, expected));

  it('is case-sensitive like st2 (no (?i))', () => {
    expect(() => parseCommand('restart {{svc}}', 'Restart nginx')).toThrow(AliasParseError);
  });

  it('raises "No value supplied" when a format matched a blank command and bound nothing', () => {
    let caught: unknown;
    try {
      parseCommand('(?:go)?(?P<x>now)?', '   ');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AliasParseError);
    expect((caught as AliasParseError).message).toBe('No value supplied and no default value found.');
    expect((caught as AliasParseError).reason).toBe('no_value');
    // A padded stream still gives `.+?` a space to take, as in st2.
    expect(parseCommand('{{a}}', '   ')).toEqual({ a: ' ' });
  });

  it('keeps values as data: templates in values are never rendered', () => {
    expect(parseCommand('echo {{msg}}', "echo {{ st2kv('system.secret') }}")).toEqual({
      msg: "{{ st2kv('system.secret') }}",
    });
  });

  it('reports an invalid format as AliasFormatError', () => {
    expect(() => parseCommand('deploy (oops {{a}}', 'deploy x')).toThrow(AliasFormatError);
    expect(() => parseCommand('do {{a}} and {{a}}', 'do x and y')).toThrow(/redefinition of group name/);
    expect(() => parseCommand('do {{a.b}}', 'do x')).toThrow(/bad character in group name/);
  });
});

describe('st2#5074: a trailing token containing "=" is not always an extra', () => {
  it('a quoted URL with a query string is a value, not a key=value pair', () => {
    expect(parseCommand('curl {{url}}', 'curl "https://x/?a=1"')).toEqual({ url: 'https://x/?a=1' });
  });

  it('an unquoted URL with a query string is a value', () => {
    expect(parseCommand('open {{url}}', 'open https://example.com/search?q=chatops&page=2')).toEqual({
      url: 'https://example.com/search?q=chatops&page=2',
    });
  });

  it('with the action parameter names, an unknown key stays in the command', () => {
    const names = new Set(['cmd', 'timeout']);
    expect(parseCommand('run {{cmd}}', 'run echo a=b', { actionParameterNames: names })).toEqual({
      cmd: 'echo a=b',
    });
    expect(parseCommand('run {{cmd}}', 'run echo a=b timeout=5', { actionParameterNames: names })).toEqual({
      cmd: 'echo a=b',
      timeout: '5',
    });
  });

  it('only the pairs after the last non-parameter token are extras', () => {
    const names = new Set(['url', 'timeout']);
    expect(
      parseCommand('fetch {{url}}', 'fetch "https://x/?a=1" timeout=5', { actionParameterNames: names }),
    ).toEqual({ url: 'https://x/?a=1', timeout: '5' });
  });

  it('without names, identifier-like keys are still extras (st2 behaviour)', () => {
    expect(parseCommand('run {{cmd}}', 'run echo a=b')).toEqual({ cmd: 'echo', a: 'b' });
  });
});

describe('chat normalisation', () => {
  it('turns smart quotes and non-breaking spaces into ASCII', () => {
    expect(normalizeCommand('run \u201cuname -a\u201d on\u00a0web1 \u2018x\u2019')).toBe(
      'run "uname -a" on web1 \'x\'',
    );
  });

  it.each([
    ['run \u201cls -la\u201d on web1', { cmd: 'ls -la', hosts: 'web1' }],
    ['run \u2018ls -la\u2019 on\u00a0web1', { cmd: 'ls -la', hosts: 'web1' }],
    ['run\u00a0ls on web1 ', { cmd: 'ls', hosts: 'web1' }],
  ])('%j', (command, expected) => {
    expect(parseCommand('run {{cmd}} on {{hosts}}', command)).toEqual(expected);
  });

  it('smart-quoted extras are unquoted too', () => {
    expect(parseCommand('deploy {{app}}', 'deploy web msg=\u201chello world\u201d')).toEqual({
      app: 'web',
      msg: 'hello world',
    });
  });

  it('error messages quote the command as the user typed it', () => {
    expect(() => parseCommand('foo', 'b\u201cx\u201d')).toThrow(
      'Command "b\u201cx\u201d" doesn\'t match format string "foo"',
    );
  });
});

describe('match_multiple (re.finditer)', () => {
  const format = '(?:\\b|^)duplicate of (?P<issue_key>[A-Z][A-Z0-9]+-[0-9]+)(?:\\b|$)';

  it('returns one parameter set per match, in order (st2 test_alias_execution)', () => {
    expect(
      parseCommandMultiple(
        format,
        'JKROWLING-4 is a duplicate of JRRTOLKIEN-24 which is a duplicate of DRSEUSS-12',
      ),
    ).toEqual([{ issue_key: 'JRRTOLKIEN-24' }, { issue_key: 'DRSEUSS-12' }]);
  });

  it('returns an empty list when nothing matches', () => {
    expect(parseCommandMultiple(format, 'nothing here')).toEqual([]);
  });
});

describe('compileFormat', () => {
  it('is cached by format string', () => {
    expect(compileFormat('deploy {{x}}')).toBe(compileFormat('deploy {{x}}'));
  });

  it('adds ^\\s* and \\s*$ only when the format has no anchors (st2 search_regex_tokens)', () => {
    expect(compileFormat('foo {{a}}').pythonSource.startsWith('^\\s*')).toBe(true);
    expect(compileFormat('foo {{a}}').pythonSource.endsWith('\\s*$')).toBe(true);
    expect(compileFormat('^\\s*foo').pythonSource).toBe('^\\s*foo\\s*$');
    expect(compileFormat('foo$').pythonSource).toBe('^\\s*foo$');
    // Anchors inside a group count; inside the SECOND alternative of a branch too (st2 reads rtoken[1][1]).
    expect(compileFormat('(?:^foo)').pythonSource).toBe('(?:^foo)\\s*$');
    expect(compileFormat('(?:\\b|^)x(?:\\b|$)').pythonSource).toBe('(?:\\b|^)x(?:\\b|$)');
    // ...but not in the first alternative, nor under a quantifier.
    expect(compileFormat('^asdf|fdsa$').pythonSource).toBe('^\\s*^asdf|fdsa$');
    expect(compileFormat('(^foo)?bar').pythonSource).toBe('^\\s*(^foo)?bar\\s*$');
  });

  it('knows the leading literal text of a format', () => {
    expect(compileFormat('deploy thing7 {{target}} to {{env=prod}}').leadingLiteral).toBe('deploy thing7 ');
    expect(compileFormat('{{choice}} cross the {{target}}').leadingLiteral).toBeNull();
    expect(compileFormat('(run|execute) {{cmd}}').leadingLiteral).toBeNull();
    expect(compileFormat('(?i)restart {{svc}}').leadingLiteral).toBeNull();
    expect(compileFormat('pack install {{packs}}').leadingLiteral).toBe('pack install ');
  });
});
