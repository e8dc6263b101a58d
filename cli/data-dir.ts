import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface LockInfo {
  pid: number;
  role: 'server' | 'cli';
  host?: string;
  port?: number;
  started_at: string;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockInfo,
  ) {
    super(
      holder.role === 'server'
        ? `the data dir ${dataDir} is in use by a running squall server (pid ${holder.pid}, http://${holder.host}:${holder.port}); stop it first or use another SQUALL_DATA_DIR`
        : `the data dir ${dataDir} is in use by another squall command (pid ${holder.pid}); try again when it has finished`,
    );
    this.name = 'DataDirLockedError';
  }
}

const lockPath = (dataDir: string) => path.join(dataDir, 'squall.lock');
const tokenPath = (dataDir: string) => path.join(dataDir, 'admin.token');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live holder of the data dir, if any (a lock left by a dead process does not count). */
export function readLock(dataDir: string): LockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as LockInfo;
    return alive(info.pid) && info.pid !== process.pid ? info : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the data dir for this process: one data dir belongs to one running server (or one in-process CLI command).
 * Returns a release function. A lock left by a dead process is taken over.
 */
export function acquireDataDir(
  dataDir: string,
  info: Omit<LockInfo, 'pid' | 'started_at'>,
): { release(): void; update(extra: Partial<LockInfo>): void } {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = lockPath(dataDir);
  let current: LockInfo = { ...info, pid: process.pid, started_at: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(current), { flag: 'wx', mode: 0o600 });
      return {
        release() {
          try {
            const onDisk = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
            if (onDisk.pid === process.pid) unlinkSync(file);
          } catch {
            /* already gone */
          }
        },
        update(extra) {
          current = { ...current, ...extra };
          writeFileSync(file, JSON.stringify(current), { mode: 0o600 });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readLock(dataDir);
      if (holder) throw new DataDirLockedError(dataDir, holder);
      try {
        unlinkSync(file); // stale: its process is gone
      } catch {
        /* raced with another taker */
      }
    }
  }
  const holder = readLock(dataDir);
  throw new DataDirLockedError(dataDir, holder ?? { pid: -1, role: 'cli', started_at: '' });
}

/** A fresh random admin token. */
export function newAdminToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Writes an admin token (mode 0600; a fresh one by default) that the local CLI presents to the server. */
export function writeAdminToken(dataDir: string, token = newAdminToken()): string {
  writeFileSync(tokenPath(dataDir), token, { mode: 0o600 });
  chmodSync(tokenPath(dataDir), 0o600);
  return token;
}

export function readAdminToken(dataDir: string): string | undefined {
  try {
    return readFileSync(tokenPath(dataDir), 'utf8').trim();
  } catch {
    return undefined;
  }
}
