import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';

/** Runs git in `cwd` with a fixed identity (tests never depend on the user's git config). */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    [
      '-c',
      'user.name=Pat Tester',
      '-c',
      'user.email=pat@example.test',
      '-c',
      'init.defaultBranch=main',
      ...args,
    ],
    { cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: cwd } },
  );
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
}

export function packYaml(ref: string, version: string, dependencies: string[] = []): string {
  const deps = dependencies.length
    ? `dependencies:\n${dependencies.map((d) => `  - "${d}"`).join('\n')}\n`
    : '';
  return `---\nref: ${ref}\nname: ${ref}\ndescription: test pack ${ref}\nversion: ${version}\nauthor: Pat Tester\n${deps}`;
}

/** A local git repository holding a pack (one commit, tagged v<version>). */
export function makePackRepo(
  dir: string,
  ref: string,
  version: string,
  options: { dependencies?: string[]; files?: Record<string, string> } = {},
): string {
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '--quiet');
  writeFiles(dir, {
    'pack.yaml': packYaml(ref, version, options.dependencies),
    'actions/hello.yaml': `---\nname: hello\nrunner_type: local-shell-cmd\nenabled: true\nparameters:\n  cmd:\n    default: echo hello from ${ref} ${version}\n`,
    ...options.files,
  });
  commitAll(dir, `${ref} ${version}`, `v${version}`);
  return dir;
}

export function commitAll(dir: string, message: string, tag?: string): string {
  git(dir, 'add', '-A');
  git(dir, 'commit', '--quiet', '-m', message);
  if (tag) git(dir, 'tag', tag);
  return git(dir, 'rev-parse', 'HEAD').trim();
}

/** Bumps pack.yaml's version (and the hello action's text), commits and tags. */
export function bumpVersion(dir: string, ref: string, version: string, dependencies: string[] = []): string {
  writeFiles(dir, {
    'pack.yaml': packYaml(ref, version, dependencies),
    'actions/hello.yaml': `---\nname: hello\nrunner_type: local-shell-cmd\nenabled: true\nparameters:\n  cmd:\n    default: echo hello from ${ref} ${version}\n`,
  });
  return commitAll(dir, `${ref} ${version}`, `v${version}`);
}

/**
 * Smart-HTTP git server on 127.0.0.1 (git-http-backend as CGI) that demands Basic auth `user:password`.
 * Records every Authorization header it saw.
 */
export async function startGitHttpServer(
  projectRoot: string,
  user: string,
  password: string,
): Promise<{ url: string; server: Server; authorizations: string[]; close(): Promise<void> }> {
  const authorizations: string[] = [];
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const server = createServer((req, res) => {
    const auth = req.headers.authorization;
    if (auth) authorizations.push(auth);
    if (auth !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' });
      res.end('unauthorized');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const cgi = spawn('/usr/lib/git-core/git-http-backend', [], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_USER: user,
        REMOTE_ADDR: '127.0.0.1',
        GIT_CONFIG_NOSYSTEM: '1',
        HOME: projectRoot,
      },
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const i = line.indexOf(':');
        const key = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (key.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else headers[key] = value;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(end + 4));
    });
    cgi.stdout.on('end', () => res.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    authorizations,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
