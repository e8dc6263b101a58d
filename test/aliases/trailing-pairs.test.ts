import { describe, expect, it } from 'vitest';
import { trailingPairsStart } from '../../aliases/trailing-pairs.ts';

// st2's own `ending` regex (exponential on some inputs, fine on short ones): the reference.
const PAIR = String.raw`(?:^|\s+)\s*\S+?\s*=(?:""|''|"[\s\S]+?"|'[\s\S]+?'|\{[\s\S]+?\}|\S+)`;
const ENDING = new RegExp(String.raw`^[\s\S]*?((?:${PAIR}\s*)*)$`);
const reference = (text: string) => text.length - ENDING.exec(text)![1]!.length;

/** Deterministic pseudo-random generator (no flaky tests). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('trailingPairsStart', () => {
  it.each([
    ['a=foobar1', 0],
    ['foo a="foobar2 poonies bar"', 3],
    ['foo bar pony1=foo pony2=bar', 7],
    ['run a=b c on web1', 17],
    ['x y', 3],
    ['', 0],
    ['k="a" b', 7],
    ['t d={"1": "2"} e="long value"', 1],
  ])('%j starts its pairs at %i', (text, start) => {
    expect(trailingPairsStart(text)).toBe(start);
    expect(reference(text)).toBe(start);
  });

  it('agrees with st2 regex on 20,000 random short strings', () => {
    const rand = rng(42);
    const alphabet = [' ', ' ', 'a', 'b', '=', '"', "'", '{', '}', '\n'];
    for (let n = 0; n < 20_000; n++) {
      const len = Math.floor(rand() * 12);
      let text = '';
      for (let k = 0; k < len; k++) text += alphabet[Math.floor(rand() * alphabet.length)];
      expect([text, trailingPairsStart(text)]).toEqual([text, reference(text)]);
    }
  });

  it('stays linear where the regex backtracks exponentially', () => {
    const text = `x ${'a=1    '.repeat(2000)} "`;
    expect(trailingPairsStart(text)).toBe(text.length);
  });
});
