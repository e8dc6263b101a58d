import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildInvocation,
  buildKill,
  buildPayload,
} from '../../../engine/runners/remote-shell/remote-command.ts';

const PWNED = '/tmp/pwned-squall-remote-cmd';
const NASTY = [
  `$(touch ${PWNED}); x'"`,
  '`touch /tmp/pwned-squall-remote-cmd`',
  'it\'s a "quote" \\ back\\slash',
  '; rm -rf / #',
  '\n\nnewlines\n',
  '  leading and trailing  ',
  'ünïcødé ✓ 日本',
  `$HOME \${PATH} $((1+1)) !! *`,
  '-n',
  '',
];

/** Runs an invocation the way sshd does (login shell `sh -c <command line>`, stdin from the channel), locally. */
function runLocally(commandLine: string, stdin: string) {
  return spawnSync('sh', ['-c', commandLine], { input: stdin, encoding: 'utf8' });
}

afterAll(() => rmSync(PWNED, { force: true }));

describe('remote command launcher (run through a local shell: same bytes as over SSH)', () => {
  it('keeps every value off the command line: only the launcher and a nonce are there', () => {
    const inv = buildInvocation({
      env: { SECRET: 'hunter2-env' },
      cwd: '/tmp/hunter2-dir',
      command: 'echo hunter2-cmd',
      sudo: true,
      sudoPassword: 'hunter2-sudo',
    });
    expect(inv.commandLine).not.toMatch(/hunter2/);
    expect(inv.commandLine).toMatch(/^exec sudo -S -p '' -- bash -c /);
    expect(inv.stdin.startsWith('hunter2-sudo\n')).toBe(true);
    expect(inv.stdin).toContain(`${inv.nonce}\n`);
    expect(inv.stdin.endsWith('\0')).toBe(true);
    const noPassword = buildInvocation({ env: {}, command: 'true', sudo: true });
    expect(noPassword.commandLine).toMatch(/^exec sudo -n -- bash -c /);
    expect(noPassword.stdin.startsWith(noPassword.nonce)).toBe(true);
  });

  it('env values, cwd and the command arrive literally; the first stdout line announces the process group', () => {
    for (const value of NASTY) {
      const inv = buildInvocation({
        env: { ODD: value },
        cwd: '/',
        command: 'printf "%s|" "$ODD"; pwd',
        sudo: false,
      });
      const r = runLocally(inv.commandLine, inv.stdin);
      expect(r.status, r.stderr).toBe(0);
      const [announce, ...rest] = r.stdout.split('\n');
      expect(announce).toMatch(new RegExp(`^${inv.nonce} \\d+$`));
      expect(rest.join('\n')).toBe(`${value}|/\n`);
    }
    expect(existsSync(PWNED)).toBe(false);
  });

  it('skips an unread sudo password line before the nonce (passwordless sudo leaves it on stdin)', () => {
    const inv = buildInvocation({ env: {}, command: 'echo ran; cat', sudo: false });
    const r = runLocally(inv.commandLine, `left-over-password\n${inv.stdin}`);
    expect(r.stdout.split('\n').slice(1).join('\n')).toBe('ran\n'); // the command's own stdin is empty
  });

  it('fails clearly when no payload arrives, and exits with the command status', () => {
    const inv = buildInvocation({ env: {}, command: 'exit 7', sudo: false });
    const none = runLocally(inv.commandLine, 'nothing useful\n');
    expect(none.status).toBe(255);
    expect(none.stderr).toMatch(/no command received on stdin/);
    expect(runLocally(inv.commandLine, inv.stdin).status).toBe(7);
  });

  it('does not run the command when cd fails (st2: cd <cwd> && <cmd>)', () => {
    const inv = buildInvocation({ env: {}, cwd: '/nonexistent-squall', command: 'echo ran', sudo: false });
    const r = runLocally(inv.commandLine, inv.stdin);
    expect(r.status).toBe(1);
    expect(r.stdout).not.toContain('ran');
  });

  it('rejects NUL bytes and bad variable names, naming the field', () => {
    expect(() => buildPayload({ env: { A: 'x\0y' }, command: 'true', sudo: false })).toThrow(
      /parameter "env" \(A\) contains a NUL byte/,
    );
    expect(() => buildPayload({ env: { 'A-B': 'x' }, command: 'true', sudo: false })).toThrow(
      /"A-B" is not a valid variable name/,
    );
    expect(() => buildPayload({ env: {}, cwd: '/a\0', command: 'true', sudo: false })).toThrow(
      /parameter "cwd"/,
    );
    expect(() => buildInvocation({ env: {}, command: 'true', sudo: true, sudoPassword: 'a\nb' })).toThrow(
      /sudo_password/,
    );
  });

  it('the kill script ends a whole process group, escalating to SIGKILL', async () => {
    // A group (own session) whose members ignore SIGTERM, started locally.
    const marker = `squall-kill-${Math.random().toString(36).slice(2)}`;
    const child = spawn(
      'bash',
      ['-c', `trap '' TERM; (exec -a ${marker} sleep 60) & exec -a ${marker} sleep 60`],
      {
        detached: true,
        stdio: 'ignore',
      },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const members = () => spawnSync('pgrep', ['-f', marker], { encoding: 'utf8' }).stdout.trim();
    for (let i = 0; i < 50 && members().split('\n').length < 2; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(members().split('\n').length).toBe(2);
    const kill = buildKill(child.pid!, 300, false);
    expect(runLocally(kill.commandLine, kill.stdin).status).toBe(0);
    await exited;
    expect(members()).toBe('');
    expect(() => buildKill(1, 100, false)).toThrow(/invalid remote process group/);
  });
});
