/** Prints rows as an aligned table (the human form of every list command). */
export function printTable(rows: Array<Record<string, unknown>>, columns: string[]): void {
  const cell = (v: unknown) =>
    v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line(columns)}\n`);
  for (const row of rows) process.stdout.write(`${line(columns.map((c) => cell(row[c])))}\n`);
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
