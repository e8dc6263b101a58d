/** The tail of `text` within `max` characters, saying how much was left out (never a silent cut). */
export function tail(text: string, max: number): { text: string; omitted: number } {
  if (text.length <= max) return { text, omitted: 0 };
  const keep = Math.max(0, max - 60);
  let start = text.length - keep;
  const newline = text.indexOf('\n', start);
  if (newline >= 0 && newline - start < 200) start = newline + 1;
  const omitted = start;
  return { text: `… ${omitted} earlier characters not shown …\n${text.slice(start)}`, omitted };
}
