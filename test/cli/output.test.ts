import { describe, expect, it } from 'vitest';
import { formatTable } from '../../cli/output.ts';

const rows = [
  {
    ref: 'core.local',
    runner_type: 'local-shell-cmd',
    description: 'Action that executes an arbitrary Linux command on the localhost.',
  },
  { ref: 'core.noop', runner_type: 'noop', description: 'Action that does nothing' },
];

describe('formatTable', () => {
  it('aligns columns, full width when no terminal width is known (pipes, scripts)', () => {
    expect(formatTable(rows, ['ref', 'runner_type', 'description'])).toEqual([
      'ref         runner_type      description',
      'core.local  local-shell-cmd  Action that executes an arbitrary Linux command on the localhost.',
      'core.noop   noop             Action that does nothing',
    ]);
  });

  it('cuts the last column to fit a terminal, marking the cut', () => {
    const lines = formatTable(rows, ['ref', 'runner_type', 'description'], 60);
    expect(lines).toEqual([
      'ref         runner_type      description',
      'core.local  local-shell-cmd  Action that executes an arbitr…',
      'core.noop   noop             Action that does nothing',
    ]);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(60);
  });

  it('leaves a table alone when the last column would keep fewer than 10 characters', () => {
    expect(formatTable(rows, ['ref', 'runner_type', 'description'], 35)[1]).toBe(
      'core.local  local-shell-cmd  Action that executes an arbitrary Linux command on the localhost.',
    );
  });

  it('keeps each row on one line when a value spans several', () => {
    expect(
      formatTable([{ ref: 'a.b', description: 'first line\n  second line\n' }], ['ref', 'description']),
    ).toEqual(['ref  description', 'a.b  first line second line']);
  });
});
