import { ExpressionError } from './expression-error.ts';

/**
 * Python `re` syntax (what st2 content is written in) translated to a JavaScript RegExp source with the same
 * meaning: `(?P<n>..)`, `(?P=n)`, `\A`, `\Z`, inline flags `(?imsx)` (anywhere, applied to the whole pattern as
 * Python < 3.11 did) and scoped `(?i:...)`, `(?s:...)`, `(?m:...)`, `(?x:...)`. `.`, `^` and `$` are emitted
 * as explicit classes/lookarounds so Python's rules hold exactly (`.` excludes only `\n`; `$` also matches
 * before a final newline) and the JS `m`/`s` flags are never needed.
 */

export interface TranslatedRegex {
  source: string;
  flags: string;
}

interface Mode {
  i: boolean;
  m: boolean;
  s: boolean;
  x: boolean;
}

const FLAG_LETTERS = /^[aiLmsux]+$/;
const JS_SYNTAX = new Set([...'^$\\.*+?()[]{}|/']);
const SIMPLE_ESCAPES = new Set([...'dDsSwWbBnrtfv0']);

// Python 3 str patterns are Unicode-aware: \d is any decimal digit, \w any letter/digit/underscore, and
// \b a boundary between those. JavaScript's are ASCII-only, so in `u` mode they are spelled out.
// (Inside a character class \D and \W stay ASCII: a negated property set cannot be nested there.)
const WORD_CHARS = '\\p{L}\\p{N}_';
const WORD = `[${WORD_CHARS}]`;
const UNICODE_ESCAPES: Record<string, string> = {
  d: '\\p{Nd}',
  D: '\\P{Nd}',
  w: WORD,
  W: `[^${WORD_CHARS}]`,
  b: `(?:(?<=${WORD})(?!${WORD})|(?<!${WORD})(?=${WORD}))`,
  B: `(?:(?<=${WORD})(?=${WORD})|(?<!${WORD})(?!${WORD}))`,
};

function hexEscape(ch: string): string {
  const code = ch.codePointAt(0)!;
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
  // Astral characters: a surrogate pair, which unicode-mode RegExps read as one code point.
  return [0, 1].map((i) => `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`).join('');
}

function literal(ch: string): string {
  if (JS_SYNTAX.has(ch)) return `\\${ch}`;
  if (/[A-Za-z0-9_ ]/.test(ch) || ch.codePointAt(0)! > 0x7f) return ch;
  if (ch < ' ') return hexEscape(ch);
  return ch === '-' || ch === ',' || ch === '#' || ch === '!' || ch === '=' || ch === ':'
    ? ch
    : hexEscape(ch);
}

function caseFold(ch: string): string {
  const lo = ch.toLowerCase();
  const up = ch.toUpperCase();
  if (lo === up || lo.length !== 1 || up.length !== 1) return literal(ch);
  return `[${lo}${up}]`;
}

function scanGlobalFlags(pattern: string): Set<string> {
  const flags = new Set<string>();
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++;
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const m = /^\(\?([aiLmsux]+)\)/.exec(pattern.slice(i));
      if (m) for (const f of m[1]) flags.add(f);
    }
  }
  return flags;
}

class Translator {
  private pos = 0;
  private out = '';
  private readonly stack: Mode[] = [];
  private mode: Mode;
  private groupCount = 0;

  constructor(
    private readonly pattern: string,
    private readonly globalI: boolean,
    global: Set<string>,
    /** Unicode mode (JS `u` flag): `\\d`, `\\w`, `\\b` get Python 3's Unicode meaning. */
    private readonly unicode: boolean,
  ) {
    this.mode = { i: global.has('i'), m: global.has('m'), s: global.has('s'), x: global.has('x') };
  }

  fail(reason: string): never {
    throw new ExpressionError(
      `invalid regular expression ${JSON.stringify(this.pattern)}: ${reason} at position ${this.pos}`,
      this.pattern,
    );
  }

  run(): string {
    const p = this.pattern;
    while (this.pos < p.length) {
      const c = p[this.pos];
      if (this.mode.x && /\s/.test(c)) {
        this.pos++;
        continue;
      }
      if (this.mode.x && c === '#') {
        while (this.pos < p.length && p[this.pos] !== '\n') this.pos++;
        continue;
      }
      switch (c) {
        case '\\':
          this.escape();
          break;
        case '[':
          this.charClass();
          break;
        case '(':
          this.openGroup();
          break;
        case ')':
          if (this.stack.length === 0) this.fail('unbalanced parenthesis');
          this.mode = this.stack.pop()!;
          this.out += ')';
          this.pos++;
          break;
        case '.':
          this.out += this.mode.s ? '[\\s\\S]' : '[^\\n]';
          this.pos++;
          break;
        case '^':
          this.out += this.mode.m ? '(?<![^\\n])' : '(?<![\\s\\S])';
          this.pos++;
          break;
        case '$':
          this.out += this.mode.m ? '(?=\\n|(?![\\s\\S]))' : '(?=\\n?(?![\\s\\S]))';
          this.pos++;
          break;
        case '{':
          this.brace();
          break;
        case '}':
          this.out += '\\}';
          this.pos++;
          break;
        case '*':
        case '+':
        case '?':
        case '|':
          this.out += c;
          this.pos++;
          break;
        default: {
          const ch = String.fromCodePoint(p.codePointAt(this.pos)!);
          this.out += this.mode.i && !this.globalI ? caseFold(ch) : literal(ch);
          this.pos += ch.length;
        }
      }
    }
    if (this.stack.length > 0) this.fail('missing ), unterminated subpattern');
    return this.out;
  }

  private brace(): void {
    const m = /^\{(\d*)(?:(,)(\d*))?\}/.exec(this.pattern.slice(this.pos));
    if (m && (m[1] !== '' || (m[2] && m[3] !== ''))) {
      this.out += m[2] ? `{${m[1] || '0'},${m[3]}}` : `{${m[1]}}`;
      this.pos += m[0].length;
      return;
    }
    this.out += '\\{';
    this.pos++;
  }

  private escape(): void {
    const p = this.pattern;
    const n = p[this.pos + 1];
    if (n === undefined) this.fail('bad escape (end of pattern)');
    this.pos += 2;
    if (n === 'A') this.out += '(?<![\\s\\S])';
    else if (n === 'Z') this.out += '(?![\\s\\S])';
    else if (n === 'a') this.out += '\\x07';
    else if (this.unicode && Object.hasOwn(UNICODE_ESCAPES, n)) this.out += UNICODE_ESCAPES[n];
    else if (SIMPLE_ESCAPES.has(n)) this.out += `\\${n}`;
    else if (/[1-9]/.test(n)) {
      let digits = n;
      if (/[0-9]/.test(p[this.pos] ?? '')) digits += p[this.pos++];
      if (Number(digits) > this.groupCount) this.fail(`invalid group reference ${digits}`);
      this.out += `(?:\\${digits})`;
    } else if (n === 'x') {
      const m = /^[0-9a-fA-F]{2}/.exec(p.slice(this.pos));
      if (!m) this.fail('incomplete escape \\x');
      this.out += `\\x${m[0]}`;
      this.pos += 2;
    } else if (n === 'u' || n === 'U') {
      const len = n === 'u' ? 4 : 8;
      const hex = p.slice(this.pos, this.pos + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) this.fail(`incomplete escape \\${n}`);
      this.pos += len;
      this.out += literal(String.fromCodePoint(Number.parseInt(hex, 16)));
    } else if (/[A-Za-z]/.test(n)) this.fail(`bad escape \\${n}`);
    else {
      const ch = String.fromCodePoint(p.codePointAt(this.pos - 1)!);
      this.pos += ch.length - 1;
      this.out += literal(ch);
    }
  }

  private classAtom(): { text: string; char?: string } {
    const p = this.pattern;
    const c = p[this.pos];
    if (c === '\\') {
      const n = p[this.pos + 1];
      if (n === undefined) this.fail('bad escape (end of pattern)');
      this.pos += 2;
      if (this.unicode && n === 'd') return { text: '\\p{Nd}' };
      if (this.unicode && n === 'w') return { text: WORD_CHARS };
      if ('dDsSwW'.includes(n)) return { text: `\\${n}` };
      const named: Record<string, string> = {
        n: '\n',
        r: '\r',
        t: '\t',
        f: '\f',
        v: '\v',
        a: '\x07',
        b: '\b',
        '0': '\0',
      };
      if (n in named) return { text: hexEscape(named[n]), char: named[n] };
      if (n === 'x' || n === 'u' || n === 'U') {
        const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
        const hex = p.slice(this.pos, this.pos + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) this.fail(`incomplete escape \\${n}`);
        this.pos += len;
        const ch = String.fromCodePoint(Number.parseInt(hex, 16));
        return { text: hexEscape(ch), char: ch };
      }
      if (/[A-Za-z0-9]/.test(n)) this.fail(`bad escape \\${n}`);
      return { text: hexEscape(n), char: n };
    }
    const ch = String.fromCodePoint(p.codePointAt(this.pos)!);
    this.pos += ch.length;
    const text = /[A-Za-z0-9_ ]/.test(ch) || ch.codePointAt(0)! > 0x7f ? ch : hexEscape(ch);
    return { text, char: ch };
  }

  private charClass(): void {
    const p = this.pattern;
    this.pos++;
    let out = '[';
    if (p[this.pos] === '^') {
      out += '^';
      this.pos++;
    }
    const fold = this.mode.i && !this.globalI;
    let first = true;
    for (;;) {
      if (this.pos >= p.length) this.fail('unterminated character set');
      if (p[this.pos] === ']' && !first) break;
      first = false;
      const a = this.classAtom();
      if (p[this.pos] === '-' && p[this.pos + 1] !== ']' && this.pos + 1 < p.length && a.char !== undefined) {
        this.pos++;
        const b = this.classAtom();
        if (b.char === undefined) this.fail('bad character range');
        if (a.char.codePointAt(0)! > b.char.codePointAt(0)!)
          this.fail(`bad character range ${a.char}-${b.char}`);
        out += `${a.text}-${b.text}`;
        if (fold) {
          const lo = a.char.toLowerCase() + b.char.toLowerCase();
          const up = a.char.toUpperCase() + b.char.toUpperCase();
          if (lo !== a.char + b.char) out += `${hexEscape(lo[0])}-${hexEscape(lo[1])}`;
          if (up !== a.char + b.char) out += `${hexEscape(up[0])}-${hexEscape(up[1])}`;
        }
        continue;
      }
      out += a.text;
      if (fold && a.char !== undefined) {
        const lo = a.char.toLowerCase();
        const up = a.char.toUpperCase();
        if (lo !== a.char && lo.length === 1) out += lo;
        if (up !== a.char && up.length === 1) out += up;
      }
    }
    this.pos++;
    this.out += `${out}]`;
  }

  private openGroup(): void {
    const p = this.pattern;
    const rest = p.slice(this.pos);
    this.stack.push(this.mode);
    this.mode = { ...this.mode };
    const named = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
    const backref = /^\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/.exec(rest);
    const look = /^\(\?(:|=|!|<=|<!)/.exec(rest);
    const flags = /^\(\?([aiLmsux]*)(?:-([imsx]+))?([:)])/.exec(rest);
    if (!rest.startsWith('(?')) {
      this.groupCount++;
      this.out += '(';
      this.pos++;
    } else if (named) {
      this.groupCount++;
      this.out += `(?<${named[1]}>`;
      this.pos += named[0].length;
    } else if (backref) {
      this.mode = this.stack.pop()!;
      this.out += `\\k<${backref[1]}>`;
      this.pos += backref[0].length;
    } else if (rest.startsWith('(?#')) {
      this.mode = this.stack.pop()!;
      const end = p.indexOf(')', this.pos);
      if (end < 0) this.fail('missing ), unterminated comment');
      this.pos = end + 1;
    } else if (look) {
      this.out += look[0];
      this.pos += look[0].length;
    } else if (flags) {
      const [whole, on, off = '', end] = flags;
      if (end === ')') {
        if (off || !FLAG_LETTERS.test(on)) this.fail('bad inline flags');
        // Global flags were collected before translation; nothing to emit here.
        this.mode = this.stack.pop()!;
        this.pos += whole.length;
        return;
      }
      for (const f of on) if (f === 'i' || f === 'm' || f === 's' || f === 'x') this.mode[f] = true;
      for (const f of off) if (f === 'i' || f === 'm' || f === 's' || f === 'x') this.mode[f] = false;
      if (this.globalI && !this.mode.i)
        this.fail('turning off case-insensitivity inside a pattern is not supported');
      this.out += '(?:';
      this.pos += whole.length;
    } else if (rest.startsWith('(?P<') || rest.startsWith('(?P=')) {
      this.fail('bad group name');
    } else if (rest.startsWith('(?(')) {
      this.fail('conditional groups (?(id)yes|no) are not supported');
    } else if (rest.startsWith('(?>')) {
      this.fail('atomic groups (?>...) are not supported');
    } else {
      this.fail('unknown extension');
    }
  }
}

/** Python `re` pattern → `{ source, flags }` for `new RegExp`. Throws ExpressionError on invalid patterns. */
export function translatePythonRegex(pattern: string): TranslatedRegex {
  if (typeof pattern !== 'string')
    throw new ExpressionError(`regular expression must be a string, got ${typeof pattern}`);
  const global = scanGlobalFlags(pattern);
  const globalI = global.has('i');
  // `u` makes matching code-point based and Unicode-aware like Python; when the source is not valid in
  // unicode mode, translate again with ASCII classes and compile without it.
  const flags = globalI ? 'i' : '';
  const unicodeSource = new Translator(pattern, globalI, global, true).run();
  try {
    new RegExp(unicodeSource, `${flags}u`);
    return { source: unicodeSource, flags: `${flags}u` };
  } catch {
    const source = new Translator(pattern, globalI, global, false).run();
    try {
      new RegExp(source, flags);
    } catch (err) {
      throw new ExpressionError(
        `invalid regular expression ${JSON.stringify(pattern)}: ${(err as Error).message}`,
        pattern,
      );
    }
    return { source, flags };
  }
}

const cache = new Map<string, RegExp>();
const CACHE_LIMIT = 500;

/**
 * A compiled, cached RegExp for a Python pattern. `flags` are extra JS flags (`g`, `y`, ...).
 * The returned RegExp is shared: with `g`/`y` callers must reset `lastIndex` (or copy it with `new RegExp(re)`).
 */
export function compilePythonRegex(pattern: string, flags = ''): RegExp {
  const key = `${flags}\u0000${pattern}`;
  let re = cache.get(key);
  if (re) return re;
  const t = translatePythonRegex(pattern);
  const merged = [...new Set([...t.flags, ...flags])].join('');
  try {
    re = new RegExp(t.source, merged);
  } catch (err) {
    throw new ExpressionError(
      `invalid regular expression ${JSON.stringify(pattern)}: ${(err as Error).message}`,
      pattern,
    );
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, re);
  return re;
}
