/**
 * A small parser for Python `re` syntax, as st2 alias formats are Python regexes.
 *
 * Why our own and not only a source-to-source translation: st2 decides whether to add `^\s*` / `\s*$`
 * by walking `sre_parse` tokens (search_regex_tokens), including its quirks (only the SECOND alternative
 * of a branch is searched, common branch prefixes are hoisted, quantified groups are not searched).
 * The same tree also gives the leading literal text used to index formats, and compiles to a JS RegExp
 * (flag `u`) with Python semantics for `\w`, `\d`, `\b`, `^`, `$`, `\A`, `\Z`, DOTALL and scoped flags.
 */

export class PythonRegexError extends Error {
  constructor(
    message: string,
    readonly pattern: string,
    readonly position?: number,
  ) {
    super(position === undefined ? message : `${message} at position ${position}`);
    this.name = 'PythonRegexError';
  }
}

export type AtKind = 'bol' | 'bos' | 'eol' | 'eos' | 'wordb' | 'nonwordb';
export type ClassEscape = 'd' | 'D' | 'w' | 'W' | 's' | 'S';

export type ClassItem =
  | { t: 'ch'; cp: number }
  | { t: 'range'; from: number; to: number }
  | { t: 'esc'; e: ClassEscape };

export interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  a: boolean;
}

export type RegexNode =
  | { t: 'lit'; cp: number; i: boolean }
  | { t: 'any'; s: boolean }
  | { t: 'at'; kind: AtKind; m: boolean; a: boolean }
  | { t: 'esc'; e: ClassEscape; a: boolean }
  | { t: 'cls'; neg: boolean; items: ClassItem[]; i: boolean; a: boolean }
  | { t: 'group'; capture: boolean; name?: string; body: RegexNode[] }
  | { t: 'look'; behind: boolean; neg: boolean; body: RegexNode[] }
  | { t: 'backref'; ref: number | string; i: boolean }
  | { t: 'repeat'; min: number; max: number; lazy: boolean; body: RegexNode }
  | { t: 'branch'; alts: RegexNode[][] };

export interface ParsedRegex {
  nodes: RegexNode[];
  /** Global flags (from `(?imsx)` or the caller). */
  flags: Flags & { x: boolean };
  groupCount: number;
  groupNames: string[];
}

const FLAG_LETTERS = 'aiLmsux';

/** Parse Python regex `source`; `dotAll`/`ignoreCase` are the flags given to `re.compile`. */
export function parsePythonRegex(
  source: string,
  opts: { dotAll?: boolean; ignoreCase?: boolean } = {},
): ParsedRegex {
  return new Parser(source, opts).parse();
}

class Parser {
  private pos = 0;
  private groupCount = 0;
  private readonly groupNames: string[] = [];
  private readonly openGroups = new Set<number>();
  private readonly globalFlags: Flags & { x: boolean };
  private readonly cps: number[];

  constructor(
    private readonly src: string,
    opts: { dotAll?: boolean; ignoreCase?: boolean },
  ) {
    this.cps = Array.from(src, (c) => c.codePointAt(0)!);
    this.globalFlags = { i: !!opts.ignoreCase, m: false, s: !!opts.dotAll, a: false, x: false };
    this.scanGlobalFlags();
  }

  /** Global inline flags `(?imsx)` apply to the whole pattern wherever they stand (Python < 3.11 allowed that). */
  private scanGlobalFlags(): void {
    const re = /\(\?([aiLmsux]+)\)/g;
    for (const m of this.src.matchAll(re)) {
      // Skip escaped `\(`: count the backslashes before it.
      let bs = 0;
      for (let k = m.index - 1; k >= 0 && this.src[k] === '\\'; k--) bs++;
      if (bs % 2 === 1) continue;
      for (const f of m[1]!) {
        if (f === 'i') this.globalFlags.i = true;
        else if (f === 'm') this.globalFlags.m = true;
        else if (f === 's') this.globalFlags.s = true;
        else if (f === 'a') this.globalFlags.a = true;
        else if (f === 'x') this.globalFlags.x = true;
      }
    }
  }

  parse(): ParsedRegex {
    const { x, ...flags } = this.globalFlags;
    const nodes = this.parseSub({ ...flags, x }, 0);
    if (this.pos < this.cps.length) {
      // parseSub stops only at `)` here.
      throw this.error('unbalanced parenthesis');
    }
    return { nodes, flags: this.globalFlags, groupCount: this.groupCount, groupNames: this.groupNames };
  }

  private error(msg: string): PythonRegexError {
    return new PythonRegexError(msg, this.src, this.pos);
  }

  private peek(offset = 0): string | undefined {
    const cp = this.cps[this.pos + offset];
    return cp === undefined ? undefined : String.fromCodePoint(cp);
  }

  private next(): string {
    const c = this.peek();
    if (c === undefined) throw this.error('unexpected end of pattern');
    this.pos++;
    return c;
  }

  private eat(s: string): boolean {
    for (let k = 0; k < s.length; k++) if (this.peek(k) !== s[k]) return false;
    this.pos += s.length;
    return true;
  }

  /** Alternatives separated by `|`, with sre_parse's common-prefix hoisting. */
  private parseSub(flags: Flags & { x: boolean }, depth: number): RegexNode[] {
    const alts: RegexNode[][] = [];
    for (;;) {
      alts.push(this.parseSeq(flags, depth));
      if (this.peek() === '|') {
        this.pos++;
        continue;
      }
      break;
    }
    if (alts.length === 1) return alts[0]!;
    const out: RegexNode[] = [];
    for (;;) {
      const first = alts[0]![0];
      if (first === undefined) break;
      const key = JSON.stringify(first);
      if (!alts.every((a) => a.length > 0 && JSON.stringify(a[0]) === key)) break;
      for (const a of alts) a.shift();
      out.push(first);
    }
    out.push({ t: 'branch', alts });
    return out;
  }

  private parseSeq(flags: Flags & { x: boolean }, depth: number): RegexNode[] {
    const seq: RegexNode[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === '|') return seq;
      if (c === ')') {
        if (depth === 0) throw this.error('unbalanced parenthesis');
        return seq;
      }
      if (flags.x && /\s/.test(c)) {
        this.pos++;
        continue;
      }
      if (flags.x && c === '#') {
        while (this.peek() !== undefined && this.peek() !== '\n') this.pos++;
        continue;
      }
      if (c === '*' || c === '+' || c === '?' || (c === '{' && this.quantifierAhead())) {
        this.applyQuantifier(seq);
        continue;
      }
      const node = this.parseAtom(flags, depth);
      if (node) {
        if (Array.isArray(node)) seq.push(...node);
        else seq.push(node);
      }
    }
  }

  private quantifierAhead(): boolean {
    const rest = this.src.slice(this.offsetOf(this.pos));
    return /^\{(?:\d+(?:,\d*)?|,\d*)\}/.test(rest);
  }

  private offsetOf(cpIndex: number): number {
    let off = 0;
    for (let k = 0; k < cpIndex; k++) off += this.cps[k]! > 0xffff ? 2 : 1;
    return off;
  }

  private applyQuantifier(seq: RegexNode[]): void {
    const start = this.pos;
    const c = this.next();
    let min: number;
    let max: number;
    if (c === '*') [min, max] = [0, Number.POSITIVE_INFINITY];
    else if (c === '+') [min, max] = [1, Number.POSITIVE_INFINITY];
    else if (c === '?') [min, max] = [0, 1];
    else {
      let body = '';
      while (this.peek() !== '}') body += this.next();
      this.pos++;
      const [lo, hi] = body.split(',') as [string, string | undefined];
      min = lo === '' ? 0 : Number(lo);
      max = hi === undefined ? min : hi === '' ? Number.POSITIVE_INFINITY : Number(hi);
      if (max < min) {
        this.pos = start;
        throw this.error('min repeat greater than max repeat');
      }
    }
    const last = seq.pop();
    if (!last || last.t === 'at') {
      this.pos = start;
      throw this.error('nothing to repeat');
    }
    if (last.t === 'repeat') {
      this.pos = start;
      throw this.error('multiple repeat');
    }
    let lazy = false;
    if (this.peek() === '?') {
      this.pos++;
      lazy = true;
    } else if (this.peek() === '+') {
      throw this.error('possessive quantifiers are not supported');
    }
    // sre_parse unwraps a plain `(?:...)` under a repeat; keep the group (same semantics).
    seq.push({ t: 'repeat', min, max, lazy, body: last });
  }

  private parseAtom(flags: Flags & { x: boolean }, depth: number): RegexNode | RegexNode[] | null {
    const c = this.next();
    switch (c) {
      case '.':
        return { t: 'any', s: flags.s };
      case '^':
        return { t: 'at', kind: 'bol', m: flags.m, a: flags.a };
      case '$':
        return { t: 'at', kind: 'eol', m: flags.m, a: flags.a };
      case '[':
        return this.parseClass(flags);
      case '(':
        return this.parseGroup(flags, depth);
      case '\\':
        return this.parseEscape(flags);
      default:
        return { t: 'lit', cp: c.codePointAt(0)!, i: flags.i };
    }
  }

  private parseGroup(flags: Flags & { x: boolean }, depth: number): RegexNode | RegexNode[] | null {
    const start = this.pos - 1;
    let capture = true;
    let name: string | undefined;
    let inner = flags;
    if (this.eat('?')) {
      if (
        this.eat('P<') ||
        (this.peek() === '<' && this.peek(1) !== '=' && this.peek(1) !== '!' && this.eat('<'))
      ) {
        name = '';
        while (this.peek() !== '>') {
          if (this.peek() === undefined) throw this.error('missing >, unterminated name');
          name += this.next();
        }
        this.pos++;
        if (!/^[\p{L}_][\p{L}\p{N}_]*$/u.test(name))
          throw this.error(`bad character in group name '${name}'`);
        if (this.groupNames.includes(name)) throw this.error(`redefinition of group name '${name}'`);
      } else if (this.eat('P=')) {
        let ref = '';
        while (this.peek() !== ')') {
          if (this.peek() === undefined) throw this.error('missing ), unterminated name');
          ref += this.next();
        }
        this.pos++;
        if (!this.groupNames.includes(ref)) throw this.error(`unknown group name '${ref}'`);
        return { t: 'backref', ref, i: flags.i };
      } else if (this.eat(':')) {
        capture = false;
      } else if (this.eat('#')) {
        while (this.peek() !== ')') {
          if (this.peek() === undefined) throw this.error('missing ), unterminated comment');
          this.pos++;
        }
        this.pos++;
        return null;
      } else if (this.peek() === '=' || this.peek() === '!') {
        const neg = this.next() === '!';
        const body = this.parseSub(flags, depth + 1);
        this.close(start);
        return { t: 'look', behind: false, neg, body };
      } else if (this.eat('<=') || this.eat('<!')) {
        const neg = this.cps[this.pos - 1] === 0x21;
        const body = this.parseSub(flags, depth + 1);
        this.close(start);
        return { t: 'look', behind: true, neg, body };
      } else if (this.peek() === '(') {
        throw this.error('conditional groups are not supported');
      } else if (this.peek() === '>') {
        throw this.error('atomic groups are not supported');
      } else {
        // Inline flags: `(?imsx)` (global, already applied) or `(?imsx-imsx:...)` (scoped).
        let on = '';
        let off = '';
        while (this.peek() !== undefined && FLAG_LETTERS.includes(this.peek()!)) on += this.next();
        if (this.eat('-')) {
          while (this.peek() !== undefined && FLAG_LETTERS.includes(this.peek()!)) off += this.next();
        }
        if (this.eat(')') && off === '') return null;
        if (!this.eat(':')) throw this.error('unknown extension');
        capture = false;
        inner = { ...flags };
        for (const f of on) if (f in inner) (inner as unknown as Record<string, boolean>)[f] = true;
        for (const f of off) if (f in inner) (inner as unknown as Record<string, boolean>)[f] = false;
      }
    }
    let index: number | undefined;
    if (capture) {
      index = ++this.groupCount;
      if (name !== undefined) this.groupNames.push(name);
      this.openGroups.add(index);
    }
    const body = this.parseSub(inner, depth + 1);
    this.close(start);
    if (index !== undefined) this.openGroups.delete(index);
    return name !== undefined ? { t: 'group', capture, name, body } : { t: 'group', capture, body };
  }

  private close(start: number): void {
    if (!this.eat(')')) {
      this.pos = start;
      throw this.error('missing ), unterminated subpattern');
    }
  }

  private parseEscape(flags: Flags & { x: boolean }): RegexNode {
    const start = this.pos - 1;
    const c = this.next();
    switch (c) {
      case 'A':
        return { t: 'at', kind: 'bos', m: flags.m, a: flags.a };
      case 'Z':
        return { t: 'at', kind: 'eos', m: flags.m, a: flags.a };
      case 'b':
        return { t: 'at', kind: 'wordb', m: flags.m, a: flags.a };
      case 'B':
        return { t: 'at', kind: 'nonwordb', m: flags.m, a: flags.a };
      case 'd':
      case 'D':
      case 'w':
      case 'W':
      case 's':
      case 'S':
        return { t: 'esc', e: c, a: flags.a };
    }
    if (c >= '1' && c <= '9') {
      let digits = c;
      // Three octal digits are an octal escape, otherwise up to two digits are a group reference.
      if (/[0-7]/.test(c) && /[0-7]/.test(this.peek() ?? '') && /[0-7]/.test(this.peek(1) ?? '')) {
        digits += this.next() + this.next();
        const cp = Number.parseInt(digits, 8);
        if (cp > 0o377) throw this.error('octal escape value outside of range 0-0o377');
        return { t: 'lit', cp, i: flags.i };
      }
      if (/[0-9]/.test(this.peek() ?? '')) digits += this.next();
      const ref = Number(digits);
      if (ref > this.groupCount || this.openGroups.has(ref)) {
        this.pos = start;
        throw this.error(`invalid group reference ${ref}`);
      }
      return { t: 'backref', ref, i: flags.i };
    }
    const cp = this.escapeCodePoint(c, start);
    return { t: 'lit', cp, i: flags.i };
  }

  /** Escapes that denote one character (shared by classes and sequences). */
  private escapeCodePoint(c: string, start: number): number {
    switch (c) {
      case 'n':
        return 10;
      case 't':
        return 9;
      case 'r':
        return 13;
      case 'f':
        return 12;
      case 'v':
        return 11;
      case 'a':
        return 7;
      case '0': {
        let digits = '0';
        while (digits.length < 3 && /[0-7]/.test(this.peek() ?? '')) digits += this.next();
        return Number.parseInt(digits, 8);
      }
      case 'x':
        return this.hex(2, start);
      case 'u':
        return this.hex(4, start);
      case 'U':
        return this.hex(8, start);
      case 'N':
        this.pos = start;
        throw this.error('\\N{...} escapes are not supported');
    }
    if (/[A-Za-z0-9]/.test(c)) {
      this.pos = start;
      throw this.error(`bad escape \\${c}`);
    }
    return c.codePointAt(0)!;
  }

  private hex(n: number, start: number): number {
    let h = '';
    for (let k = 0; k < n; k++) {
      const d = this.peek();
      if (d === undefined || !/[0-9a-fA-F]/.test(d)) {
        this.pos = start;
        throw this.error('incomplete escape');
      }
      h += this.next();
    }
    const cp = Number.parseInt(h, 16);
    if (cp > 0x10ffff) throw this.error('bad escape');
    return cp;
  }

  private parseClass(flags: Flags & { x: boolean }): RegexNode {
    const start = this.pos - 1;
    const items: ClassItem[] = [];
    const neg = this.eat('^');
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) {
        this.pos = start;
        throw this.error('unterminated character set');
      }
      if (c === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      const lo = this.classAtom();
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined) {
        this.pos++;
        const hi = this.classAtom();
        if (lo.t !== 'ch' || hi.t !== 'ch') throw this.error('bad character range');
        if (hi.cp < lo.cp) throw this.error('bad character range');
        items.push({ t: 'range', from: lo.cp, to: hi.cp });
      } else {
        items.push(lo);
      }
    }
    return { t: 'cls', neg, items, i: flags.i, a: flags.a };
  }

  private classAtom(): ClassItem {
    const start = this.pos;
    const c = this.next();
    if (c !== '\\') return { t: 'ch', cp: c.codePointAt(0)! };
    const e = this.next();
    if ('dDwWsS'.includes(e)) return { t: 'esc', e: e as ClassEscape };
    if (e === 'b') return { t: 'ch', cp: 8 };
    if (e >= '1' && e <= '7' && /[0-7]/.test(this.peek() ?? '')) {
      let digits = e;
      while (digits.length < 3 && /[0-7]/.test(this.peek() ?? '')) digits += this.next();
      return { t: 'ch', cp: Number.parseInt(digits, 8) };
    }
    return { t: 'ch', cp: this.escapeCodePoint(e, start) };
  }
}

/**
 * st2's `search_regex_tokens`: is one of `kinds` present at the top level, inside plain groups, or in
 * the SECOND alternative of a branch (st2 reads `rtoken[1][1]`)? Repeats and lookarounds are not searched.
 */
export function searchAnchors(nodes: readonly RegexNode[], kinds: readonly AtKind[]): boolean {
  for (const n of nodes) {
    if (n.t === 'group') {
      if (searchAnchors(n.body, kinds)) return true;
    } else if (n.t === 'branch') {
      const second = n.alts[1];
      if (second && searchAnchors(second, kinds)) return true;
    } else if (n.t === 'at' && kinds.includes(n.kind)) {
      return true;
    }
  }
  return false;
}

// ---- JS generation -------------------------------------------------------------------------------

const WORD = '\\p{L}\\p{N}_';
const SYNTAX = new Set('^$\\.*+?()[]{}|/'.split('').map((c) => c.codePointAt(0)!));

function litChar(cp: number): string {
  if (SYNTAX.has(cp)) return `\\${String.fromCodePoint(cp)}`;
  if (cp < 0x20 || cp === 0x7f || (cp >= 0xd800 && cp <= 0xdfff)) return `\\u{${cp.toString(16)}}`;
  return String.fromCodePoint(cp);
}

function classChar(cp: number): string {
  if (cp === 0x5c || cp === 0x5d || cp === 0x5b || cp === 0x5e || cp === 0x2d) {
    return `\\${String.fromCodePoint(cp)}`;
  }
  if (cp < 0x20 || cp === 0x7f || (cp >= 0xd800 && cp <= 0xdfff)) return `\\u{${cp.toString(16)}}`;
  return String.fromCodePoint(cp);
}

function caseVariants(cp: number): number[] {
  const ch = String.fromCodePoint(cp);
  const out = new Set<number>([cp]);
  for (const v of [ch.toLowerCase(), ch.toUpperCase()]) {
    if ([...v].length === 1) out.add(v.codePointAt(0)!);
  }
  return [...out];
}

function escOut(e: ClassEscape, ascii: boolean, inClass: boolean): string {
  if (ascii) return `\\${e}`;
  switch (e) {
    case 'd':
      return '\\p{Nd}';
    case 'D':
      return '\\P{Nd}';
    case 'w':
      return inClass ? WORD : `[${WORD}]`;
    case 'W':
      return inClass ? '\\W' : `[^${WORD}]`;
    default:
      return `\\${e}`;
  }
}

function atOut(n: Extract<RegexNode, { t: 'at' }>): string {
  const w = n.a ? '\\w' : `[${WORD}]`;
  // The JS regex never has the `m` flag, so `^`/`$` are exactly \A/\z (and let V8 anchor the search).
  switch (n.kind) {
    case 'bos':
      return '^';
    case 'eos':
      return '$';
    case 'bol':
      return n.m ? '(?<![^\\n])' : '^';
    case 'eol':
      // Python `$` also matches just before a final newline.
      return n.m ? '(?![^\\n])' : '(?=\\n?$)';
    case 'wordb':
      return `(?:(?<=${w})(?!${w})|(?<!${w})(?=${w}))`;
    case 'nonwordb':
      return `(?:(?<=${w})(?=${w})|(?<!${w})(?!${w}))`;
  }
}

/** Needs `(?:...)` to take a quantifier? */
function isAtom(n: RegexNode): boolean {
  return n.t === 'lit' || n.t === 'any' || n.t === 'cls' || n.t === 'group' || (n.t === 'esc' && !n.a);
}

export function generateJs(nodes: readonly RegexNode[], globalIgnoreCase: boolean): string {
  const seq = (ns: readonly RegexNode[]): string => {
    let out = '';
    for (let k = 0; k < ns.length; k++) {
      const part = node(ns[k]!);
      // A numeric backreference followed by a digit would read as a longer reference.
      if (ns[k]!.t === 'backref' && /^\d/.test(ns[k + 1] ? node(ns[k + 1]!) : '')) out += `(?:${part})`;
      else out += part;
    }
    return out;
  };
  const node = (n: RegexNode): string => {
    switch (n.t) {
      case 'lit': {
        if (n.i && !globalIgnoreCase) {
          const v = caseVariants(n.cp);
          if (v.length > 1) return `[${v.map(classChar).join('')}]`;
        }
        return litChar(n.cp);
      }
      case 'any':
        return n.s ? '[\\s\\S]' : '[^\\n]';
      case 'at':
        return atOut(n);
      case 'esc':
        return escOut(n.e, n.a, false);
      case 'cls': {
        const parts: string[] = [];
        for (const it of n.items) {
          if (it.t === 'esc') parts.push(escOut(it.e, n.a, true));
          else if (it.t === 'ch') {
            const vs = n.i && !globalIgnoreCase ? caseVariants(it.cp) : [it.cp];
            parts.push(vs.map(classChar).join(''));
          } else {
            parts.push(`${classChar(it.from)}-${classChar(it.to)}`);
            if (n.i && !globalIgnoreCase) {
              // Approximate scoped ignore-case on ranges by adding the other case of ASCII letters.
              const lo = String.fromCodePoint(it.from);
              const hi = String.fromCodePoint(it.to);
              if (/[a-z]/.test(lo) && /[a-z]/.test(hi)) parts.push(`${lo.toUpperCase()}-${hi.toUpperCase()}`);
              if (/[A-Z]/.test(lo) && /[A-Z]/.test(hi)) parts.push(`${lo.toLowerCase()}-${hi.toLowerCase()}`);
            }
          }
        }
        if (parts.length === 0) return n.neg ? '[\\s\\S]' : '[]';
        return `[${n.neg ? '^' : ''}${parts.join('')}]`;
      }
      case 'group':
        if (!n.capture) return `(?:${seq(n.body)})`;
        return n.name !== undefined ? `(?<${n.name}>${seq(n.body)})` : `(${seq(n.body)})`;
      case 'look':
        return `(?${n.behind ? '<' : ''}${n.neg ? '!' : '='}${seq(n.body)})`;
      case 'backref':
        return typeof n.ref === 'number' ? `\\${n.ref}` : `\\k<${n.ref}>`;
      case 'repeat': {
        const body = node(n.body);
        const atom = isAtom(n.body) ? body : `(?:${body})`;
        let q: string;
        if (n.min === 0 && n.max === Number.POSITIVE_INFINITY) q = '*';
        else if (n.min === 1 && n.max === Number.POSITIVE_INFINITY) q = '+';
        else if (n.min === 0 && n.max === 1) q = '?';
        else if (n.max === Number.POSITIVE_INFINITY) q = `{${n.min},}`;
        else if (n.min === n.max) q = `{${n.min}}`;
        else q = `{${n.min},${n.max}}`;
        return `${atom}${q}${n.lazy ? '?' : ''}`;
      }
      case 'branch':
        return `(?:${n.alts.map(seq).join('|')})`;
    }
  };
  return seq(nodes);
}

/** Compile a Python regex to an equivalent JS RegExp (flag `u`, plus `i` for a global ignore-case). */
export function compilePython(
  source: string,
  opts: { dotAll?: boolean; ignoreCase?: boolean; extraFlags?: string } = {},
): { regex: RegExp; parsed: ParsedRegex } {
  const parsed = parsePythonRegex(source, opts);
  const js = generateJs(parsed.nodes, parsed.flags.i);
  try {
    return { regex: new RegExp(js, `u${parsed.flags.i ? 'i' : ''}${opts.extraFlags ?? ''}`), parsed };
  } catch (err) {
    throw new PythonRegexError(`cannot translate to a JavaScript regex: ${(err as Error).message}`, source);
  }
}
