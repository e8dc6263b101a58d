/**
 * "Did you mean" for a command that matched nothing: display formats ranked by a word-level edit
 * distance in which `{{params}}` are wildcards (absorbing any number of words) and literal words
 * compare by character edit distance, so typos ("deplyo") and missing arguments ("deploy") both land.
 */

const PARAM = /\{\{[^{}]*\}\}/g;
const WILDCARD = '\u0000';

export interface SuggestionTarget {
  display: string;
  tokens: string[];
  literalCount: number;
}

export function suggestionTarget(display: string): SuggestionTarget {
  let text = display;
  // Innermost first, so `{{ color = {{ default }} }}` collapses to one wildcard.
  for (let prev = ''; prev !== text; ) {
    prev = text;
    text = text.replace(PARAM, ` ${WILDCARD} `);
  }
  const tokens = text
    .toLowerCase()
    .split(/\s+/)
    .filter((t) => t !== '');
  return { display, tokens, literalCount: tokens.filter((t) => t !== WILDCARD).length };
}

let rowA = new Int32Array(64);
let rowB = new Int32Array(64);

function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  if (rowA.length <= b.length) {
    rowA = new Int32Array(b.length * 2);
    rowB = new Int32Array(b.length * 2);
  }
  let prev = rowA;
  let cur = rowB;
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const cost = ca === b.charCodeAt(j - 1) ? 0 : 1;
      const del = prev[j]! + 1;
      const ins = cur[j - 1]! + 1;
      const sub = prev[j - 1]! + cost;
      cur[j] = Math.min(del, ins, sub);
    }
    const t = prev;
    prev = cur;
    cur = t;
  }
  return prev[b.length]!;
}

/** Word distances repeat across displays ("deploy", "to"): memoised for one suggest() call. */
type Memo = Map<string, number>;

function wordDistance(a: string, b: string, memo?: Memo): number {
  const max = Math.max(a.length, b.length);
  // Lengths alone already make them as different as can be.
  if (Math.abs(a.length - b.length) >= max) return 1;
  if (!memo) return levenshtein(a, b) / max;
  const key = `${a}\u0000${b}`;
  let d = memo.get(key);
  if (d === undefined) {
    d = levenshtein(a, b) / max;
    memo.set(key, d);
  }
  return d;
}

/** Edit distance between a display's tokens and the command's words, normalised per literal word. */
export function suggestionDistance(target: SuggestionTarget, words: readonly string[], memo?: Memo): number {
  const f = target.tokens;
  const rows = f.length + 1;
  const cols = words.length + 1;
  const d = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      if (i === 0 && j === 0) continue;
      let best = Number.POSITIVE_INFINITY;
      const fi = f[i - 1];
      if (i > 0 && j > 0) {
        const sub = fi === WILDCARD ? 0 : wordDistance(fi!, words[j - 1]!, memo);
        best = Math.min(best, d[(i - 1) * cols + j - 1]! + sub);
      }
      if (i > 0) best = Math.min(best, d[(i - 1) * cols + j]! + (fi === WILDCARD ? 0.25 : 1));
      if (j > 0) best = Math.min(best, d[i * cols + j - 1]! + (i > 0 && fi === WILDCARD ? 0 : 0.5));
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1]! / Math.max(1, target.literalCount);
}

/** The closest displays (at most `limit`), best first; only reasonably close ones. */
export function suggest(targets: readonly SuggestionTarget[], command: string, limit = 3): string[] {
  const words = command
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '');
  if (words.length === 0 || limit <= 0) return [];
  const scored: Array<{ display: string; dist: number; order: number }> = [];
  const seen = new Set<string>();
  const memo: Memo = new Map();
  targets.forEach((t, order) => {
    if (seen.has(t.display) || t.literalCount === 0) return;
    const dist = suggestionDistance(t, words, memo);
    const firstLiteral = t.tokens.find((x) => x !== WILDCARD);
    const sameLead = firstLiteral !== undefined && t.tokens[0] === firstLiteral && firstLiteral === words[0];
    if (dist <= 0.5 || sameLead) {
      seen.add(t.display);
      scored.push({ display: t.display, dist, order });
    }
  });
  scored.sort((a, b) => a.dist - b.dist || a.order - b.order);
  return scored.slice(0, limit).map((s) => s.display);
}
