/** POSIX single-quote escaping: the result is one shell word that means exactly `value`. NUL is rejected. */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new Error('a value containing a NUL byte cannot be passed to a shell');
  if (value !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Returns a copy of `value` whose every string leaf is shell-quoted (numbers and booleans are left as they are). */
export function shellQuoteLeaves(value: unknown): unknown {
  if (typeof value === 'string') return shellQuote(value);
  if (Array.isArray(value)) return value.map(shellQuoteLeaves);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = shellQuoteLeaves(v);
    return out;
  }
  return value;
}
