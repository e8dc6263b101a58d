import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ActionDefinition } from '../../engine/model/index.ts';
import {
  createRemoteRunners,
  type HostResult,
  type RemoteRunnerOptions,
} from '../../engine/runners/remote-shell/index.ts';
import type { Runner, RunnerResult } from '../../engine/runners/runner.ts';
import {
  describeWithSshd,
  freePort,
  processesMatching,
  remoteProcesses,
  SSH_KEY_PASSPHRASE,
  SSH_SUDO_PW_USER,
  SSH_TEST_PASSWORD,
  SSH_TEST_USER,
  TestSshd,
} from '../helpers/sshd.ts';
import { makeContext, outputOf, type TestContext } from '../runners/runner-context.ts';

const INJECTION = '$(touch /tmp/pwned-squall-ssh); x\'"';
const PWNED = '/tmp/pwned-squall-ssh';

describeWithSshd('ssh runners against a real sshd', () => {
  let sshd: TestSshd;
  let bastion: TestSshd;
  let knownHosts: string;
  let work: string;
  const runnersFor = (options: RemoteRunnerOptions = {}) => {
    const [cmd, script] = createRemoteRunners({ knownHostsPath: knownHosts, killGraceMs: 500, ...options });
    return { cmd: cmd!, script: script! };
  };

  beforeAll(async () => {
    [sshd, bastion] = await Promise.all([
      TestSshd.start({ extraPorts: 1 }),
      TestSshd.start({ logLevel: 'DEBUG1' }),
    ]);
    bastion.authorize(sshd.userPublicKey);
    knownHosts = sshd.writeKnownHosts('known_hosts', [
      ...sshd.knownHostsLines(),
      ...bastion.knownHostsLines(),
    ]);
    work = mkdtempSync(join(tmpdir(), 'squall-ssh-work-'));
    chmodSync(work, 0o777); // the remote (test) user writes here too: same machine
    rmSync(PWNED, { force: true });
  });

  afterAll(async () => {
    await Promise.all([sshd?.stop(), bastion?.stop()]);
    if (work) rmSync(work, { recursive: true, force: true });
    rmSync(PWNED, { force: true });
  });

  const host = () => `127.0.0.1:${sshd.port}`;

  function ctxFor(
    runner: Runner,
    parameters: Record<string, unknown>,
    extra: {
      action?: Partial<ActionDefinition>;
      timeoutMs?: number;
      secretParameters?: string[];
      outputCapBytes?: number;
    } = {},
  ): TestContext {
    return makeContext({
      outputCapBytes: extra.outputCapBytes,
      action: { runner_type: runner.name, ...extra.action },
      parameters: { hosts: host(), username: SSH_TEST_USER, private_key: sshd.userKeyPath, ...parameters },
      timeoutMs: extra.timeoutMs,
      secretParameters: extra.secretParameters,
    });
  }

  async function run(
    runner: Runner,
    parameters: Record<string, unknown>,
    extra: Parameters<typeof ctxFor>[2] = {},
  ): Promise<RunnerResult & { hosts: Record<string, HostResult>; ctx: TestContext }> {
    const ctx = ctxFor(runner, parameters, extra);
    const outcome = await runner.run(ctx);
    return { ...outcome, hosts: outcome.result as Record<string, HostResult>, ctx };
  }

  // ------------------------------------------------------------------ commands

  it('runs a command: st2 per-host result, cwd /tmp by default, env exported, live output prefixed with the host', async () => {
    const { cmd } = runnersFor();
    const r = await run(cmd, {
      cmd: 'echo "hello $(whoami) in $PWD $GREETING $ST2_ACTION_PACK_NAME"; echo oops >&2',
      env: { GREETING: 'hi there' },
    });
    expect(r.status).toBe('succeeded');
    expect(r.hosts).toEqual({
      [host()]: {
        stdout: `hello ${SSH_TEST_USER} in /tmp hi there test`,
        stderr: 'oops',
        return_code: 0,
        succeeded: true,
        failed: false,
      },
    });
    expect(outputOf(r.ctx, 'stdout')).toBe(`${host()}: hello ${SSH_TEST_USER} in /tmp hi there test\n`);
    expect(outputOf(r.ctx, 'stderr')).toBe(`${host()}: oops\n`);
  });

  it('fails the execution with the exit code; JSON output is stored parsed; cwd is honoured', async () => {
    const { cmd } = runnersFor();
    const failed = await run(cmd, { cmd: 'echo nope; exit 3' });
    expect(failed.status).toBe('failed');
    expect(failed.hosts[host()]).toMatchObject({
      return_code: 3,
      succeeded: false,
      failed: true,
      stdout: 'nope',
    });
    const json = await run(cmd, { cmd: `printf '{"a": [1, 2], "dir": "%s"}\\n' "$PWD"`, cwd: '/' });
    expect(json.status).toBe('succeeded');
    expect(json.hosts[host()]!.stdout).toEqual({ a: [1, 2], dir: '/' });
    const badCwd = await run(cmd, { cmd: 'echo should-not-run', cwd: '/nonexistent-squall-dir' });
    expect(badCwd.status).toBe('failed');
    expect(badCwd.hosts[host()]!.stdout).toBe('');
  });

  it('caps the output kept per host and stream, and says how much there was', async () => {
    const { cmd } = runnersFor();
    const r = await run(
      cmd,
      { cmd: 'head -c 5000 /dev/zero | tr "\\0" x; echo small >&2' },
      { outputCapBytes: 1000 },
    );
    expect(r.status).toBe('succeeded');
    expect(r.hosts[host()]).toMatchObject({
      stdout_truncated: true,
      stdout_bytes_total: 5000,
      stderr: 'small',
    });
    expect(r.hosts[host()]!.stdout).toBe('x'.repeat(1000));
    expect(outputOf(r.ctx, 'stdout')).toBe(`${host()}: ${'x'.repeat(1000)}\n`);
  });

  it('sudo: runs as root (passwordless sudo); a sudo_password is used through stdin and never shown', async () => {
    const { cmd } = runnersFor();
    const r = await run(cmd, { cmd: 'id -u; echo "$HOME-$TOKEN"', sudo: true, env: { TOKEN: 't1' } });
    expect(r.status).toBe('succeeded');
    expect(r.hosts[host()]!.stdout).toMatch(/^0\n.*-t1$/);
    const withPassword = await run(cmd, { cmd: 'id -un', sudo: true, sudo_password: SSH_TEST_PASSWORD });
    expect(withPassword.status).toBe('succeeded');
    expect(withPassword.hosts[host()]!.stdout).toBe('root');
    expect(JSON.stringify([withPassword.result, withPassword.ctx.chunks])).not.toContain(SSH_TEST_PASSWORD);
    expect(withPassword.ctx.secrets).toContain(SSH_TEST_PASSWORD);
  });

  it('sudo that asks for a password: sudo_password through stdin; wrong or missing password fail clearly; timeout kills through sudo', async () => {
    const { cmd } = runnersFor();
    const as = { username: SSH_SUDO_PW_USER, sudo: true };
    const good = await run(cmd, { ...as, cmd: 'id -un', sudo_password: SSH_TEST_PASSWORD });
    expect(good.status).toBe('succeeded');
    expect(good.hosts[host()]!.stdout).toBe('root');
    const wrong = await run(cmd, { ...as, cmd: 'id -un', sudo_password: 'not-the-password' });
    expect(wrong.status).toBe('failed');
    expect(wrong.hosts[host()]!.error).toMatch(/rejected the sudo_password/);
    expect(JSON.stringify(wrong.result)).not.toContain('not-the-password');
    const missing = await run(cmd, { ...as, cmd: 'id -un' });
    expect(missing.hosts[host()]!.error).toMatch(/needs a password for squallpw: give "sudo_password"/);

    const marker = `squall-sudopw-${Math.random().toString(36).slice(2)}`;
    const slow = await run(
      cmd,
      {
        ...as,
        sudo_password: SSH_TEST_PASSWORD,
        cmd: `(exec -a ${marker} sleep 1000) & exec -a ${marker} sleep 1000`,
      },
      { timeoutMs: 1000 },
    );
    expect(slow.status).toBe('timeout');
    expect(processesMatching(marker)).toEqual([]);
  });

  it('logs in with a password, and with an encrypted key and its passphrase', async () => {
    const { cmd } = runnersFor();
    const byPassword = await run(cmd, { cmd: 'whoami', private_key: undefined, password: SSH_TEST_PASSWORD });
    expect(byPassword.status).toBe('succeeded');
    expect(byPassword.hosts[host()]!.stdout).toBe(SSH_TEST_USER);
    const byKey = await run(cmd, {
      cmd: 'whoami',
      private_key: sshd.encryptedUserKey,
      passphrase: SSH_KEY_PASSPHRASE,
    });
    expect(byKey.status).toBe('succeeded');
    const noPassphrase = await run(cmd, { cmd: 'whoami', private_key: sshd.encryptedUserKey });
    expect(noPassphrase.status).toBe('failed');
    expect(JSON.stringify(noPassphrase.result)).toMatch(/passphrase/i);
    expect(JSON.stringify(noPassphrase.result)).not.toContain('PRIVATE KEY');
  });

  // ------------------------------------------------------------------ several hosts

  it('two hosts (one sshd, two ports): serial runs never overlap; results keyed by host in the listed order', async () => {
    const { cmd } = runnersFor();
    const lock = join(work, 'serial-lock');
    const hosts = `127.0.0.1:${sshd.ports[0]},127.0.0.1:${sshd.ports[1]}`;
    const r = await run(cmd, {
      hosts,
      cmd: `if mkdir ${lock}; then sleep 0.3; rmdir ${lock}; echo "alone on \${SSH_CONNECTION##* }"; else echo overlap; fi`,
    });
    expect(r.status).toBe('succeeded');
    expect(Object.keys(r.hosts)).toEqual(hosts.split(','));
    expect(r.hosts[`127.0.0.1:${sshd.ports[0]}`]!.stdout).toBe(`alone on ${sshd.ports[0]}`);
    expect(r.hosts[`127.0.0.1:${sshd.ports[1]}`]!.stdout).toBe(`alone on ${sshd.ports[1]}`);
  });

  it('two hosts in parallel: both commands run at the same time (they wait for each other)', async () => {
    const { cmd } = runnersFor();
    const meet = join(work, 'rendezvous');
    mkdirSync(meet);
    chmodSync(meet, 0o777);
    const hosts = `127.0.0.1:${sshd.ports[0]},localhost:${sshd.ports[1]}`;
    // Each host waits (up to 10 s) until the other has arrived: only a parallel run can succeed.
    const r = await run(cmd, {
      hosts,
      parallel: true,
      cmd: `touch ${meet}/\${SSH_CONNECTION##* }; for i in $(seq 100); do [ "$(ls ${meet} | wc -l)" -ge 2 ] && { echo met; exit 0; }; sleep 0.1; done; echo alone; exit 1`,
    });
    expect(r.hosts).toMatchObject({
      [`127.0.0.1:${sshd.ports[0]}`]: { stdout: 'met', succeeded: true },
      [`localhost:${sshd.ports[1]}`]: { stdout: 'met', succeeded: true },
    });
    expect(r.status).toBe('succeeded');
    const lines = outputOf(r.ctx, 'stdout').trim().split('\n').sort();
    expect(lines).toEqual([`127.0.0.1:${sshd.ports[0]}: met`, `localhost:${sshd.ports[1]}: met`]);
  });

  it('fails the execution when one host of two fails; the other keeps its result', async () => {
    const { cmd } = runnersFor();
    const closed = await freePort();
    const r = await run(cmd, { hosts: `${host()},127.0.0.1:${closed}`, cmd: 'echo ok', parallel: true });
    expect(r.status).toBe('failed');
    expect(r.hosts[host()]).toMatchObject({ succeeded: true, stdout: 'ok' });
    expect(r.hosts[`127.0.0.1:${closed}`]).toMatchObject({
      succeeded: false,
      failed: true,
      return_code: 255,
    });
    expect(r.hosts[`127.0.0.1:${closed}`]!.error).toMatch(/ECONNREFUSED/);
  });

  // ------------------------------------------------------------------ timeout / cancel

  it.each([
    ['as the login user', false],
    ['through sudo (root processes)', true],
  ])('timeout %s: status timeout and no process of the command is left on the host', async (_label, sudo) => {
    const { cmd } = runnersFor();
    const marker = `squall-ttl-${Math.random().toString(36).slice(2)}`;
    const seen: string[][] = [];
    const ctx = ctxFor(
      cmd,
      {
        sudo,
        // A background sleep, one that ignores SIGTERM, and the foreground one: all named after the marker.
        // "started" only once both background ones run under their marker name.
        cmd: `(exec -a ${marker} sleep 1000) & (trap '' TERM; exec -a ${marker} sleep 1000) & until [ "$(pgrep -cf ${marker})" -ge 2 ]; do sleep 0.05; done; echo started; exec -a ${marker} sleep 1000`,
      },
      { timeoutMs: 1500 },
    );
    const output = ctx.output.bind(ctx);
    ctx.output = (stream, data) => {
      output(stream, data);
      if (data.includes('started')) seen.push(processesMatching(marker));
    };
    const outcome = await cmd.run(ctx);
    expect(outcome.status).toBe('timeout');
    expect((outcome.result as Record<string, HostResult>)[host()]).toMatchObject({
      timeout: true,
      return_code: -9,
      succeeded: false,
      stdout: 'started',
      error: 'Action failed to complete in 1.5 seconds',
    });
    // The processes existed while the command ran (may be 2 or 3 at "started"), and none is left now.
    expect(seen.length).toBe(1);
    expect(seen[0]!.length).toBeGreaterThanOrEqual(2);
    expect(processesMatching(marker)).toEqual([]);
  });

  it('cancel stops the remote command too (status canceled)', async () => {
    const { cmd } = runnersFor();
    const marker = `squall-cancel-${Math.random().toString(36).slice(2)}`;
    const ctx = ctxFor(cmd, { cmd: `echo started; exec -a ${marker} sleep 1000` });
    const output = ctx.output.bind(ctx);
    ctx.output = (stream, data) => {
      output(stream, data);
      if (data.includes('started')) ctx.controller.abort(new DOMException('canceled', 'AbortError'));
    };
    const outcome = await cmd.run(ctx);
    expect(outcome.status).toBe('canceled');
    expect(remoteProcesses(marker)).toEqual([]);
  });

  // ------------------------------------------------------------------ connection failures

  it('an unreachable host fails fast with a clear error (refused; no SSH handshake)', async () => {
    const { cmd } = runnersFor({ connectTimeoutMs: 400 });
    const closed = await freePort();
    const refused = await run(cmd, { hosts: `127.0.0.1:${closed}`, cmd: 'true' });
    expect(refused.status).toBe('failed');
    expect(refused.hosts[`127.0.0.1:${closed}`]!.error).toMatch(
      /cannot connect to 127\.0\.0\.1:\d+: .*ECONNREFUSED/,
    );

    const silent: Server = createServer(() => {}); // accepts TCP, never speaks SSH
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const hung = await run(cmd, { hosts: `127.0.0.1:${port}`, cmd: 'true' });
      expect(hung.status).toBe('failed');
      expect(hung.hosts[`127.0.0.1:${port}`]!.error).toMatch(
        /no SSH handshake with 127\.0\.0\.1:\d+ within 0\.4 s/,
      );
    } finally {
      silent.close();
    }
  });

  it('a wrong key or password is refused with an authentication error', async () => {
    const { cmd } = runnersFor();
    const wrongKey = await run(cmd, { cmd: 'true', private_key: sshd.strangerKey });
    expect(wrongKey.status).toBe('failed');
    expect(wrongKey.hosts[host()]!.error).toMatch(
      /authentication failed for squalltest@127\.0\.0\.1:\d+ \(tried: publickey\)/,
    );
    const wrongPassword = await run(cmd, {
      cmd: 'true',
      private_key: undefined,
      password: 'not-the-password',
    });
    expect(wrongPassword.hosts[host()]!.error).toMatch(/authentication failed .*tried: password/);
  });

  it('checks host keys against known_hosts: unknown and mismatched keys are refused unless checking is off', async () => {
    const empty = sshd.writeKnownHosts('known_hosts_empty', ['# nothing']);
    const unknown = await run(runnersFor({ knownHostsPath: empty }).cmd, { cmd: 'true' });
    expect(unknown.status).toBe('failed');
    expect(unknown.hosts[host()]!.error).toMatch(
      /host key of 127\.0\.0\.1:\d+ is not in .*known_hosts_empty/,
    );

    const other = bastion.hostPublicKey; // a real key, but not this host's
    const wrong = sshd.writeKnownHosts('known_hosts_wrong', [`[127.0.0.1]:${sshd.port} ${other}`]);
    const mismatch = await run(runnersFor({ knownHostsPath: wrong }).cmd, { cmd: 'true' });
    expect(mismatch.hosts[host()]!.error).toMatch(/HOST KEY MISMATCH for 127\.0\.0\.1:\d+/);

    const missingFile = await run(runnersFor({ knownHostsPath: join(work, 'no-such-file') }).cmd, {
      cmd: 'true',
    });
    expect(missingFile.hosts[host()]!.error).toMatch(/does not exist/);

    const off = await run(runnersFor({ knownHostsPath: empty, strictHostKeyChecking: false }).cmd, {
      cmd: 'echo in',
    });
    expect(off.status).toBe('succeeded');
  });

  // ------------------------------------------------------------------ quoting

  it('every value that reaches the remote shell arrives literally: env, cwd, script arguments', async () => {
    const { cmd, script } = runnersFor();
    const oddDir = join(work, INJECTION.replaceAll('/', '_'));
    mkdirSync(oddDir, { recursive: true });
    const r = await run(cmd, { cmd: 'printf "%s\\n" "$ODD"; pwd', env: { ODD: INJECTION }, cwd: oddDir });
    expect(r.status).toBe('succeeded');
    expect(r.hosts[host()]!.stdout).toBe(`${INJECTION}\n${oddDir}`);

    const pack = join(work, 'pack-args');
    mkdirSync(join(pack, 'actions'), { recursive: true });
    writeFileSync(
      join(pack, 'actions', 'args.sh'),
      '#!/bin/bash\nfor a in "$@"; do printf "[%s]\\n" "$a"; done\n',
    );
    const s = await run(
      script,
      { named: INJECTION, first: INJECTION, second: 'two words' },
      {
        action: {
          pack_path: pack,
          entry_point: 'args.sh',
          parameters: {
            named: { type: 'string' },
            first: { type: 'string', position: 0 },
            second: { type: 'string', position: 1 },
          },
        },
      },
    );
    expect(s.status).toBe('succeeded');
    expect(s.hosts[host()]!.stdout).toBe(`[--named=${INJECTION}]\n[${INJECTION}]\n[two words]`);
    expect(existsSync(PWNED)).toBe(false);

    const nul = await run(cmd, { cmd: 'true', env: { BAD: 'a\0b' } });
    expect(nul.status).toBe('failed');
    expect(JSON.stringify(nul.result)).toMatch(/NUL byte/);
  });

  // ------------------------------------------------------------------ scripts

  it('copies a script with the pack lib over SFTP, runs it with its arguments and secrets, then removes it', async () => {
    const { script } = runnersFor();
    const pack = join(work, 'pack-script');
    mkdirSync(join(pack, 'actions', 'lib'), { recursive: true });
    writeFileSync(join(pack, 'actions', 'lib', 'helper.sh'), 'helper() { echo "helper says $1"; }\n');
    const secret = `s3cret-${Math.random().toString(36).slice(2)}`;
    writeFileSync(
      join(pack, 'actions', 'run.sh'),
      [
        '#!/bin/bash',
        'source "$(dirname "$0")/lib/helper.sh"',
        'helper "$1"',
        `echo "dir=$(dirname "$0") user=$(whoami) secret-env=\${SQUALL_SECRET_TOKEN:+set}"`,
        // The secret must be in no process's argv on the host.
        'if grep -qa -- "$SQUALL_SECRET_TOKEN" /proc/[0-9]*/cmdline 2>/dev/null; then echo secret-in-argv; else echo secret-not-in-argv; fi',
      ].join('\n'),
    );
    const r = await run(
      script,
      { who: 'world', token: secret },
      {
        action: {
          pack_path: pack,
          entry_point: 'run.sh',
          parameters: { who: { type: 'string', position: 0 }, token: { type: 'string', secret: true } },
        },
        secretParameters: ['token'],
      },
    );
    expect(r.status).toBe('succeeded');
    const out = String(r.hosts[host()]!.stdout).split('\n');
    expect(out[0]).toBe('helper says world');
    expect(out[1]).toMatch(
      new RegExp(`^dir=/tmp/squall-[0-9a-f-]{36} user=${SSH_TEST_USER} secret-env=set$`),
    );
    expect(out[2]).toBe('secret-not-in-argv');
    const remoteDir = out[1]!.slice('dir='.length).split(' ')[0]!;
    expect(existsSync(remoteDir)).toBe(false); // same machine: the copy is gone

    const sudoRun = await run(
      script,
      { who: 'root', sudo: true },
      {
        action: {
          pack_path: pack,
          entry_point: 'run.sh',
          parameters: { who: { type: 'string', position: 0 } },
        },
      },
    );
    expect(sudoRun.status).toBe('succeeded');
    expect(String(sudoRun.hosts[host()]!.stdout)).toMatch(/^helper says root\ndir=\S+ user=root /);
  });

  it('a script that cannot be copied fails the host with the reason (dir not writable for the login user)', async () => {
    const { script } = runnersFor();
    const pack = join(work, 'pack-nocopy');
    mkdirSync(join(pack, 'actions'), { recursive: true });
    writeFileSync(join(pack, 'actions', 'x.sh'), '#!/bin/sh\necho x\n');
    const r = await run(script, { dir: '/root' }, { action: { pack_path: pack, entry_point: 'x.sh' } });
    expect(r.status).toBe('failed');
    expect(r.hosts[host()]!.error).toMatch(
      /copying the script to 127\.0\.0\.1:\d+ failed: cannot create \/root\/squall-/,
    );
    const missing = await run(script, {}, { action: { pack_path: pack, entry_point: 'nope.sh' } });
    expect(missing.status).toBe('failed');
    expect(JSON.stringify(missing.result)).toMatch(/entry point .*nope\.sh does not exist/);
  });

  it('one connection per host per execution (script copy, run, kill and cleanup share it)', async () => {
    const { script } = runnersFor();
    const pack = join(work, 'pack-conn');
    mkdirSync(join(pack, 'actions'), { recursive: true });
    writeFileSync(join(pack, 'actions', 'x.sh'), '#!/bin/sh\necho x\n');
    const accepted = () => (sshd.log().match(/Accepted publickey for squalltest/g) ?? []).length;
    const before = accepted();
    const r = await run(
      script,
      { hosts: `127.0.0.1:${sshd.ports[0]},127.0.0.1:${sshd.ports[1]}`, parallel: true },
      { action: { pack_path: pack, entry_point: 'x.sh' } },
    );
    expect(r.status).toBe('succeeded');
    // sshd's log lines reach us through a pipe and may trail the result.
    for (let i = 0; i < 40 && accepted() - before < 2; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 100));
    expect(accepted() - before).toBe(2);
  });

  // ------------------------------------------------------------------ bastion

  it('hops through a bastion sshd to the target', async () => {
    const { cmd } = runnersFor();
    const r = await run(cmd, {
      cmd: `echo "via \${SSH_CONNECTION##* }"`,
      bastion_host: `127.0.0.1:${bastion.port}`,
    });
    expect(r.result).toMatchObject({ [host()]: { succeeded: true } });
    expect(r.hosts[host()]!.stdout).toBe(`via ${sshd.port}`);
    // The bastion opened the TCP connection to the target (sshd logs the direct-tcpip request at DEBUG1).
    expect(bastion.log()).toContain(`target 127.0.0.1 port ${sshd.port}`);

    const closed = await freePort();
    const refused = await run(cmd, {
      hosts: `127.0.0.1:${closed}`,
      cmd: 'true',
      bastion_host: `127.0.0.1:${bastion.port}`,
    });
    expect(refused.hosts[`127.0.0.1:${closed}`]!.error).toMatch(
      new RegExp(
        `bastion 127\\.0\\.0\\.1:${bastion.port} could not open a connection to 127\\.0\\.0\\.1:${closed}`,
      ),
    );

    const downBastion = await freePort();
    const noBastion = await run(cmd, { cmd: 'true', bastion_host: `127.0.0.1:${downBastion}` });
    expect(noBastion.status).toBe('failed');
    expect(noBastion.hosts[host()]!.error).toMatch(
      new RegExp(`^bastion 127\\.0\\.0\\.1:${downBastion}: cannot connect to .*ECONNREFUSED`),
    );
  });
});
