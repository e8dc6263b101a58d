/**
 * git.head_sha_monitor: polls each configured repository's branch (a fetch into a private bare cache), and
 * dispatches `git.head_sha_monitor` when the head commit differs from the last one seen (kept in the datastore,
 * so a restart does not re-announce). The first sighting is remembered, not announced. Credentials in a URL go
 * to git through GIT_ASKPASS, never on its command line; payloads show the URL with the password masked.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

interface Repository {
  url: string;
  branch?: string;
}

interface Context {
  config: Record<string, unknown>;
  dispatch(trigger: string, payload: Record<string, unknown>): void;
  logger: Record<
    'debug' | 'info' | 'warn' | 'error',
    (msg: string, fields?: Record<string, unknown>) => void
  >;
  datastore: {
    get(key: string): Promise<string | undefined>;
    set(key: string, value: string): Promise<void>;
  };
  setPollInterval(seconds: number): void;
}

const MASK = '********';
const ASKPASS = `#!/bin/sh
case "$1" in Username*|username*) printf '%s\\n' "$SQUALL_GIT_USERNAME" ;; *) printf '%s\\n' "$SQUALL_GIT_PASSWORD" ;; esac
`;

function maskUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@/i, (_m, scheme: string, info: string) =>
    info.includes(':') ? `${scheme}${info.slice(0, info.indexOf(':'))}:${MASK}@` : `${scheme}${MASK}@`,
  );
}

function split(url: string): { url: string; username?: string; password?: string } {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return { url };
  const u = new URL(url);
  if (!u.username && !u.password) return { url };
  const out = { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
  u.username = '';
  u.password = '';
  return { url: u.toString(), ...out };
}

function git(args: string[], cwd: string, creds?: { username?: string; password?: string }): Promise<string> {
  let dir: string | undefined;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '/bin/false',
    LC_ALL: 'C',
  };
  if (creds?.password !== undefined || creds?.username !== undefined) {
    dir = mkdtempSync(path.join(tmpdir(), 'squall-askpass-'));
    const script = path.join(dir, 'askpass.sh');
    writeFileSync(script, ASKPASS, { mode: 0o700 });
    chmodSync(script, 0o700);
    env.GIT_ASKPASS = script;
    env.SQUALL_GIT_USERNAME = creds.username ?? '';
    env.SQUALL_GIT_PASSWORD = creds.password ?? '';
  }
  return new Promise<string>((resolve, reject) => {
    execFile(
      'git',
      ['-c', 'credential.helper=', '-c', 'protocol.ext.allow=never', ...args],
      { cwd, env, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (dir) rmSync(dir, { recursive: true, force: true });
        if (!error) return resolve(stdout);
        let detail = String(stderr || error.message).trim();
        if (creds?.password) detail = detail.split(creds.password).join(MASK);
        reject(new Error(`git ${args[0]}: ${detail}`));
      },
    );
  });
}

interface WatchedRepo {
  url: string;
  branch: string;
  shown: string;
  key: string;
  cache: string;
}

export class GitCommitSensor {
  #repos: WatchedRepo[] = [];

  async setup(ctx: Context): Promise<void> {
    const repos = (ctx.config.repositories as Repository[] | undefined) ?? [];
    if (typeof ctx.config.poll_interval === 'number') ctx.setPollInterval(ctx.config.poll_interval);
    const root = path.join(tmpdir(), `squall-git-sensor-${process.getuid?.() ?? 'u'}`);
    mkdirSync(root, { recursive: true, mode: 0o700 });
    this.#repos = repos.map((r) => {
      const branch = r.branch || 'main';
      const id = createHash('sha256')
        .update(`${split(r.url).url}#${branch}`)
        .digest('hex')
        .slice(0, 16);
      return { url: r.url, branch, shown: maskUrl(r.url), key: `head:${id}`, cache: path.join(root, id) };
    });
    ctx.logger.info(`watching ${this.#repos.length} repositories`, {
      repositories: this.#repos.map((r) => `${r.shown}#${r.branch}`),
    });
  }

  async poll(ctx: Context): Promise<void> {
    for (const repo of this.#repos) {
      try {
        await this.#check(ctx, repo);
      } catch (error) {
        // One unreachable repository does not stop the others; the next poll tries again.
        ctx.logger.warn(`cannot check ${repo.shown}#${repo.branch}: ${(error as Error).message}`);
      }
    }
  }

  async #check(ctx: Context, repo: WatchedRepo): Promise<void> {
    const { url, username, password } = split(repo.url);
    if (!existsSync(path.join(repo.cache, 'HEAD')))
      await git(['init', '--quiet', '--bare', repo.cache], tmpdir());
    await git(
      ['fetch', '--quiet', '--no-tags', '--', url, `+refs/heads/${repo.branch}:refs/squall/head`],
      repo.cache,
      { username, password },
    );
    const out = await git(
      ['log', '-1', '--format=%H%x00%an%x00%ae%x00%cn%x00%cI%x00%B', 'refs/squall/head', '--'],
      repo.cache,
    );
    const [revision, author, authorEmail, committer, committedDate, message] = out.split('\0');
    const last = await ctx.datastore.get(repo.key);
    if (last === revision) return;
    await ctx.datastore.set(repo.key, revision);
    if (last === undefined || last === null) {
      ctx.logger.info(`first sight of ${repo.shown}#${repo.branch} at ${revision}`, { revision });
      return;
    }
    ctx.logger.info(`new head on ${repo.shown}#${repo.branch}: ${revision}`, { revision });
    ctx.dispatch('git.head_sha_monitor', {
      branch: repo.branch,
      revision,
      author,
      author_email: authorEmail,
      commit_message: (message ?? '').trim(),
      committer,
      committed_date: committedDate,
      repository_url: repo.shown,
    });
  }
}
