// Types for wal-restart.mjs (plain JavaScript so that worker threads load it without a TypeScript loader).

export interface WalCheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
  restarted: boolean;
}

export interface WalBusyOptions {
  /** How long a RESTART may wait for readers (polling); the connection's busy handler otherwise. */
  waitMs?: number;
  /** The connection's busy timeout, restored afterwards. */
  busyTimeoutMs: number;
}

export function checkpointBounded(
  db: import('better-sqlite3').Database,
  restartFrames: number,
  busy: WalBusyOptions,
): WalCheckpointResult;

export function restartWal(db: import('better-sqlite3').Database, busy: WalBusyOptions): WalCheckpointResult;
