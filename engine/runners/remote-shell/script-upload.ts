import { randomUUID } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { quoteValue } from './remote-command.ts';
import { runQuiet } from './remote-process.ts';
import { type SshConnection, SshError } from './ssh-connection.ts';

export interface UploadedScript {
  /** Private directory made for this run (removed afterwards). */
  dir: string;
  /** Absolute (or home-relative, when `dir` is relative) path of the copied script. */
  script: string;
}

function call(what: string, fn: (cb: (error?: Error | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    fn((error) => (error ? reject(new Error(`${what}: ${error.message}`)) : resolve()));
  });
}

async function putFile(sftp: SFTPWrapper, local: string, remote: string, mode: number): Promise<void> {
  const data = await readFile(local);
  await call(`cannot write ${remote}`, (cb) => sftp.writeFile(remote, data, { mode }, cb));
  // The server's umask may have narrowed the mode: set it explicitly.
  await call(`cannot chmod ${remote}`, (cb) => sftp.chmod(remote, mode, cb));
}

/** Copies a local folder (regular files and folders; links are skipped) under `remote`. */
async function putTree(sftp: SFTPWrapper, local: string, remote: string): Promise<void> {
  await call(`cannot create ${remote}`, (cb) => sftp.mkdir(remote, { mode: 0o700 }, cb));
  for (const entry of await readdir(local, { withFileTypes: true })) {
    const from = join(local, entry.name);
    const to = `${remote}/${entry.name}`;
    if (entry.isDirectory()) await putTree(sftp, from, to);
    else if (entry.isFile()) await putFile(sftp, from, to, (await stat(from)).mode & 0o777);
  }
}

/**
 * st2's remote script runner: the entry point is copied to a new directory under `dir` on the host (mode 0700,
 * a random name), with the pack's `actions/lib` beside it as `lib/` when it exists; the directory is removed
 * after the run (removeScriptDir).
 */
export async function uploadScript(
  connection: SshConnection,
  localScript: string,
  remoteBase: string,
  libDir?: string,
): Promise<UploadedScript> {
  const base = remoteBase.replace(/\/+$/, '') || '/';
  const dir = `${base === '/' ? '' : base}/squall-${randomUUID()}`;
  const script = `${dir}/${basename(localScript)}`;
  const sftp = await connection.sftp();
  try {
    await call(`cannot create ${dir}`, (cb) => sftp.mkdir(dir, { mode: 0o700 }, cb));
    await putFile(sftp, localScript, script, 0o700);
    if (libDir) await putTree(sftp, libDir, `${dir}/lib`);
  } catch (error) {
    sftp.end();
    // Whatever part of the copy made it over is removed before the host is reported as failed.
    await runQuiet(connection, { commandLine: removeDirCommand(dir), stdin: '', nonce: '' }, 10_000).catch(
      () => null,
    );
    throw new SshError(
      `copying the script to ${connection.label} failed: ${(error as Error).message}`,
      'channel',
    );
  }
  sftp.end();
  return { dir, script };
}

/** The cleanup command for a directory uploadScript made. */
export function removeDirCommand(dir: string): string {
  if (!/\/squall-[0-9a-f-]{36}$/.test(dir))
    throw new Error(`refusing to remove ${dir}: not a directory Squall made`);
  return `rm -rf -- ${quoteValue(dir, 'parameter "dir"')}`;
}
