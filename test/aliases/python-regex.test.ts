import { describe, expect, it } from 'vitest';
import {
  type AtKind,
  compilePython,
  PythonRegexError,
  parsePythonRegex,
  searchAnchors,
} from '../../aliases/python-regex.ts';

const BEGIN: AtKind[] = ['bol', 'bos'];
const END: AtKind[] = ['eol', 'eos'];

describe('searchAnchors (st2 TestSearchRegexTokens)', () => {
  const nodes = (p: string) => parsePythonRegex(p).nodes;
  it('test_beginning_tokens', () => expect(searchAnchors(nodes('^asdf'), BEGIN)).toBe(true));
  it('test_no_ending_tokens', () => expect(searchAnchors(nodes('^asdf'), END)).toBe(false));
  it('test_no_beginning_or_ending_tokens', () => {
    expect(searchAnchors(nodes('asdf'), BEGIN)).toBe(false);
    expect(searchAnchors(nodes('asdf'), END)).toBe(false);
  });
  it('test_backwards', () => expect(searchAnchors(nodes('^asdf$'), END)).toBe(true));
  it('test_branches', () => expect(searchAnchors(nodes('^asdf|fdsa$'), END)).toBe(true));
  it('test_subpatterns', () => expect(searchAnchors(nodes('^(?:asdf|fdsa$)'), END)).toBe(true));

  it('sre_parse quirks: only the second alternative is searched; a common prefix is hoisted', () => {
    expect(searchAnchors(nodes('^asdf|fdsa$'), BEGIN)).toBe(false);
    expect(searchAnchors(nodes('^a|^b'), BEGIN)).toBe(true);
    expect(searchAnchors(nodes('(?:x|y|^z)'), BEGIN)).toBe(false);
    expect(searchAnchors(nodes('\\Afoo\\Z'), BEGIN)).toBe(true);
    expect(searchAnchors(nodes('\\Afoo\\Z'), END)).toBe(true);
    expect(searchAnchors(nodes('(?:^foo)?'), BEGIN)).toBe(false);
    expect(searchAnchors(nodes('(?=^)foo'), BEGIN)).toBe(false);
    expect(searchAnchors(nodes('[$^]'), END)).toBe(false);
  });
});

describe('compilePython: Python semantics on JS RegExp', () => {
  const cases: Array<[string, string, boolean, Record<string, string>?]> = [
    ['(?P<word>\\w+)-(?P=word)', 'ab-ab', true, { word: 'ab' }],
    ['(?P<word>\\w+)-(?P=word)$', 'ab-ba', false],
    ['^\\w+$', 'café', true],
    ['^\\d+$', '١٢٣', true],
    ['\\bnaïve\\b', 'a naïve b', true],
    ['[]a]+$', ']a]', true],
    ['^[^]a]$', 'b', true],
    ['^a{,2}$', 'aa', true],
    ['^a{,2}$', 'aaa', false],
    ['^a{2}b{1,}$', 'aabbb', true],
    ['x{y', 'x{y', true],
    ['^a{}$', 'a{}', true],
    ['abc\\Z', 'abc\n', false],
    ['abc$', 'abc\n', true],
    ['^abc$', 'x\nabc', false],
    ['(?m)^abc$', 'x\nabc\ny', true],
    ['a.c', 'a\nc', false],
    ['(?s)a.c', 'a\nc', true],
    ['(?i)hello', 'HeLLo', true],
    ['(?i:hel)lo', 'HELlo', true],
    ['(?i:hel)lo', 'HELLO', false],
    ['(?x) a  b # comment\n c', 'abc', true],
    ['\\x41\\u0042\\U00000043\\101', 'ABCA', true],
    ['(?#note)ab', 'ab', true],
    ['(?<=\\$)\\d+', 'cost $42', true],
    ['\\\'\\-\\"\\ \\#', '\'-" #', true],
    ['(a)(b)\\2\\1', 'abba', true],
    ['[\\d\\-x]+$', '1-x2', true],
    ['😀+', '😀😀', true],
  ];
  it.each(cases)('%j on %j', (pattern, input, matches, groups) => {
    const { regex } = compilePython(pattern);
    const m = regex.exec(input);
    expect(m !== null).toBe(matches);
    if (groups) expect({ ...m?.groups }).toEqual(groups);
  });

  it('dotAll option (st2 compiles formats with re.DOTALL)', () => {
    expect(compilePython('a.c', { dotAll: true }).regex.test('a\nc')).toBe(true);
    expect(compilePython('(?-s:a.c)', { dotAll: true }).regex.test('a\nc')).toBe(false);
  });

  it.each([
    ['(abc', /missing \), unterminated subpattern/],
    ['abc)', /unbalanced parenthesis/],
    ['*a', /nothing to repeat/],
    ['a**', /multiple repeat/],
    ['\\q', /bad escape \\q/],
    ['[abc', /unterminated character set/],
    ['(?P<1x>a)', /bad character in group name/],
    ['(?P<a>x)(?P<a>y)', /redefinition of group name/],
    ['(?P=nope)', /unknown group name/],
    ['\\2(a)', /invalid group reference/],
    ['a{3,1}', /min repeat greater than max repeat/],
    ['[z-a]', /bad character range/],
    ['(?(1)a|b)', /conditional groups/],
  ])('%j is rejected like Python', (pattern, message) => {
    expect(() => compilePython(pattern)).toThrow(PythonRegexError);
    expect(() => compilePython(pattern)).toThrow(message);
  });
});
