/** A cell's text: one line (a newline inside a cell would break every column after it). */
function cellText(value: unknown): string {
  const text =
    value === undefined || value === null
      ? ''
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  return text.replace(/\s*\n\s*/g, ' ');
}

/**
 * Rows as aligned table lines. With `width` (a terminal's columns), a last column that would run past it is cut
 * with "…" — it is usually a description, and `--json` has it in full — as long as 10 characters of it remain.
 */
export function formatTable(
  rows: Array<Record<string, unknown>>,
  columns: string[],
  width?: number,
): string[] {
  const cells = rows.map((row) => columns.map((c) => cellText(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const last = columns.length - 1;
  const before = widths.slice(0, last).reduce((sum, w) => sum + w + 2, 0);
  const room = width !== undefined && width > 0 ? width - before : Number.POSITIVE_INFINITY;
  const cut = room >= 10 && widths[last]! > room ? room : undefined;
  const line = (values: string[]) =>
    values
      .map((v, i) => {
        const text = i === last && cut !== undefined && v.length > cut ? `${v.slice(0, cut - 1)}…` : v;
        return text.padEnd(i === last && cut !== undefined ? Math.min(widths[i]!, cut) : widths[i]!);
      })
      .join('  ')
      .trimEnd();
  return [line(columns), ...cells.map(line)];
}

/** Prints rows as an aligned table (the human form of every list command), fitted to a terminal's width. */
export function printTable(rows: Array<Record<string, unknown>>, columns: string[]): void {
  const width = process.stdout.isTTY ? process.stdout.columns : undefined;
  for (const line of formatTable(rows, columns, width)) process.stdout.write(`${line}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** `k=v` CLI arguments to an object (values stay strings; the action schema casts them). */
export function parseKeyValues(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const arg of args) {
    const index = arg.indexOf('=');
    if (index <= 0) throw new Error(`expected key=value, got "${arg}"`);
    out[arg.slice(0, index)] = arg.slice(index + 1);
  }
  return out;
}

/** One line per pack problem: severity, file, field path, what was expected. */
export function printProblems(
  problems: Array<{ severity: string; file: string; path?: string; message: string }>,
  stream: NodeJS.WritableStream = process.stdout,
  indent = '',
): void {
  for (const p of problems)
    stream.write(`${indent}${p.severity}: ${p.file}${p.path ? ` ${p.path}` : ''}: ${p.message}\n`);
}
