import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    // .mjs too: the process spawner is plain JavaScript.
    return /\.(ts|mjs)$/.test(path) ? [path] : [];
  });
}

describe('S15 static guard over engine/runners', () => {
  const files = sources('engine/runners');

  it('finds the runner sources, the spawner included', () => {
    expect(files.length).toBeGreaterThan(10);
    expect(files.some((file) => file.endsWith('spawner-child.mjs'))).toBe(true);
  });

  it.each([
    ['shell: true', /shell\s*:\s*true/],
    ['child_process exec/execSync (shell strings)', /\bexec(Sync)?\s*\(/],
    ["execa's string parser", /parseCommandString|execaCommand/],
  ])('no runner passes %s', (_label, pattern) => {
    const offenders = files.filter((file) => pattern.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
