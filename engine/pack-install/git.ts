import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

/** Credentials taken out of a URL; they reach git only through GIT_ASKPASS and its environment. */
export interface GitCredentials {
  username: string;
  password: string;
}

export const MASK = '********';

/**
 * Splits `https://user:secret@host/repo.git` into the URL without userinfo and the credentials. Local paths and
 * scp-like ssh addresses (`git@host:repo`) come back unchanged.
 */
export function splitCredentials(url: string): { url: string; credentials?: GitCredentials } {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return { url };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url };
  }
  if (!parsed.username && !parsed.password) return { url };
  const credentials = {
    username: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
  };
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), credentials };
}

/** The URL as it may be shown: the password (or a lone token user) replaced by ********. */
export function maskUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@/i, (_m, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon >= 0 ? `${scheme}${userinfo.slice(0, colon)}:${MASK}@` : `${scheme}${MASK}@`;
  });
}

/** Replaces every secret in `text` by ********. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret) continue;
    out = out.split(secret).join(MASK);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join(MASK);
  }
  return out;
}

export class GitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitError';
  }
}

// The askpass helper prints what git asks for from the environment: no secret in any argv or file.
const ASKPASS_SCRIPT = `#!/bin/sh
case "$1" in
  Username*|username*) printf '%s\\n' "$SQUALL_GIT_USERNAME" ;;
  *) printf '%s\\n' "$SQUALL_GIT_PASSWORD" ;;
esac
`;

/** Runs git with an argv array; credentials (if any) through GIT_ASKPASS. Errors carry git's stderr, redacted. */
export async function runGit(
  args: string[],
  options: { cwd?: string; credentials?: GitCredentials; timeoutMs?: number } = {},
): Promise<string> {
  const env: Record<string, string> = {
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '/bin/false',
    SSH_ASKPASS: '/bin/false',
    LC_ALL: 'C',
  };
  let askpassDir: string | undefined;
  const secrets: string[] = [];
  if (options.credentials) {
    askpassDir = mkdtempSync(path.join(tmpdir(), 'squall-askpass-'));
    const script = path.join(askpassDir, 'askpass.sh');
    writeFileSync(script, ASKPASS_SCRIPT, { mode: 0o700 });
    chmodSync(script, 0o700);
    env.GIT_ASKPASS = script;
    env.SQUALL_GIT_USERNAME = options.credentials.username;
    env.SQUALL_GIT_PASSWORD = options.credentials.password;
    secrets.push(options.credentials.password);
  }
  try {
    // No credential helper may store what askpass hands out.
    const result = await execa(
      'git',
      ['-c', 'credential.helper=', '-c', 'protocol.ext.allow=never', ...args],
      {
        cwd: options.cwd,
        env,
        extendEnv: true,
        reject: false,
        timeout: options.timeoutMs ?? 300_000,
        stdin: 'ignore',
      },
    );
    if (result.exitCode !== 0) {
      const detail = redact(String(result.stderr || result.stdout || '').trim(), secrets);
      throw new GitError(
        `git ${args[0]} failed${result.timedOut ? ' (timed out)' : ''}: ${detail || `exit code ${result.exitCode}`}`,
      );
    }
    return String(result.stdout);
  } finally {
    if (askpassDir) rmSync(askpassDir, { recursive: true, force: true });
  }
}

/**
 * Clones `url` into `dir` and checks out `version` (a tag, branch or commit; `1.2.0` also tries `v1.2.0`).
 * Credentials in the URL go to git through askpass and are not written to the clone's remote URL.
 */
export async function cloneRepository(url: string, dir: string, version?: string): Promise<void> {
  const { url: bare, credentials } = splitCredentials(url);
  try {
    await runGit(['clone', '--quiet', '--', bare, dir], { credentials });
  } catch (error) {
    throw new GitError(`cannot download ${maskUrl(url)}: ${(error as Error).message}`);
  }
  if (!version) return;
  const candidates = /^\d/.test(version) ? [version, `v${version}`] : [version];
  let lastError: Error | undefined;
  for (const candidate of candidates) {
    try {
      await runGit(['checkout', '--quiet', candidate, '--'], { cwd: dir });
      return;
    } catch (error) {
      lastError = error as Error;
    }
  }
  throw new GitError(
    `${maskUrl(url)} has no tag, branch or commit "${version}"${lastError ? ` (${lastError.message})` : ''}`,
  );
}

/** The checked-out commit and the remote URL of a clone (undefined when `dir` is not a git checkout). */
export async function describeCheckout(
  dir: string,
): Promise<{ commit: string; remote?: string } | undefined> {
  try {
    const commit = (await runGit(['rev-parse', 'HEAD'], { cwd: dir })).trim();
    const remote = (
      await runGit(['config', '--get', 'remote.origin.url'], { cwd: dir }).catch(() => '')
    ).trim();
    return { commit, remote: remote ? maskUrl(remote) : undefined };
  } catch {
    return undefined;
  }
}
