/**
 * A linear-time matcher for alias format regexes on long commands.
 *
 * st2 formats become regexes with one lazy `.+?` per parameter; on a long command that does not match,
 * a backtracking engine tries every split of the words between parameters (O(words^(params-1)): 4
 * parameters and a 600-character message take seconds). This is RE2's "bit-state" backtracker: the same
 * priority order as a backtracking engine (so the same match and captures as V8 for these patterns),
 * but each (instruction, position) pair is explored at most once. No backreferences; lookarounds only
 * over a single character (what st2 formats use). `compileVm` returns null for anything else.
 */
import { generateJs, type RegexNode } from './python-regex.ts';

enum Op {
  Char,
  Split,
  Jmp,
  Save,
  Assert,
  Look,
  Match,
}

type CharTest = (cp: number) => boolean;

type Inst =
  | { op: Op.Char; test: CharTest }
  | { op: Op.Split; x: number; y: number }
  | { op: Op.Jmp; x: number }
  | { op: Op.Save; slot: number }
  | { op: Op.Assert; test: (input: string, pos: number) => boolean }
  | { op: Op.Look; test: CharTest; behind: boolean; neg: boolean }
  | { op: Op.Match };

export interface VmProgram {
  insts: Inst[];
  slots: number;
  names: Array<[string, number]>;
}

class Unsupported extends Error {}

const MAX_INSTS = 4000;
const WORD_U = /[\p{L}\p{N}_]/u;
const WORD_A = /\w/;

function cpAt(input: string, pos: number): number {
  return input.codePointAt(pos)!;
}

function cpBefore(input: string, pos: number): number | undefined {
  if (pos <= 0) return undefined;
  const lo = input.charCodeAt(pos - 1);
  if (lo >= 0xdc00 && lo <= 0xdfff && pos >= 2) {
    const hi = input.charCodeAt(pos - 2);
    if (hi >= 0xd800 && hi <= 0xdbff) return input.codePointAt(pos - 2);
  }
  return lo;
}

function width(cp: number): number {
  return cp > 0xffff ? 2 : 1;
}

function charTest(node: RegexNode, ignoreCase: boolean): CharTest {
  if (node.t === 'any') return node.s ? () => true : (cp) => cp !== 10;
  if (node.t === 'lit' && !node.i && !ignoreCase) {
    const want = node.cp;
    return (cp) => cp === want;
  }
  // Same source as the V8 regex, so both engines agree on classes, \w, \d, case folding.
  const re = new RegExp(`^(?:${generateJs([node], ignoreCase)})$`, ignoreCase ? 'iu' : 'u');
  const cache = new Map<number, boolean>();
  return (cp) => {
    let r = cache.get(cp);
    if (r === undefined) {
      r = re.test(String.fromCodePoint(cp));
      if (cache.size < 4096) cache.set(cp, r);
    }
    return r;
  };
}

function assertTest(node: Extract<RegexNode, { t: 'at' }>): (input: string, pos: number) => boolean {
  switch (node.kind) {
    case 'bos':
      return (_i, pos) => pos === 0;
    case 'eos':
      return (input, pos) => pos === input.length;
    case 'bol':
      return node.m ? (input, pos) => pos === 0 || input[pos - 1] === '\n' : (_i, pos) => pos === 0;
    case 'eol':
      return node.m
        ? (input, pos) => pos === input.length || input[pos] === '\n'
        : (input, pos) => pos === input.length || (pos === input.length - 1 && input[pos] === '\n');
    case 'wordb':
    case 'nonwordb': {
      const word = node.a ? WORD_A : WORD_U;
      const isWord = (cp: number | undefined) => cp !== undefined && word.test(String.fromCodePoint(cp));
      const boundary = (input: string, pos: number) =>
        isWord(cpBefore(input, pos)) !== isWord(pos < input.length ? cpAt(input, pos) : undefined);
      return node.kind === 'wordb' ? boundary : (input, pos) => !boundary(input, pos);
    }
  }
}

/** Compile a parsed (Python-semantics) regex; null when it uses what the VM does not support. */
export function compileVm(nodes: readonly RegexNode[], ignoreCase: boolean): VmProgram | null {
  const insts: Inst[] = [];
  const names: Array<[string, number]> = [];
  let groups = 0;
  const emit = (inst: Inst): number => {
    if (insts.length >= MAX_INSTS) throw new Unsupported('program too large');
    insts.push(inst);
    return insts.length - 1;
  };
  const seq = (ns: readonly RegexNode[]): void => {
    for (const n of ns) node(n);
  };
  const node = (n: RegexNode): void => {
    switch (n.t) {
      case 'lit':
      case 'any':
      case 'esc':
      case 'cls':
        emit({ op: Op.Char, test: charTest(n, ignoreCase) });
        return;
      case 'at':
        emit({ op: Op.Assert, test: assertTest(n) });
        return;
      case 'group': {
        if (!n.capture) {
          seq(n.body);
          return;
        }
        const idx = ++groups;
        if (n.name !== undefined) names.push([n.name, idx]);
        emit({ op: Op.Save, slot: 2 * idx });
        seq(n.body);
        emit({ op: Op.Save, slot: 2 * idx + 1 });
        return;
      }
      case 'look': {
        const body = n.body;
        const only = body[0];
        if (
          body.length !== 1 ||
          !only ||
          !(only.t === 'lit' || only.t === 'cls' || only.t === 'esc' || only.t === 'any')
        ) {
          throw new Unsupported('lookaround over more than one character');
        }
        emit({ op: Op.Look, test: charTest(only, ignoreCase), behind: n.behind, neg: n.neg });
        return;
      }
      case 'backref':
        throw new Unsupported('backreference');
      case 'branch': {
        const jumps: number[] = [];
        n.alts.forEach((alt, k) => {
          if (k < n.alts.length - 1) {
            const split = emit({ op: Op.Split, x: 0, y: 0 });
            (insts[split] as { x: number }).x = insts.length;
            seq(alt);
            jumps.push(emit({ op: Op.Jmp, x: 0 }));
            (insts[split] as { y: number }).y = insts.length;
          } else {
            seq(alt);
          }
        });
        for (const j of jumps) (insts[j] as { x: number }).x = insts.length;
        return;
      }
      case 'repeat': {
        if (n.max === 0) throw new Unsupported('empty repeat');
        const groupsBefore = groups;
        const namesBefore = names.length;
        // Captures inside a repeated body must keep their numbers in every copy.
        const copy = () => {
          groups = groupsBefore;
          names.length = namesBefore;
          node(n.body);
        };
        for (let k = 0; k < n.min; k++) copy();
        if (n.max === Number.POSITIVE_INFINITY) {
          const loop = emit({ op: Op.Split, x: 0, y: 0 });
          const bodyStart = insts.length;
          copy();
          emit({ op: Op.Jmp, x: loop });
          const after = insts.length;
          insts[loop] = n.lazy
            ? { op: Op.Split, x: after, y: bodyStart }
            : { op: Op.Split, x: bodyStart, y: after };
        } else {
          const splits: number[] = [];
          for (let k = n.min; k < n.max; k++) {
            splits.push(emit({ op: Op.Split, x: 0, y: 0 }));
            copy();
          }
          const after = insts.length;
          for (const s of splits) {
            insts[s] = n.lazy ? { op: Op.Split, x: after, y: s + 1 } : { op: Op.Split, x: s + 1, y: after };
          }
        }
        return;
      }
    }
  };
  try {
    // Unanchored search: a lazy "skip one character" loop before the pattern (leftmost match first).
    emit({ op: Op.Split, x: 3, y: 1 });
    emit({ op: Op.Char, test: () => true });
    emit({ op: Op.Jmp, x: 0 });
    emit({ op: Op.Save, slot: 0 });
    seq(nodes);
    emit({ op: Op.Save, slot: 1 });
    emit({ op: Op.Match });
  } catch (err) {
    if (err instanceof Unsupported) return null;
    throw err;
  }
  return { insts, slots: 2 * (groups + 1), names };
}

/** Capture slots of the first match at or after `from` (same semantics as RegExp exec), or null. */
export function runVm(prog: VmProgram, input: string, from = 0): Int32Array | null {
  const { insts } = prog;
  const n = input.length;
  const stride = n + 1;
  const visited = new Uint32Array(Math.ceil((insts.length * stride) / 32));
  const caps = new Int32Array(prog.slots).fill(-1);
  // Stack of jobs: [kind, a, b]; kind 0 = thread (pc, pos), kind 1 = restore capture (slot, value).
  const stack: number[] = [0, 0, from];
  while (stack.length > 0) {
    const b = stack.pop()!;
    const a = stack.pop()!;
    const kind = stack.pop()!;
    if (kind === 1) {
      caps[a] = b;
      continue;
    }
    let pc = a;
    let pos = b;
    for (;;) {
      const bit = pc * stride + pos;
      if (visited[bit >>> 5]! & (1 << (bit & 31))) break;
      visited[bit >>> 5]! |= 1 << (bit & 31);
      const inst = insts[pc]!;
      if (inst.op === Op.Char) {
        if (pos >= n) break;
        const cp = cpAt(input, pos);
        if (!inst.test(cp)) break;
        pos += width(cp);
        pc++;
      } else if (inst.op === Op.Split) {
        stack.push(0, inst.y, pos);
        pc = inst.x;
      } else if (inst.op === Op.Jmp) {
        pc = inst.x;
      } else if (inst.op === Op.Save) {
        stack.push(1, inst.slot, caps[inst.slot]!);
        caps[inst.slot] = pos;
        pc++;
      } else if (inst.op === Op.Assert) {
        if (!inst.test(input, pos)) break;
        pc++;
      } else if (inst.op === Op.Look) {
        const cp = inst.behind ? cpBefore(input, pos) : pos < n ? cpAt(input, pos) : undefined;
        const ok = cp !== undefined && inst.test(cp);
        if (ok === inst.neg) break;
        pc++;
      } else {
        return caps;
      }
    }
  }
  return null;
}

/** A RegExpExecArray-shaped result (index, groups, and `indices` when asked). */
export function vmExec(
  prog: VmProgram,
  input: string,
  from: number,
  withIndices: boolean,
): RegExpExecArray | null {
  const caps = runVm(prog, input, from);
  if (!caps) return null;
  const count = caps.length / 2;
  const values: Array<string | undefined> = [];
  for (let g = 0; g < count; g++) {
    const s = caps[2 * g]!;
    const e = caps[2 * g + 1]!;
    values.push(s >= 0 && e >= 0 ? input.slice(s, e) : undefined);
  }
  const result = values as unknown as RegExpExecArray;
  result.index = caps[0]!;
  result.input = input;
  const groups: Record<string, string | undefined> = {};
  for (const [name, idx] of prog.names) groups[name] = values[idx];
  result.groups = (prog.names.length > 0 ? groups : undefined) as RegExpExecArray['groups'];
  if (withIndices) {
    const spans: Array<[number, number] | undefined> = [];
    for (let g = 0; g < count; g++) {
      const s = caps[2 * g]!;
      const e = caps[2 * g + 1]!;
      spans.push(s >= 0 && e >= 0 ? [s, e] : undefined);
    }
    const indices = spans as unknown as RegExpIndicesArray;
    const groupSpans: Record<string, [number, number] | undefined> = {};
    for (const [name, idx] of prog.names) groupSpans[name] = spans[idx];
    indices.groups = (prog.names.length > 0 ? groupSpans : undefined) as RegExpIndicesArray['groups'];
    result.indices = indices;
  }
  return result;
}
