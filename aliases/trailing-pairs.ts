/**
 * Where st2's trailing `key=value` run starts, without its regex.
 *
 * st2 uses `re.match(r'.*?((PAIR\s*)*)$')` with PAIR = `(?:^|\s+)\s*(\S+?)\s*=(""|''|"(.+?)"|'(.+?)'|({.+?})|(\S+))`:
 * the run is the LONGEST suffix that is a sequence of pairs. That regex backtracks exponentially on a few
 * pairs separated by several spaces (a chat message could hang the bot), so the same language is decided
 * here by a small NFA run backwards over the text: linear time, same answer.
 */

const WS = 0;
const EQ = 1;
const DQ = 2;
const SQ = 3;
const LB = 4;
const RB = 5;
const OTHER = 6;
const CLASSES = 7;

// NFA states.
const I = 0; // start of a suffix that is not the whole text: the first pair needs leading whitespace
const I0 = 1; // start of the whole text (`^` may replace the whitespace)
const W0 = 2; // whitespace before the first key
const K = 3; // in a key
const KW = 4; // whitespace between key and `=`
const V0 = 5; // just after `=`
const DQ1 = 6; // after an opening `"`
const DQX = 7; // inside "..."
const SQ1 = 8;
const SQX = 9;
const BR = 10; // after `{`
const BRX = 11; // inside {...}
const VS = 12; // in a bare \S+ value (accepting)
const DONE = 13; // after a closed value (accepting)
const WA = 14; // whitespace after a value (accepting)
const STATES = 15;

const ACCEPTING = (1 << I) | (1 << I0) | (1 << VS) | (1 << DONE) | (1 << WA);

/** next[state * CLASSES + class] = bit mask of successor states. */
const next = new Int32Array(STATES * CLASSES);
function on(from: number, classes: number[], ...to: number[]): void {
  for (const c of classes) for (const t of to) next[from * CLASSES + c]! |= 1 << t;
}
const ALL = [WS, EQ, DQ, SQ, LB, RB, OTHER];
const NONWS = [EQ, DQ, SQ, LB, RB, OTHER];
on(I, [WS], W0);
on(I0, [WS], W0);
on(I0, NONWS, K);
on(W0, [WS], W0);
on(W0, NONWS, K);
on(K, NONWS, K);
on(K, [EQ], V0);
on(K, [WS], KW);
on(KW, [WS], KW);
on(KW, [EQ], V0);
on(V0, [DQ], DQ1);
on(V0, [SQ], SQ1);
on(V0, [LB], BR);
on(V0, NONWS, VS);
on(DQ1, [DQ], DONE);
on(DQ1, ALL, DQX);
on(DQX, [DQ], DONE);
on(DQX, ALL, DQX);
on(SQ1, [SQ], DONE);
on(SQ1, ALL, SQX);
on(SQX, [SQ], DONE);
on(SQX, ALL, SQX);
on(BR, ALL, BRX);
on(BRX, [RB], DONE);
on(BRX, ALL, BRX);
on(VS, NONWS, VS);
on(VS, [WS], WA);
on(DONE, [WS], WA);
on(WA, [WS], WA);
on(WA, NONWS, K);

const SPACE = /\s/;

function classOf(ch: string): number {
  switch (ch) {
    case '=':
      return EQ;
    case '"':
      return DQ;
    case "'":
      return SQ;
    case '{':
      return LB;
    case '}':
      return RB;
    default:
      return SPACE.test(ch) ? WS : OTHER;
  }
}

/** Index where the trailing run of `k=v` pairs starts (text.length when there is none). */
export function trailingPairsStart(text: string): number {
  let live = ACCEPTING;
  let start = text.length;
  for (let i = text.length - 1; i >= 0; i--) {
    const base = classOf(text[i]!);
    let prev = 0;
    for (let q = 0; q < STATES; q++) if (next[q * CLASSES + base]! & live) prev |= 1 << q;
    live = prev;
    if (live === 0) break;
    if (live & (1 << (i === 0 ? I0 : I))) start = i;
  }
  return start;
}
