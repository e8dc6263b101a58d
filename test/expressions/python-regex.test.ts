/**
 * Python `re` patterns (as st2 content writes them) translated to JavaScript. The expected values in
 * PYTHON_RESULTS were produced by CPython 3 (`re.match`, `re.search`, `re.findall`) for each pattern and
 * subject, so every row checks the translation against the real thing.
 */
import { describe, expect, it } from 'vitest';
import { compilePythonRegex, ExpressionError, translatePythonRegex } from '../../engine/expressions/index.ts';

interface PythonResult {
  pattern: string;
  subject: string;
  match: string | null;
  search: string | null;
  findall: Array<string | string[]>;
}

const PYTHON_RESULTS: PythonResult[] = [
  {
    pattern: '(?P<year>\\d{4})-(?P<month>\\d\\d)',
    subject: 'on 2024-05-01',
    match: null,
    search: '2024-05',
    findall: [['2024', '05']],
  },
  {
    pattern: '(?P<w>\\w+) (?P=w)',
    subject: 'say hello hello there',
    match: null,
    search: 'hello hello',
    findall: ['hello'],
  },
  { pattern: '\\Ahello', subject: 'hello world', match: 'hello', search: 'hello', findall: ['hello'] },
  { pattern: '\\Ahello', subject: 'say\nhello', match: null, search: null, findall: [] },
  { pattern: 'world\\Z', subject: 'hello world', match: null, search: 'world', findall: ['world'] },
  { pattern: 'world\\Z', subject: 'hello world\n', match: null, search: null, findall: [] },
  { pattern: 'world$', subject: 'hello world\n', match: null, search: 'world', findall: ['world'] },
  { pattern: '^b', subject: 'a\nb', match: null, search: null, findall: [] },
  { pattern: '(?m)^b', subject: 'a\nb', match: null, search: 'b', findall: ['b'] },
  { pattern: '(?i)HELLO', subject: 'say hello', match: null, search: 'hello', findall: ['hello'] },
  { pattern: '(?s)a.b', subject: 'a\nb', match: 'a\nb', search: 'a\nb', findall: ['a\nb'] },
  { pattern: 'a.b', subject: 'a\nb', match: null, search: null, findall: [] },
  { pattern: 'a.b', subject: 'a\rb', match: 'a\rb', search: 'a\rb', findall: ['a\rb'] },
  {
    pattern: '(?x) a \\s+ b  # comment',
    subject: 'xa   b',
    match: null,
    search: 'a   b',
    findall: ['a   b'],
  },
  { pattern: '(?i:ab)c', subject: 'ABc', match: 'ABc', search: 'ABc', findall: ['ABc'] },
  { pattern: '(?i:ab)c', subject: 'ABC', match: null, search: null, findall: [] },
  { pattern: 'x{,2}y', subject: 'xxxy', match: null, search: 'xxy', findall: ['xxy'] },
  { pattern: 'a{', subject: 'a{', match: 'a{', search: 'a{', findall: ['a{'] },
  { pattern: '[]a]+', subject: 'x]a]', match: null, search: ']a]', findall: [']a]'] },
  { pattern: '(?#note)abc', subject: 'abc', match: 'abc', search: 'abc', findall: ['abc'] },
  { pattern: '\\d+(?=px)', subject: 'w 12px', match: null, search: '12', findall: ['12'] },
  { pattern: '(?<=\\$)\\d+', subject: 'cost $42', match: null, search: '42', findall: ['42'] },
  {
    pattern: '[\\w.-]+@[\\w-]+\\.\\w+',
    subject: 'mail bob.s-x@ex-ample.com now',
    match: null,
    search: 'bob.s-x@ex-ample.com',
    findall: ['bob.s-x@ex-ample.com'],
  },
  { pattern: '(a)(b)?', subject: 'a', match: 'a', search: 'a', findall: [['a', '']] },
  { pattern: 'café', subject: 'un café', match: null, search: 'café', findall: ['café'] },
  { pattern: '\\u00e9', subject: 'é', match: 'é', search: 'é', findall: ['é'] },
  { pattern: '[^\\n]+', subject: 'ab\ncd', match: 'ab', search: 'ab', findall: ['ab', 'cd'] },
  { pattern: '\\#\\-\\,', subject: '#-,', match: '#-,', search: '#-,', findall: ['#-,'] },
  { pattern: '(?i)[a-c]+', subject: 'xBCAz', match: null, search: 'BCA', findall: ['BCA'] },
  { pattern: '(?i:[a-c]+)', subject: 'xBCAz', match: null, search: 'BCA', findall: ['BCA'] },
  {
    pattern: '(?P<name>\\w+)',
    subject: 'José García',
    match: 'José',
    search: 'José',
    findall: ['José', 'García'],
  },
  { pattern: '\\bcafé\\b', subject: 'un café au lait', match: null, search: 'café', findall: ['café'] },
  { pattern: '\\d+', subject: 'x ٣٤ 12', match: null, search: '٣٤', findall: ['٣٤', '12'] },
  {
    pattern: '[\\w-]+',
    subject: '--naïve-idea!',
    match: '--naïve-idea',
    search: '--naïve-idea',
    findall: ['--naïve-idea'],
  },
  { pattern: '\\W+', subject: 'ab, é!', match: null, search: ', ', findall: [', ', '!'] },
  { pattern: '\\Bé', subject: 'café é', match: null, search: 'é', findall: ['é'] },
  { pattern: '^\\s*$', subject: '   ', match: '   ', search: '   ', findall: ['   '] },
  { pattern: '(?P<a>x)|(?P<b>y)', subject: 'zy', match: null, search: 'y', findall: [['', 'y']] },
  { pattern: '\\.\\-\\/', subject: 'a.-/b', match: null, search: '.-/', findall: ['.-/'] },
  { pattern: '[^\\d\\s]+', subject: '12 ab 3', match: null, search: 'ab', findall: ['ab'] },
  { pattern: '(?i)straße', subject: 'STRASSE straße', match: null, search: 'straße', findall: ['straße'] },
  {
    pattern: 'deploy (?P<app>\\S+) to (?P<env>\\w+)',
    subject: 'deploy api-v2 to prod',
    match: 'deploy api-v2 to prod',
    search: 'deploy api-v2 to prod',
    findall: [['api-v2', 'prod']],
  },
];

function findall(pattern: string, subject: string): Array<string | string[]> {
  const re = compilePythonRegex(pattern, 'g');
  return [...subject.matchAll(new RegExp(re.source, re.flags))].map((m) =>
    m.length === 1 ? m[0] : m.length === 2 ? (m[1] ?? '') : m.slice(1).map((g) => g ?? ''),
  );
}

describe('Python regex translation matches CPython', () => {
  it.each(PYTHON_RESULTS)('$pattern on $subject', ({ pattern, subject, match, search, findall: all }) => {
    const anchored = new RegExp(compilePythonRegex(pattern, 'y'));
    expect(anchored.exec(subject)?.[0] ?? null).toBe(match);
    expect(compilePythonRegex(pattern).exec(subject)?.[0] ?? null).toBe(search);
    expect(findall(pattern, subject)).toEqual(all);
  });
});

describe('translatePythonRegex', () => {
  it('turns named groups and backreferences into JavaScript syntax', () => {
    const t = translatePythonRegex('(?P<name>\\w+)-(?P=name)');
    expect(t.source).toContain('(?<name>');
    expect(t.source).toContain('\\k<name>');
    expect(new RegExp(t.source, t.flags).exec('ab-ab')?.groups?.name).toBe('ab');
  });

  it('maps a leading (?i) to the i flag and uses u when the source allows it', () => {
    expect(translatePythonRegex('(?i)abc').flags).toBe('iu');
    expect(translatePythonRegex('abc').flags).toBe('u');
  });

  it('\\Z only matches at the very end, \\A only at the very start', () => {
    expect(compilePythonRegex('a\\Z').test('a\n')).toBe(false);
    expect(compilePythonRegex('(?m)\\Ab').test('a\nb')).toBe(false);
  });

  it.each([
    ['(abc', 'missing )'],
    ['abc)', 'unbalanced parenthesis'],
    ['[abc', 'unterminated character set'],
    ['\\q', 'bad escape'],
    ['(?P<1a>x)', 'bad group name'],
    ['(?(1)a|b)', 'not supported'],
    ['(a)\\2', 'invalid group reference'],
    ['a**', 'Nothing to repeat'],
    ['[z-a]', 'bad character range'],
  ])('rejects %s with an ExpressionError naming the pattern', (pattern, reason) => {
    let error: unknown;
    try {
      translatePythonRegex(pattern);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ExpressionError);
    expect((error as Error).message).toContain(JSON.stringify(pattern));
    expect((error as Error).message).toContain(reason);
  });

  it('caches compiled patterns per pattern and flags', () => {
    expect(compilePythonRegex('x+', 'g')).toBe(compilePythonRegex('x+', 'g'));
    expect(compilePythonRegex('x+', 'g')).not.toBe(compilePythonRegex('x+'));
  });
});
