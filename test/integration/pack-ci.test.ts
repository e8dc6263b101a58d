import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, SquallServer, tempDataDir, waitFor } from '../helpers/squall-process.ts';
import { bumpVersion, makePackRepo, writeFiles } from '../pack-install/git-fixtures.ts';

/**
 * Pack CI, end to end with a real `squall start`: a pack lives in a local git repository, the git pack's
 * head_sha_monitor sensor watches it, a rule runs a workflow (core.echo → packs.install) on a new commit, and the
 * new version is registered without a restart.
 */
describe('pack CI from a git repository (squall start)', () => {
  let root: string;
  let repo: string;
  let server: SquallServer;
  let token: string;

  beforeAll(async () => {
    root = tempDataDir('squall-pack-ci-');
    repo = makePackRepo(path.join(root, 'repos', 'app'), 'app', '1.0.0');
    const ciPacks = path.join(root, 'ci-packs');
    writeFiles(path.join(ciPacks, 'ci'), {
      'pack.yaml': '---\nref: ci\nname: ci\nversion: 1.0.0\nauthor: t\ndescription: pack CI\n',
      'rules/redeploy.yaml': `---
name: redeploy
pack: ci
enabled: true
trigger:
  type: git.head_sha_monitor
criteria:
  trigger.branch:
    type: equals
    pattern: main
action:
  ref: ci.deploy
  parameters:
    repo: "{{ trigger.repository_url }}"
    revision: "{{ trigger.revision }}"
`,
      'actions/deploy.yaml': `---
name: deploy
runner_type: orquesta
entry_point: workflows/deploy.yaml
enabled: true
parameters:
  repo: {type: string, required: true}
  revision: {type: string, required: true}
`,
      'actions/workflows/deploy.yaml': `version: 1.0
input:
  - repo
  - revision
tasks:
  announce:
    action: core.echo
    input:
      message: "installing <% ctx().repo %> at <% ctx().revision %>"
    next:
      - when: <% succeeded() %>
        do: install
  install:
    action: packs.install
    input:
      packs:
        - "<% ctx().repo %>=<% ctx().revision %>"
`,
    });
    const dataDir = path.join(root, 'data');
    writeFiles(dataDir, {
      'configs/git.yaml': `repositories:\n  - url: ${repo}\n    branch: main\npoll_interval: 1\n`,
    });
    server = await SquallServer.create({ SQUALL_PACKS_PATH: ciPacks }, dataDir);
    await server.start();
    token = readFileSync(path.join(dataDir, 'admin.token'), 'utf8').trim();
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    server?.cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  const api = async <T>(url: string): Promise<T> => {
    const response = await fetch(`${server.url}${url}`, { headers: { 'x-auth-token': token } });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const packList = async () => {
    const result = await runCli(['pack', 'list', '--json'], server.cliEnv);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as Array<{ ref: string; version: string }>;
  };

  it('installs the pack through the running server, with st2-style progress', async () => {
    const result = await runCli(['pack', 'install', repo], server.cliEnv);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('through the running server');
    for (const step of ['download', 'dependencies', 'validate', 'register'])
      expect(result.stdout).toContain(`[ succeeded ] ${step}`);
    expect((await packList()).find((p) => p.ref === 'app')?.version).toBe('1.0.0');
    const shown = await runCli(['pack', 'show', 'app', '--json'], server.cliEnv);
    expect(JSON.parse(shown.stdout)).toMatchObject({ ref: 'app', version: '1.0.0', managed: true });
  }, 60_000);

  it('a commit bumping pack.yaml is seen by the sensor and installed by the rule’s workflow, without a restart', async () => {
    const pid = server.child?.pid;
    // The sensor has seen the current head before the new commit lands.
    await waitFor(() => server.logs.includes('first sight of'), 60_000, 'the git sensor’s first poll');
    const sensors = await runCli(['sensor', 'list', '--json'], server.cliEnv);
    const git = (JSON.parse(sensors.stdout) as Array<{ ref: string; state: string }>).find(
      (s) => s.ref === 'git.GitCommitSensor',
    );
    expect(git?.state).toBe('running');

    const revision = bumpVersion(repo, 'app', '1.1.0');
    const listed = await waitFor(
      async () => {
        const app = (await packList()).find((p) => p.ref === 'app');
        return app?.version === '1.1.0' ? app : undefined;
      },
      90_000,
      'app 1.1.0 in `squall pack list`',
    );
    expect(listed.version).toBe('1.1.0');

    const [instance] = await api<Array<{ payload: Record<string, unknown> }>>(
      '/api/v1/triggerinstances?trigger=git.head_sha_monitor',
    );
    expect(instance.payload).toMatchObject({
      branch: 'main',
      revision,
      author: 'Pat Tester',
      author_email: 'pat@example.test',
      committer: 'Pat Tester',
      commit_message: 'app 1.1.0',
      repository_url: repo,
    });
    expect(typeof instance.payload.committed_date).toBe('string');

    const executions = await api<Array<{ action: string; status: string }>>('/api/v1/executions?limit=50');
    const statuses = Object.fromEntries(executions.map((e) => [e.action, e.status]));
    expect(statuses).toMatchObject({
      'ci.deploy': 'succeeded',
      'core.echo': 'succeeded',
      'packs.install': 'succeeded',
    });
    // The new content is live in the same process.
    expect(server.child?.pid).toBe(pid);
    expect(server.child?.exitCode).toBeNull();
    const action = await api<{ parameters: { cmd: { default: string } } }>('/api/v1/actions/app.hello');
    expect(action.parameters.cmd.default).toContain('1.1.0');
  }, 120_000);
});

describe('pack install without a server (in-process on the data dir)', () => {
  it('installs, lists and removes with the CLI alone', async () => {
    const root = tempDataDir('squall-pack-cli-');
    try {
      const repo = makePackRepo(path.join(root, 'repos', 'solo'), 'solo', '0.3.0');
      const env = { SQUALL_DATA_DIR: path.join(root, 'data') };
      const installed = await runCli(['pack', 'install', `${repo}=0.3.0`], env);
      expect(installed.code, installed.stdout + installed.stderr).toBe(0);
      expect(installed.stdout).toContain('in-process');
      expect(installed.stdout).toContain('[ succeeded ] register');
      const list = await runCli(['pack', 'list', '--json'], env);
      expect(
        (JSON.parse(list.stdout) as Array<{ ref: string; version: string }>).find((p) => p.ref === 'solo'),
      ).toMatchObject({ version: '0.3.0' });
      const conflict = await runCli(['pack', 'install', `${repo}=9.9.9`], env);
      expect(conflict.code).toBe(1);
      expect(conflict.stdout).toContain('[ failed ] download');
      const removed = await runCli(['pack', 'remove', 'solo'], env);
      expect(removed.code, removed.stderr).toBe(0);
      const after = await runCli(['pack', 'list', '--json'], env);
      expect((JSON.parse(after.stdout) as Array<{ ref: string }>).map((p) => p.ref)).not.toContain('solo');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});
