import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { serviceGate } from './services.ts';

/**
 * A real OpenSSH sshd for the SSH runner tests, started by the test itself on 127.0.0.1 on free ports, with a
 * temporary host key, user keys, authorized_keys and a stock-like sshd_config (UsePAM no, StrictModes no).
 * It logs in as the non-root user `squalltest` that `.ci/setup-sshd.sh` creates (with passwordless sudo and the
 * test-only password below); starting sshd needs root.
 */

export const SSHD_BINARY = '/usr/sbin/sshd';
export const SSH_TEST_USER = 'squalltest';
/** A second test user whose sudo asks for the password (one try): the sudo_password tests. */
export const SSH_SUDO_PW_USER = 'squallpw';
/** Test-only password set by .ci/setup-sshd.sh (the test sshd listens on 127.0.0.1 only). */
export const SSH_TEST_PASSWORD = 'squalltest-Pw-0nly4tests';
export const SSH_KEY_PASSPHRASE = 'test-passphrase-9d2';

/** Why sshd tests cannot run here, or undefined when they can. */
export function sshdUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0)
    return 'the test process is not root (sshd must start as root to log users in)';
  if (!existsSync(SSHD_BINARY)) return `${SSHD_BINARY} is missing (run .ci/setup-sshd.sh as root)`;
  for (const user of [SSH_TEST_USER, SSH_SUDO_PW_USER]) {
    try {
      execFileSync('id', ['-u', user], { stdio: 'ignore' });
    } catch {
      return `user ${user} does not exist (run .ci/setup-sshd.sh as root)`;
    }
  }
  for (const tool of ['ssh-keygen', 'sudo']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `${tool} is missing (run .ci/setup-sshd.sh as root)`;
    }
  }
  return undefined;
}

/**
 * `describe` for suites that need sshd: skipped with the reason when sshd cannot run here, or one failing
 * test when SQUALL_TEST_REQUIRE_SERVICES=1 (CI), through services.ts's serviceGate.
 */
export function describeWithSshd(name: string, fn: () => void): void {
  const reason = sshdUnavailableReason();
  const gate = serviceGate(name, reason === undefined, 'sshd');
  if (gate.mode === 'run') {
    describe(name, fn);
  } else if (gate.mode === 'fail') {
    describe(name, () => {
      it('has a test sshd', () => {
        throw new Error(`${name}: ${reason} and SQUALL_TEST_REQUIRE_SERVICES=1`);
      });
    });
  } else {
    console.warn(`skipping ${name}: ${reason}`);
    describe.skip(name, fn);
  }
}

/** A free TCP port on 127.0.0.1 (closed again; sshd binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function keygen(path: string, passphrase = ''): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'squall-test', '-f', path], {
    stdio: 'ignore',
  });
}

/** Resolves once the port answers with an SSH banner. */
async function waitForBanner(
  port: number,
  proc: ChildProcess,
  log: () => string,
  ms = 10_000,
): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`sshd exited with ${proc.exitCode}: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      const done = (v: boolean) => {
        socket.destroy();
        resolve(v);
      };
      socket.setTimeout(1000, () => done(false));
      socket.once('error', () => done(false));
      socket.once('data', (chunk) => done(chunk.toString('latin1').startsWith('SSH-2.0-')));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not answer on 127.0.0.1:${port} within ${ms} ms: ${log()}`);
}

export interface TestSshdOptions {
  /** Extra ports the same sshd listens on (the "two hosts" tests). */
  extraPorts?: number;
  /** sshd LogLevel (default VERBOSE; DEBUG1 shows direct-tcpip hops). */
  logLevel?: string;
  /** More sshd_config lines. */
  config?: string[];
}

export class TestSshd {
  private constructor(
    readonly dir: string,
    readonly ports: number[],
    readonly process: ChildProcess,
    private readonly logChunks: string[],
  ) {}

  get port(): number {
    return this.ports[0]!;
  }

  /** The user's private key (ed25519, no passphrase), as a path. */
  get userKeyPath(): string {
    return join(this.dir, 'user_key');
  }

  get userKey(): string {
    return readFileSync(this.userKeyPath, 'utf8');
  }

  /** A second authorized key, encrypted with SSH_KEY_PASSPHRASE. */
  get encryptedUserKey(): string {
    return readFileSync(join(this.dir, 'user_key_enc'), 'utf8');
  }

  /** A key that is NOT in authorized_keys. */
  get strangerKey(): string {
    return readFileSync(join(this.dir, 'stranger_key'), 'utf8');
  }

  /** `ssh-ed25519 AAAA... comment` of the user key. */
  get userPublicKey(): string {
    return readFileSync(join(this.dir, 'user_key.pub'), 'utf8').trim();
  }

  /** Lets another sshd's user key log in here too (a bastion uses the same credentials as the target). */
  authorize(publicKey: string): void {
    appendFileSync(join(this.dir, 'authorized_keys'), `${publicKey}\n`);
  }

  /** `ssh-ed25519 AAAA...` of the host key. */
  get hostPublicKey(): string {
    return readFileSync(join(this.dir, 'host_key.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  }

  /** known_hosts lines for 127.0.0.1 and localhost on every port of this sshd. */
  knownHostsLines(): string[] {
    return this.ports.flatMap((port) => [
      `[127.0.0.1]:${port} ${this.hostPublicKey}`,
      `[localhost]:${port} ${this.hostPublicKey}`,
    ]);
  }

  log(): string {
    return this.logChunks.join('');
  }

  static async start(options: TestSshdOptions = {}): Promise<TestSshd> {
    const dir = mkdtempSync(join(tmpdir(), 'squall-sshd-'));
    // The login user reads authorized_keys (sshd drops privileges for that): the folder must be traversable.
    chmodSync(dir, 0o755);
    keygen(join(dir, 'host_key'));
    keygen(join(dir, 'user_key'));
    keygen(join(dir, 'user_key_enc'), SSH_KEY_PASSPHRASE);
    keygen(join(dir, 'stranger_key'));
    const authorized = [
      readFileSync(join(dir, 'user_key.pub'), 'utf8').trim(),
      readFileSync(join(dir, 'user_key_enc.pub'), 'utf8').trim(),
    ].join('\n');
    writeFileSync(join(dir, 'authorized_keys'), `${authorized}\n`, { mode: 0o644 });
    const ports = [await freePort()];
    for (let i = 0; i < (options.extraPorts ?? 0); i++) ports.push(await freePort());
    const sftpServer = existsSync('/usr/lib/openssh/sftp-server')
      ? '/usr/lib/openssh/sftp-server'
      : 'internal-sftp';
    const config = [
      ...ports.map((p) => `Port ${p}`),
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'PermitRootLogin no',
      `AllowUsers ${SSH_TEST_USER} ${SSH_SUDO_PW_USER}`,
      'AcceptEnv LANG LC_*',
      `Subsystem sftp ${sftpServer}`,
      `LogLevel ${options.logLevel ?? 'VERBOSE'}`,
      'MaxStartups 100:30:200',
      ...(options.config ?? []),
    ];
    const configPath = join(dir, 'sshd_config');
    writeFileSync(configPath, `${config.join('\n')}\n`);
    execFileSync(SSHD_BINARY, ['-t', '-f', configPath], { stdio: 'pipe' });
    const chunks: string[] = [];
    const proc = spawn(SSHD_BINARY, ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
    const sshd = new TestSshd(dir, ports, proc, chunks);
    try {
      for (const port of ports) await waitForBanner(port, proc, () => chunks.join(''));
    } catch (error) {
      await sshd.stop();
      throw error;
    }
    return sshd;
  }

  /** Writes a known_hosts file with this sshd's entries (plus `extra` lines) and returns its path. */
  writeKnownHosts(name: string, lines: string[] = this.knownHostsLines()): string {
    const path = join(this.dir, name);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  }

  async stop(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
      this.process.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Processes of the test users whose command line contains `marker` (pgrep -f). */
export function remoteProcesses(marker: string): string[] {
  try {
    return execFileSync('pgrep', ['-u', `${SSH_TEST_USER},${SSH_SUDO_PW_USER}`, '-f', '-a', marker], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** Processes of any user whose command line contains `marker`. */
export function processesMatching(marker: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', '-a', marker], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter((line) => line && !line.includes('pgrep'));
  } catch {
    return [];
  }
}
