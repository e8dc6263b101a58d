import { abortKind } from '../runner-support.ts';
import { type CapturedStream, HostStreamCapture } from './host-output.ts';
import { buildKill, type RemoteInvocation } from './remote-command.ts';
import type { SshConnection } from './ssh-connection.ts';

export interface RemoteRunSpec {
  connection: SshConnection;
  invocation: RemoteInvocation;
  signal: AbortSignal;
  outputCapBytes: number;
  /** `<host>: ` before every live line. */
  prefix: string;
  onOutput(stream: 'stdout' | 'stderr', text: string): void;
  /** Between SIGTERM and SIGKILL of the remote process group. */
  killGraceMs: number;
  /** The kill runs through sudo when the command did. */
  sudo: boolean;
  sudoPassword?: string;
}

export interface RemoteOutcome {
  exitCode: number | null;
  exitSignal: string | null;
  stdout: CapturedStream;
  stderr: CapturedStream;
  aborted?: 'timeout' | 'canceled';
  /** Set when the channel ended without an exit status (connection lost) or the kill could not be confirmed. */
  problem?: string;
  /** Remote process group of the command, once the launcher announced it. */
  pgid?: number;
}

/** Longest the announce line can be before the stream is taken as not ours. */
const ANNOUNCE_MAX = 256;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
}

/** True when `done` settles within `ms`. */
function within(done: Promise<void>, ms: number): Promise<boolean> {
  return Promise.race([done.then(() => true), delay(ms).then(() => false)]);
}

/** Runs a command that writes nothing we keep (kill, cleanup) and waits for it, at most `ms`. */
export async function runQuiet(
  connection: SshConnection,
  invocation: RemoteInvocation,
  ms: number,
): Promise<number | null> {
  const channel = await connection.command(invocation.commandLine);
  return new Promise<number | null>((resolve) => {
    let code: number | null = null;
    const timer = setTimeout(() => {
      channel.close();
      resolve(null);
    }, ms);
    timer.unref?.();
    channel.on('exit', (c: number | null) => {
      code = c;
    });
    channel.on('data', () => {});
    channel.stderr.on('data', () => {});
    channel.on('close', () => {
      clearTimeout(timer);
      resolve(code);
    });
    channel.end(invocation.stdin);
  });
}

/**
 * Runs the launcher on its own channel: stdin carries the payload, stdout's first line announces the remote
 * process group (stripped), output streams live and is captured. On timeout/cancel the whole remote process
 * group is killed over a second channel of the same connection, because closing a channel without a pty kills
 * nothing on the host.
 */
export async function runRemote(spec: RemoteRunSpec): Promise<RemoteOutcome> {
  const stdout = new HostStreamCapture(spec.outputCapBytes, spec.prefix, (t) => spec.onOutput('stdout', t));
  const stderr = new HostStreamCapture(spec.outputCapBytes, spec.prefix, (t) => spec.onOutput('stderr', t));
  const base = (): Pick<RemoteOutcome, 'stdout' | 'stderr'> => ({
    stdout: stdout.finish(),
    stderr: stderr.finish(),
  });
  if (spec.signal.aborted) {
    return { exitCode: null, exitSignal: null, aborted: abortKind(spec.signal), ...base() };
  }
  const channel = await spec.connection.command(spec.invocation.commandLine);

  let resolvePgid!: (pgid: number | undefined) => void;
  const pgidKnown = new Promise<number | undefined>((r) => {
    resolvePgid = r;
  });
  let pgid: number | undefined;
  let resolveClosed!: () => void;
  const channelClosed = new Promise<void>((r) => {
    resolveClosed = r;
  });

  let pending: Buffer | null = Buffer.alloc(0);
  const flushPending = () => {
    if (pending && pending.length > 0) stdout.push(pending);
    pending = null;
    resolvePgid(undefined);
  };
  channel.on('data', (chunk: Buffer) => {
    if (pending === null) {
      stdout.push(chunk);
      return;
    }
    pending = Buffer.concat([pending, chunk]);
    const newline = pending.indexOf(0x0a);
    if (newline === -1) {
      if (pending.length > ANNOUNCE_MAX) flushPending();
      return;
    }
    const line = pending.subarray(0, newline).toString('utf8');
    const rest = pending.subarray(newline + 1);
    pending = null;
    const match = line.startsWith(`${spec.invocation.nonce} `)
      ? line.slice(spec.invocation.nonce.length + 1).match(/^\d+$/)
      : null;
    if (match) {
      pgid = Number(match[0]);
      resolvePgid(pgid);
    } else {
      stdout.push(Buffer.from(`${line}\n`));
      resolvePgid(undefined);
    }
    if (rest.length > 0) stdout.push(rest);
  });
  channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));

  let exitCode: number | null = null;
  let exitSignal: string | null = null;
  let sawExit = false;
  channel.on('exit', (code: number | null, signalName?: string) => {
    sawExit = true;
    exitCode = code;
    exitSignal = signalName ?? null;
  });
  channel.on('close', () => {
    flushPending();
    resolveClosed();
  });

  let aborted: RemoteOutcome['aborted'];
  let problem: string | undefined;
  let stopping: Promise<void> | undefined;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => {
    resolveStopped = r;
  });
  const stop = async () => {
    aborted = abortKind(spec.signal);
    // The launcher announces its group before the command starts; give it a moment if the abort came first.
    const group = await Promise.race([
      pgidKnown,
      delay(Math.max(spec.killGraceMs, 500)).then(() => undefined),
    ]);
    if (group !== undefined) {
      try {
        const kill = buildKill(group, spec.killGraceMs, spec.sudo, spec.sudoPassword);
        await runQuiet(spec.connection, kill, spec.killGraceMs + 10_000);
      } catch (error) {
        problem = `could not kill the remote process group ${group}: ${(error as Error).message}`;
      }
    } else {
      // No group known: the command never started (or the stream was not ours); ask sshd to signal the session.
      try {
        channel.signal('KILL');
      } catch {
        // channel already gone
      }
    }
    if (!(await within(channelClosed, 3000))) {
      problem ??= 'the remote command did not end after the kill; its channel was closed';
      channel.close();
    }
    resolveStopped();
  };
  const onAbort = () => {
    stopping ??= stop();
  };
  if (spec.signal.aborted) onAbort();
  else spec.signal.addEventListener('abort', onAbort, { once: true });
  channel.on('error', () => {}); // a channel error ends in 'close' as well
  channel.stdin.on('error', () => {});
  channel.end(spec.invocation.stdin);

  // An abort ends in 'close' too, unless the connection is gone: then the stop gives up after its own waits.
  await Promise.race([channelClosed, stopped]);
  spec.signal.removeEventListener('abort', onAbort);
  if (stopping) await stopping;
  if (!sawExit && !aborted) problem ??= 'the connection ended before the command reported an exit status';
  return { exitCode, exitSignal, aborted, problem, pgid, ...base() };
}
