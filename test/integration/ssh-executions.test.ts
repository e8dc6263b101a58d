import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { createDatastoreKeyv } from '../../engine/datastore/create-keyv.ts';
import { Datastore } from '../../engine/datastore/datastore.ts';
import { buildSt2kvContext, collectKvReferences } from '../../engine/datastore/template-context.ts';
import { ExecutionService } from '../../engine/executions/execution-service.ts';
import { silentLogger } from '../../engine/log/logger.ts';
import type { ExecutionRecord } from '../../engine/model/index.ts';
import { loadRegistry } from '../../engine/packs/discover.ts';
import type { Registry } from '../../engine/packs/registry.ts';
import { createRemoteRunners, type HostResult } from '../../engine/runners/remote-shell/index.ts';
import { action, type Harness, makeHarness } from '../executions/harness.ts';
import { REPO_ROOT } from '../helpers/squall-process.ts';
import {
  describeWithSshd,
  processesMatching,
  SSH_TEST_PASSWORD,
  SSH_TEST_USER,
  TestSshd,
} from '../helpers/sshd.ts';

const PWNED = '/tmp/pwned-squall-ssh-exec';
const INJECTION = `$(touch ${PWNED}); x'"`;

// Remote actions run the way the engine runs them: ExecutionService renders parameters (Jinja, st2kv with
// decrypt_kv from a real encrypted Datastore, untrusted values quoted into shell cmd templates) and calls the runners.
describeWithSshd('ssh runners through ExecutionService (datastore secrets, core and linux packs)', () => {
  let sshd: TestSshd;
  let registry: Registry;
  let work: string;
  let h: Harness;
  let svc: ExecutionService;
  let datastore: Datastore;

  beforeAll(async () => {
    sshd = await TestSshd.start();
    registry = loadRegistry({ builtinDir: join(REPO_ROOT, 'packs'), paths: [] });
    work = mkdtempSync(join(tmpdir(), 'squall-ssh-exec-'));
    chmodSync(work, 0o777); // the remote (test) user writes here: same machine
    rmSync(PWNED, { force: true });
  });

  afterAll(async () => {
    await sshd?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
    rmSync(PWNED, { force: true });
  });

  beforeEach(() => {
    h = makeHarness();
    datastore = new Datastore({ keyv: createDatastoreKeyv({ url: '', db: h.store.db }), cipher: h.box });
    for (const runner of createRemoteRunners({
      knownHostsPath: sshd.writeKnownHosts('known_hosts'),
      killGraceMs: 500,
    })) {
      h.runners.set(runner.name, runner);
    }
    for (const ref of [
      'core.remote',
      'core.remote_sudo',
      'linux.file_touch',
      'linux.cp',
      'linux.mv',
      'linux.rm',
      'linux.vmstat',
      'linux.pkill',
      'linux.traceroute',
    ]) {
      const def = registry.getAction(ref);
      if (!def) throw new Error(`built-in action ${ref} did not load`);
      h.actions.set(ref, def);
    }
    svc = new ExecutionService({
      store: h.store,
      events: h.events,
      getAction: (ref) => h.actions.get(ref),
      runners: h.runners,
      secretBox: h.box,
      config: h.config,
      logger: silentLogger(),
      abortGraceMs: 5000,
      kvContext: (templates, user, onDecrypted) =>
        buildSt2kvContext(datastore, { user, isAdmin: false }, collectKvReferences(templates), {
          onDecrypted,
        }),
    });
  });

  afterEach(async () => {
    await svc.drain(0);
    h.cleanup();
  });

  const host = () => `127.0.0.1:${sshd.port}`;
  const login = () => ({ hosts: host(), username: SSH_TEST_USER, private_key: sshd.userKeyPath });

  async function execute(
    ref: string,
    parameters: Record<string, unknown>,
    untrustedParameters?: string[],
  ): Promise<ExecutionRecord & { hosts: Record<string, HostResult> }> {
    const created = await svc.request({
      action: ref,
      parameters,
      untrustedParameters,
      context: { user: 'alice' },
    });
    const done = await svc.waitFor(created.id);
    return { ...done, hosts: done.result as Record<string, HostResult> };
  }

  it('logs in with a private key and a password read from the encrypted datastore, and never shows them', async () => {
    const admin = { user: 'admin', isAdmin: true };
    await datastore.set(admin, 'ssh_key', sshd.userKey, { encrypt: true });
    await datastore.set(admin, 'ssh_password', SSH_TEST_PASSWORD, { encrypt: true });
    h.actions.set(
      'ops.kv_key',
      action('ops.kv_key', 'remote-shell-cmd', {
        private_key: { default: '{{ st2kv.system.ssh_key | decrypt_kv }}' },
        cmd: { default: 'echo "key login as $(whoami)"' },
      }),
    );
    h.actions.set(
      'ops.kv_password',
      action('ops.kv_password', 'remote-shell-cmd', {
        password: { default: '{{ st2kv.system.ssh_password | decrypt_kv }}' },
        cmd: { default: 'echo "password login as $(whoami)"' },
      }),
    );

    const byKey = await execute('ops.kv_key', { hosts: host(), username: SSH_TEST_USER });
    expect(byKey.status).toBe('succeeded');
    expect(byKey.hosts[host()]!.stdout).toBe(`key login as ${SSH_TEST_USER}`);
    const byPassword = await execute('ops.kv_password', { hosts: host(), username: SSH_TEST_USER });
    expect(byPassword.status).toBe('succeeded');
    expect(byPassword.hosts[host()]!.stdout).toBe(`password login as ${SSH_TEST_USER}`);

    // Neither secret is in what the engine shows or stores in clear.
    const keyBody = sshd.userKey.split('\n')[1]!; // a line of the key's base64 body
    const shown = JSON.stringify([svc.get(byKey.id), svc.get(byPassword.id), h.outputs]);
    expect(shown).not.toContain(keyBody);
    expect(shown).not.toContain(SSH_TEST_PASSWORD);
    expect(svc.get(byKey.id)?.parameters.private_key).toBe('********');
    expect(h.store.getExecution(byPassword.id)?.parameters.password).toMatch(/^v1:/);
    // The database and its write-ahead log, as they are on disk.
    const db = Buffer.concat(
      ['squall.db', 'squall.db-wal']
        .filter((f) => existsSync(join(h.dir, f)))
        .map((f) => readFileSync(join(h.dir, f))),
    );
    expect(db.includes(Buffer.from(`key login as ${SSH_TEST_USER}`))).toBe(true); // the check can see results
    expect(db.includes(Buffer.from(SSH_TEST_PASSWORD))).toBe(false);
    expect(db.includes(Buffer.from(keyBody))).toBe(false);
  });

  it('core.remote and core.remote_sudo run unchanged; live output reaches the execution prefixed with the host', async () => {
    const remote = await execute('core.remote', { ...login(), cmd: 'echo $((6 * 7))' });
    expect(remote.status).toBe('succeeded');
    expect(remote.hosts).toEqual({
      [host()]: { stdout: 42, stderr: '', return_code: 0, succeeded: true, failed: false },
    });
    expect(svc.output(remote.id).map((c) => c.data)).toContain(`${host()}: 42\n`);
    const sudo = await execute('core.remote_sudo', { ...login(), cmd: 'id -un' });
    expect(sudo.status).toBe('succeeded');
    expect(sudo.hosts[host()]!.stdout).toBe('root');
  });

  it('a timeout from the execution kills the remote command (status timeout, st2 message)', async () => {
    const marker = `squall-exec-ttl-${Math.random().toString(36).slice(2)}`;
    const done = await execute('core.remote', {
      ...login(),
      cmd: `(exec -a ${marker} sleep 30) & echo begun; exec -a ${marker} sleep 30`,
      timeout: 1,
    });
    expect(done.status).toBe('timeout');
    expect(done.hosts[host()]).toMatchObject({ timeout: true, return_code: -9, stdout: 'begun' });
    expect(processesMatching(marker)).toEqual([]);
  });

  it('linux.file_touch: an untrusted file name with shell syntax arrives literally (quoted into the cmd template)', async () => {
    // The value is a path under `work`; its "$(touch " prefix is a real directory so the literal name is valid.
    const target = join(work, INJECTION);
    mkdirSync(join(work, '$(touch /tmp'), { recursive: true });
    chmodSync(join(work, '$(touch /tmp'), 0o777);
    const done = await execute('linux.file_touch', { ...login(), file: target }, ['file']);
    expect(done.status).toBe('succeeded');
    expect(existsSync(target)).toBe(true);
    expect(readFileSync(target, 'utf8')).toMatch(/^\d+\n$/);
    expect(existsSync(PWNED)).toBe(false);
  });

  it('linux.cp, linux.mv and linux.rm run unchanged', async () => {
    const src = join(work, 'cp-src.txt');
    writeFileSync(src, 'payload\n');
    chmodSync(src, 0o666);
    const cp = await execute('linux.cp', { ...login(), source: src, destination: join(work, 'cp-dst.txt') });
    expect(cp.status).toBe('succeeded');
    expect(readFileSync(join(work, 'cp-dst.txt'), 'utf8')).toBe('payload\n');
    const mv = await execute('linux.mv', {
      ...login(),
      source: join(work, 'cp-dst.txt'),
      destination: join(work, 'mv-dst.txt'),
    });
    expect(mv.status).toBe('succeeded');
    expect(existsSync(join(work, 'mv-dst.txt'))).toBe(true);
    const rm = await execute('linux.rm', { ...login(), target: join(work, 'mv-dst.txt') });
    expect(rm.status).toBe('succeeded');
    expect(String(rm.hosts[host()]!.stdout)).toContain('removed');
    expect(existsSync(join(work, 'mv-dst.txt'))).toBe(false);
  });

  it('linux.vmstat and linux.pkill run unchanged (pkill with no match exits 1, as it does locally)', async () => {
    const vmstat = await execute('linux.vmstat', login());
    expect(vmstat.status).toBe('succeeded');
    expect(String(vmstat.hosts[host()]!.stdout)).toMatch(/procs/);
    const pkill = await execute('linux.pkill', { ...login(), process: 'squall-no-such-process' });
    expect(pkill.status).toBe('failed');
    expect(pkill.hosts[host()]!.return_code).toBe(1);
  });

  it('linux.traceroute: the pack script is copied and run with its positional arguments', async () => {
    const done = await execute('linux.traceroute', {
      ...login(),
      host: '127.0.0.1',
      hops: 1,
      queries_to_hop: 1,
    });
    const result = done.hosts[host()]!;
    // traceroute itself may be missing on the test host; the script runs either way and says so.
    if (result.stderr === 'Unable to find traceroute binary in PATH') {
      expect(result.return_code).toBe(2);
    } else {
      expect(done.status).toBe('succeeded');
      expect(String(result.stdout)).toContain('127.0.0.1');
    }
  });
});
