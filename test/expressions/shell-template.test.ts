import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderShellCommand } from '../../engine/expressions/index.ts';

const CANARY = `/tmp/squall-shell-template-${process.pid}`;
const HOSTILE = [
  `plain`,
  `two words`,
  `x"; touch ${CANARY}; echo "`,
  `x'; touch ${CANARY}; echo '`,
  `$(touch ${CANARY})`,
  `\`touch ${CANARY}\``,
  `back\\slash and $HOME`,
  `it's "quoted"`,
  `line1\nline2`,
  `{{ 7*7 }}`,
  '',
];

/** Runs the rendered command with /bin/sh and returns what it printed. */
function sh(command: string): string {
  return execFileSync('/bin/sh', ['-c', command], { encoding: 'utf8' });
}

describe('renderShellCommand: outside values are quoted for the shell context they stand in', () => {
  const tainted = new Set(['message']);
  for (const value of HOSTILE) {
    it(`keeps ${JSON.stringify(value)} literal bare, in double quotes and in single quotes`, () => {
      expect(sh(renderShellCommand('printf %s {{ message }}', { message: value }, tainted))).toBe(value);
      expect(sh(renderShellCommand('printf %s "{{ message }}"', { message: value }, tainted))).toBe(value);
      expect(sh(renderShellCommand("printf %s '{{message}}'", { message: value }, tainted))).toBe(value);
      expect(sh(renderShellCommand('printf %s "<{{ message | upper }}>"', { message: value }, tainted))).toBe(
        `<${value.toUpperCase()}>`,
      );
      expect(existsSync(CANARY)).toBe(false);
    });
  }

  it('leaves pack-authored values alone (they may be shell syntax on purpose)', () => {
    const out = renderShellCommand('{{ opts }} {{ message }}', { opts: 'echo -n', message: 'a;b' }, tainted);
    expect(out).toBe("echo -n 'a;b'");
  });

  it('quotes values read through attribute access of a tainted root (webhook payloads)', () => {
    const out = renderShellCommand(
      'echo {{ trigger.body.x }}',
      { trigger: { body: { x: 'a; b' } } },
      new Set(['trigger']),
    );
    expect(sh(out)).toBe('a; b\n');
  });

  it('rejects a NUL byte and, when strict, an undefined value', () => {
    expect(() => renderShellCommand('echo {{ message }}', { message: 'a\0b' }, tainted)).toThrow(/NUL/);
    expect(() =>
      renderShellCommand('echo {{ message.nope }}', { message: 'a' }, tainted, { strictUndefined: true }),
    ).toThrow(/undefined/);
  });
});
