import { randomBytes } from 'node:crypto';
import { shellQuote } from '../../expressions/index.ts';

/**
 * How a command reaches the remote host.
 *
 * The command line that sshd hands to the login shell is a FIXED launcher: it holds no parameter value, so
 * nothing an action passes (command, environment, arguments, secrets) is visible in the remote host's
 * `/proc/<pid>/cmdline` or `ps`. Everything else travels on the channel's stdin (stock sshd drops most
 * environment variables a client sends, so the environment is no option):
 *
 *   [sudo password line]   read by `sudo -S` when it prompts (otherwise skipped, see below)
 *   <nonce>\n              the launcher discards every line before this one
 *   <payload>\0            a shell script: exports, cd, the command; every value in it single-quoted
 *
 * The launcher (bash) reads the payload, prints `<nonce> <process group id>` as the first stdout line (the
 * runner strips it and keeps the id to kill the whole group on timeout/cancel), then `eval`s the payload in the
 * same shell, so the command text is never an argument of any process either.
 */

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A value for the remote shell: single-quoted, NUL rejected (naming what it was). */
export function quoteValue(value: string, what: string): string {
  if (value.includes('\0')) throw new Error(`${what} contains a NUL byte, which cannot reach a remote shell`);
  return shellQuote(value);
}

export interface RemotePlan {
  /** Exported before the command (names validated, values quoted). */
  env: Record<string, string>;
  /** `cd` before the command; the command does not run when it fails (st2: `cd <cwd> && <cmd>`). */
  cwd?: string;
  /** Shell text run last: the action's `cmd` as written, or the quoted script path and arguments. */
  command: string;
  sudo: boolean;
  /** For `sudo -S` (stdin); without it sudo runs with `-n` and fails rather than waiting for a password. */
  sudoPassword?: string;
}

export interface RemoteInvocation {
  /** What the remote login shell runs: constant apart from the nonce. */
  commandLine: string;
  /** Written to the channel's stdin, which is then closed. */
  stdin: string;
  /** First token of the launcher's announce line. */
  nonce: string;
}

function launcher(nonce: string): string {
  return [
    `n=${nonce}; f=0`,
    'while IFS= read -r l; do if [ "$l" = "$n" ]; then f=1; break; fi; done',
    `if [ "$f" != 1 ] || ! IFS= read -r -d '' p; then echo 'squall: no command received on stdin' >&2; exit 255; fi`,
    // The process group to kill on timeout: this shell's (sshd makes the session leader; sudo may add a level).
    'g=$$',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash parameter expansion, not a JS template
    'if read -r s 2>/dev/null </proc/$$/stat; then s=${s##*) }; set -f; set -- $s; g=$3; set --; set +f; fi',
    `printf '%s %s\\n' "$n" "$g"`,
    'unset n f l s g',
    'eval "$p"',
  ].join('\n');
}

function sudoPrefix(password: string | undefined): string {
  // -p '': no prompt text in stderr; -n: fail at once when a password would be needed and none was given.
  return password ? "sudo -S -p '' --" : 'sudo -n --';
}

/** The payload script: exports, cd, command. Throws (naming the field) on a bad name or a NUL byte. */
export function buildPayload(plan: RemotePlan): string {
  const lines = ['unset p'];
  for (const [name, value] of Object.entries(plan.env)) {
    if (!ENV_NAME.test(name)) throw new Error(`parameter "env": "${name}" is not a valid variable name`);
    lines.push(`export ${name}=${quoteValue(value, `parameter "env" (${name})`)}`);
  }
  if (plan.cwd !== undefined && plan.cwd !== '') {
    lines.push(`cd -- ${quoteValue(plan.cwd, 'parameter "cwd"')} || exit 1`);
  }
  if (plan.command.includes('\0')) throw new Error('the command contains a NUL byte');
  lines.push(plan.command);
  return `${lines.join('\n')}\n`;
}

export function buildInvocation(
  plan: RemotePlan,
  nonce = `squall-${randomBytes(12).toString('hex')}`,
): RemoteInvocation {
  const payload = buildPayload(plan);
  if (plan.sudoPassword?.includes('\n') || plan.sudoPassword?.includes('\0')) {
    throw new Error('parameter "sudo_password" contains a newline or NUL byte');
  }
  const shell = `bash -c ${shellQuote(launcher(nonce))} bash`;
  const commandLine = plan.sudo ? `exec ${sudoPrefix(plan.sudoPassword)} ${shell}` : `exec ${shell}`;
  const passwordLine = plan.sudo && plan.sudoPassword ? `${plan.sudoPassword}\n` : '';
  return { commandLine, stdin: `${passwordLine}${nonce}\n${payload}\0`, nonce };
}

/**
 * Ends a process group on the remote host: SIGTERM, then SIGKILL after `graceMs` if any member is left. Run on
 * its own channel of the same connection (as root through sudo when the command ran through sudo).
 */
export function buildKill(
  pgid: number,
  graceMs: number,
  sudo: boolean,
  sudoPassword?: string,
): RemoteInvocation {
  if (!Number.isSafeInteger(pgid) || pgid <= 1) throw new Error(`invalid remote process group id ${pgid}`);
  const rounds = Math.max(0, Math.ceil(graceMs / 100));
  const script = [
    `g=${pgid}`,
    'kill -TERM -- -$g 2>/dev/null || exit 0',
    `i=0; while [ $i -lt ${rounds} ]; do kill -0 -- -$g 2>/dev/null || exit 0; sleep 0.1; i=$((i+1)); done`,
    'kill -KILL -- -$g 2>/dev/null; exit 0',
  ].join('\n');
  const shell = `bash -c ${shellQuote(script)}`;
  const commandLine = sudo ? `exec ${sudoPrefix(sudoPassword)} ${shell}` : `exec ${shell}`;
  return { commandLine, stdin: sudo && sudoPassword ? `${sudoPassword}\n` : '', nonce: '' };
}
