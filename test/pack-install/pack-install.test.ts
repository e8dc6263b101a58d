import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstallResult } from '../../engine/pack-install/pack-installer.ts';
import { type EngineFixture, startEngine } from '../helpers/engine-fixture.ts';
import { tempDataDir, waitFor } from '../helpers/squall-process.ts';
import { bumpVersion, commitAll, git, makePackRepo, startGitHttpServer, writeFiles } from './git-fixtures.ts';

describe('pack install / remove / show (in the engine, through the API)', () => {
  let fx: EngineFixture;
  let repos: string;

  beforeAll(async () => {
    fx = await startEngine();
    repos = tempDataDir('squall-repos-');
  }, 60_000);
  afterAll(async () => {
    await fx?.close();
    rmSync(repos, { recursive: true, force: true });
  });

  const install = async (packs: string[], body: Record<string, unknown> = {}) => {
    const response = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/packs/install',
      headers: { 'x-auth-token': fx.adminToken, 'content-type': 'application/json' },
      payload: JSON.stringify({ packs, ...body }),
    });
    return { status: response.statusCode, body: response.json() as InstallResult };
  };
  const version = (ref: string) => fx.engine.packs().find((p) => p.metadata.ref === ref)?.metadata.version;
  const packsDir = () => path.join(fx.config.dataDir, 'packs');

  it('installs a pack from a local git repository at a tag, registers it live, and shows it', async () => {
    const repo = makePackRepo(path.join(repos, 'alpha'), 'alpha', '1.0.0');
    bumpVersion(repo, 'alpha', '2.0.0');
    const { status, body } = await install([`${repo}=1.0.0`]);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.steps.map((s) => `${s.step}:${s.status}`)).toEqual([
      'download:succeeded',
      'dependencies:succeeded',
      'validate:succeeded',
      'register:succeeded',
    ]);
    expect(version('alpha')).toBe('1.0.0');
    expect(fx.engine.getAction('alpha.hello')).toBeTruthy();
    expect(existsSync(path.join(packsDir(), 'alpha', 'pack.yaml'))).toBe(true);

    const shown = await fx.app.inject({
      method: 'GET',
      url: '/api/v1/packs/alpha',
      headers: { 'x-auth-token': fx.adminToken },
    });
    expect(shown.json()).toMatchObject({
      ref: 'alpha',
      version: '1.0.0',
      managed: true,
      content: { actions: 1 },
      git: { commit: git(repo, 'rev-parse', 'v1.0.0').trim() },
    });

    // No version: the default branch's head (an update in place).
    const update = await install([repo]);
    expect(update.status).toBe(200);
    expect(version('alpha')).toBe('2.0.0');
  });

  it('installs dependencies from pack.yaml recursively', async () => {
    const leaf = makePackRepo(path.join(repos, 'leaf'), 'leaf', '1.0.0');
    const mid = makePackRepo(path.join(repos, 'mid'), 'mid', '1.0.0', {
      dependencies: [`file://${leaf}=1.0.0`],
    });
    const top = makePackRepo(path.join(repos, 'top'), 'top', '0.1.0', {
      dependencies: [`file://${mid}`, 'core'],
    });
    const { status, body } = await install([top]);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.packs.map((p) => [p.ref, p.dependency])).toEqual([
      ['top', false],
      ['mid', true],
      ['leaf', true],
    ]);
    expect([version('top'), version('mid'), version('leaf')]).toEqual(['0.1.0', '1.0.0', '1.0.0']);
  });

  it('reports a dependency version conflict and installs nothing', async () => {
    const leaf = path.join(repos, 'leaf');
    bumpVersion(leaf, 'leaf', '2.0.0');
    const greedy = makePackRepo(path.join(repos, 'greedy'), 'greedy', '1.0.0', {
      dependencies: [`file://${leaf}=2.0.0`],
    });
    const { status, body } = await install([greedy]);
    expect(status).toBe(409);
    expect(body.errorKind).toBe('conflict');
    expect(body.error).toContain('version conflict');
    expect(body.error).toContain('leaf');
    expect(body.error).toContain('1.0.0');
    expect(body.steps.at(-1)).toMatchObject({ step: 'dependencies', status: 'failed' });
    expect(version('leaf')).toBe('1.0.0');
    expect(version('greedy')).toBeUndefined();
    expect(existsSync(path.join(packsDir(), 'greedy'))).toBe(false);

    // Two packs asking for different versions of the same dependency conflict as well.
    const other = makePackRepo(path.join(repos, 'other'), 'other', '1.0.0', {
      dependencies: [`file://${leaf}=1.0.0`],
    });
    const both = await install([greedy, other], { force: true });
    expect(both.body.ok).toBe(false);
    expect(both.body.error).toContain('version conflict');
  });

  it('a failed install leaves the previous version in place and registered', async () => {
    const repo = path.join(repos, 'alpha');
    writeFiles(repo, {
      'pack.yaml': readFileSync(path.join(repo, 'pack.yaml'), 'utf8').replace('2.0.0', '3.0.0'),
      // pack.yaml with a wrong type: the pack cannot load
      'actions/broken.yaml': '---\nname: broken\nrunner_type: [not, a, string]\n',
    });
    writeFileSync(path.join(repo, 'pack.yaml'), 'ref: alpha\nname: alpha\nversion: [3]\n');
    commitAll(repo, 'broken release', 'v3.0.0');
    const before = readFileSync(path.join(packsDir(), 'alpha', 'pack.yaml'), 'utf8');
    const { status, body } = await install([repo]);
    expect(status).toBe(400);
    expect(body.ok).toBe(false);
    expect(body.steps.find((s) => s.status === 'failed')?.step).toBe('download');
    expect(version('alpha')).toBe('2.0.0');
    expect(fx.engine.getAction('alpha.hello')).toBeTruthy();
    expect(readFileSync(path.join(packsDir(), 'alpha', 'pack.yaml'), 'utf8')).toBe(before);

    // A pack that loads but has invalid content fails at validate, also without touching the installed one.
    writeFileSync(
      path.join(repo, 'pack.yaml'),
      'ref: alpha\nname: alpha\nversion: 3.0.1\nauthor: x\ndescription: y\n',
    );
    commitAll(repo, 'broken action', 'v3.0.1');
    const again = await install([repo]);
    expect(again.body.ok).toBe(false);
    expect(again.body.steps.find((s) => s.status === 'failed')?.step).toBe('validate');
    expect(again.body.error).toContain('broken.yaml');
    expect(version('alpha')).toBe('2.0.0');
    expect(readFileSync(path.join(packsDir(), 'alpha', 'pack.yaml'), 'utf8')).toBe(before);
    expect(existsSync(path.join(packsDir(), 'alpha', 'actions', 'broken.yaml'))).toBe(false);
  });

  it('a download failure names the source and changes nothing', async () => {
    const { body } = await install([`${path.join(repos, 'alpha')}=no-such-tag`]);
    expect(body.ok).toBe(false);
    expect(body.error).toContain('no-such-tag');
    expect(version('alpha')).toBe('2.0.0');
  });

  it('credentials in the URL come from the datastore, reach git only through askpass, and are never shown or kept', async () => {
    const token = 's3cret-T0ken-xyz';
    const root = path.join(repos, 'http');
    makePackRepo(path.join(root, 'private.git'), 'private', '1.0.0');
    const server = await startGitHttpServer(root, 'deploy', token);
    try {
      await fx.engine.datastore.set(fx.engine.rbac.principal('system'), 'git_token', token, {
        encrypt: true,
      });
      const url = `http://deploy:{{ st2kv.system.git_token | decrypt_kv }}@${server.url.replace('http://', '')}/private.git`;
      const { status, body } = await install([url]);
      expect(status, JSON.stringify(body)).toBe(200);
      expect(version('private')).toBe('1.0.0');
      expect(server.authorizations).toContain(`Basic ${Buffer.from(`deploy:${token}`).toString('base64')}`);
      expect(JSON.stringify(body)).not.toContain(token);
      const gitConfig = readFileSync(path.join(packsDir(), 'private', '.git', 'config'), 'utf8');
      expect(gitConfig).not.toContain(token);
      expect(gitConfig).toContain(`${server.url}/private.git`);
      // Without the secret the server refuses, and the error shows no credential.
      await fx.engine.datastore.set(fx.engine.rbac.principal('system'), 'git_token', 'wrong-pass-123', {
        encrypt: true,
      });
      const denied = await install([url]);
      expect(denied.body.ok).toBe(false);
      expect(JSON.stringify(denied.body)).not.toContain('wrong-pass-123');
      expect(denied.body.error).toContain('********');
    } finally {
      await server.close();
    }
  });

  it('removes a pack and unregisters its content; built-in packs cannot be removed', async () => {
    const response = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/packs/uninstall',
      headers: { 'x-auth-token': fx.adminToken, 'content-type': 'application/json' },
      payload: JSON.stringify({ packs: ['top'] }),
    });
    expect(response.statusCode).toBe(200);
    expect(version('top')).toBeUndefined();
    expect(fx.engine.getAction('top.hello')).toBeUndefined();
    expect(existsSync(path.join(packsDir(), 'top'))).toBe(false);
    const core = await fx.app.inject({
      method: 'DELETE',
      url: '/api/v1/packs/core',
      headers: { 'x-auth-token': fx.adminToken },
    });
    expect(core.statusCode).toBe(400);
    expect(core.json().faultstring).toContain('built into Squall');
  });

  it('packs.install / packs.uninstall run as actions (workflows, chat) through the same installer', async () => {
    const repo = makePackRepo(path.join(repos, 'viaaction'), 'viaaction', '1.2.3');
    const admin = fx.engine.rbac.principal('admin');
    const run = async (action: string, parameters: Record<string, unknown>) =>
      fx.engine.waitForExecution(
        (await fx.engine.run({ action, parameters, context: { user: 'admin' } }, admin)).id,
      );
    const installed = await run('packs.install', { packs: [repo] });
    expect(installed.status, JSON.stringify(installed.result)).toBe('succeeded');
    expect(version('viaaction')).toBe('1.2.3');
    const removed = await run('packs.uninstall', { packs: ['viaaction'] });
    expect(removed.status).toBe('succeeded');
    expect(version('viaaction')).toBeUndefined();
    const failed = await run('packs.install', { packs: [path.join(repos, 'nope')] });
    expect(failed.status).toBe('failed');
  });

  it('a changed JS action module is picked up after `pack register`', async () => {
    const dir = path.join(packsDir(), 'jsdemo');
    writeFiles(dir, {
      'pack.yaml': '---\nref: jsdemo\nname: jsdemo\nversion: 1.0.0\nauthor: t\ndescription: js\n',
      'actions/which.yaml':
        '---\nname: which\nrunner_type: javascript\nentry_point: which.ts\nenabled: true\n',
      'actions/which.ts': 'export default async () => "first";\n',
    });
    const register = () =>
      fx.app.inject({
        method: 'POST',
        url: '/api/v1/packs/register',
        headers: { 'x-auth-token': fx.adminToken, 'content-type': 'application/json' },
        payload: '{}',
      });
    expect((await register()).statusCode).toBe(200);
    const admin = fx.engine.rbac.principal('admin');
    const run = async () =>
      fx.engine.waitForExecution(
        (await fx.engine.run({ action: 'jsdemo.which', parameters: {}, context: { user: 'admin' } }, admin))
          .id,
      );
    expect(((await run()).result as { result: unknown }).result).toBe('first');
    writeFileSync(path.join(dir, 'actions', 'which.ts'), 'export default async () => "second";\n');
    await register();
    const second = await waitFor(async () => {
      const r = await run();
      return (r.result as { result: unknown }).result === 'second' ? r : undefined;
    }, 20_000);
    expect(second.status).toBe('succeeded');
  });
});
