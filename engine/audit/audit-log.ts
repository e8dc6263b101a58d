import { hash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { isoNow } from '../time/iso-now.ts';

export const MASK = '********';

/** Kinds written by the engine; other modules may add their own (`chat.command`, `auth.decision`...). */
export type AuditKind =
  | 'execution.status'
  | 'rule.enforcement'
  | 'chat.command'
  | 'permission.decision'
  | 'lease.rejected'
  | (string & {});

export interface AuditEntry {
  kind: AuditKind;
  actor: string;
  execution_id?: string;
  [key: string]: unknown;
}

/** One line as written: the entry plus `ts`, the previous line's hash and this line's hash. */
export interface AuditLine extends AuditEntry {
  ts: string;
  prev: string;
  hash: string;
}

export interface AuditLogOptions {
  path: string;
  /** Rotate when the file would grow past this size (bytes); 0 = never. */
  maxBytes?: number;
  /** Rotated files kept (`audit.log.1` newest ... `audit.log.<keep>` oldest). */
  keep?: number;
  /** Extra values to mask wherever they appear in string fields (registered secrets). */
  secrets?: () => Iterable<string>;
  /** Write synchronously on every record (tests, low volume). Default: buffered until the next tick. */
  sync?: boolean;
}

const GENESIS = '0'.repeat(64);
const NO_SECRETS: readonly string[] = [];
const RESERVED_KEYS = new Set(['ts', 'prev', 'hash']);

/** True when `{ts, ...entry, prev}` serialises in the entry's own key order with no key replaced. */
function spliceable(entry: Record<string, unknown>): boolean {
  for (const k in entry) {
    if (RESERVED_KEYS.has(k)) return false;
    const c = k.charCodeAt(0);
    if (c >= 48 && c <= 57 && /^(0|[1-9]\d*)$/.test(k)) return false; // array-index keys sort first
  }
  return true;
}
const SECRET_KEY = /pass(word|phrase)?$|secret|token|api[_-]?key|private[_-]?key|authorization|cookie/i;
/** SECRET_KEY's verdict per key name: the engine's entries repeat the same few keys thousands of times a second. */
const secretKeyVerdicts = new Map<string, boolean>();
const VERDICTS_KEPT = 1_000;

function isSecretKey(key: string): boolean {
  let verdict = secretKeyVerdicts.get(key);
  if (verdict === undefined) {
    verdict = SECRET_KEY.test(key);
    // Keys can come from payloads: the cache stays bounded.
    if (secretKeyVerdicts.size < VERDICTS_KEPT) secretKeyVerdicts.set(key, verdict);
  }
  return verdict;
}

/**
 * Masks values of secret-looking keys, and listed secret strings anywhere. Copy-on-write: a value with nothing to
 * mask is returned as is (no allocation), the common case for the engine's own entries written thousands of times
 * a second.
 */
export function maskSecrets(value: unknown, secrets: readonly string[] = NO_SECRETS): unknown {
  if (typeof value === 'string') {
    let out = value;
    for (const s of secrets) if (s && out.includes(s)) out = out.split(s).join(MASK);
    return out;
  }
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      const masked = maskSecrets(v, secrets);
      if (masked !== v) {
        copy ??= value.slice();
        copy[i] = masked;
      }
    }
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  const source = value as Record<string, unknown>;
  for (const k in source) {
    if (!Object.hasOwn(source, k)) continue;
    const v = source[k];
    const masked =
      v !== null && v !== undefined && typeof v !== 'object' && isSecretKey(k)
        ? MASK
        : maskSecrets(v, secrets);
    if (masked !== v) {
      copy ??= { ...source };
      copy[k] = masked;
    }
  }
  return copy ?? value;
}

function hashOf(lineWithoutHash: Record<string, unknown>): string {
  return sha256Hex(JSON.stringify(lineWithoutHash));
}

/** One-shot sha256 (crypto.hash, Node >= 20.12) is several times cheaper than createHash per line. */
function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

/** The hash of the last complete line of `path`, or undefined for a missing/empty file. */
function lastHash(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return undefined;
    const len = Math.min(size, 256 * 1024);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n').filter(Boolean);
    for (let i = lines.length - 1; i >= 0; i--) {
      try {
        const h = (JSON.parse(lines[i]!) as { hash?: unknown }).hash;
        if (typeof h === 'string') return h;
      } catch {
        // partial line from a crash mid-write: look further back
      }
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Append-only JSON-lines audit log with a sha256 hash chain (`prev` = previous line's `hash`, `hash` = sha256
 * of the line without `hash`), so an edited, inserted or deleted line breaks the chain. The chain continues
 * across size-based rotations (`audit.log.1` ... `audit.log.<keep>`).
 */
export class AuditLog {
  readonly path: string;
  readonly #maxBytes: number;
  readonly #keep: number;
  readonly #secrets?: () => Iterable<string>;
  readonly #sync: boolean;
  #prev: string;
  #size: number;
  #buffer: string[] = [];
  #bufferBytes = 0;
  #scheduled = false;
  #closed = false;
  #fd?: number;

  constructor(options: AuditLogOptions) {
    this.path = options.path;
    this.#maxBytes = options.maxBytes ?? 0;
    this.#keep = Math.max(1, options.keep ?? 5);
    this.#secrets = options.secrets;
    this.#sync = options.sync ?? false;
    mkdirSync(dirname(this.path), { recursive: true });
    this.#prev = lastHash(this.path) ?? lastHash(`${this.path}.1`) ?? GENESIS;
    this.#size = existsSync(this.path) ? statSync(this.path).size : 0;
  }

  /** Appends one entry (masked) to the chain; written at the end of the event-loop turn unless `sync`. */
  record(entry: AuditEntry): void {
    if (this.#closed) throw new Error(`audit log ${this.path} is closed`);
    const secrets = this.#secrets ? [...this.#secrets()] : NO_SECRETS;
    const masked = maskSecrets(entry, secrets) as AuditEntry;
    const ts = isoNow();
    // The line is `{ts, ...fields, prev, hash}`; the verifier re-serialises the parsed line minus `hash`, so the
    // text hashed must be exactly JSON.stringify of that object. Entries whose keys would reorder or collide
    // (integer-like keys, their own ts/prev/hash) take the object path; the rest are spliced as text.
    let bodyJson: string;
    if (spliceable(masked)) {
      const fields = JSON.stringify(masked);
      bodyJson = `{"ts":"${ts}",${fields.length > 2 ? `${fields.slice(1, -1)},` : ''}"prev":"${this.#prev}"}`;
    } else {
      const { hash: _h, prev: _p, ts: _t, ...fields } = masked;
      bodyJson = JSON.stringify({ ts, ...fields, prev: this.#prev });
    }
    const hash = sha256Hex(bodyJson);
    this.#prev = hash;
    const text = `${bodyJson.slice(0, -1)},"hash":"${hash}"}\n`;
    this.#buffer.push(text);
    this.#bufferBytes += text.length;
    if (this.#sync) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes buffered lines (one write call), rotating first when the file would pass maxBytes. */
  flush(): void {
    this.#scheduled = false;
    if (this.#buffer.length === 0) return;
    const lines = this.#buffer;
    this.#buffer = [];
    this.#bufferBytes = 0;
    const all = lines.length === 1 ? lines[0]! : lines.join('');
    const bytes = Buffer.byteLength(all);
    // The common case: everything fits before the rotation size, one write.
    if (this.#maxBytes === 0 || this.#size + bytes <= this.#maxBytes) {
      this.#append(all, bytes);
      return;
    }
    let chunk = '';
    let chunkBytes = 0;
    for (const text of lines) {
      const lineBytes = Buffer.byteLength(text);
      if (
        this.#maxBytes > 0 &&
        this.#size + chunkBytes + lineBytes > this.#maxBytes &&
        this.#size + chunkBytes > 0
      ) {
        this.#append(chunk, chunkBytes);
        this.#rotate();
        chunk = '';
        chunkBytes = 0;
      }
      chunk += text;
      chunkBytes += lineBytes;
    }
    this.#append(chunk, chunkBytes);
  }

  /** Characters buffered and not yet written (bytes are counted when they are written). */
  get pendingBytes(): number {
    return this.#bufferBytes;
  }

  #append(text: string, bytes: number): void {
    if (!text) return;
    // Kept open between flushes (O_APPEND, so an external copytruncate rotation is still safe).
    this.#fd ??= openSync(this.path, 'a', 0o600);
    writeSync(this.#fd, text);
    this.#size += bytes;
  }

  #closeFile(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
  }

  #rotate(): void {
    this.#closeFile();
    rmSync(`${this.path}.${this.#keep}`, { force: true });
    for (let i = this.#keep - 1; i >= 1; i--) {
      if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    }
    if (existsSync(this.path)) renameSync(this.path, `${this.path}.1`);
    this.#size = 0;
  }

  close(): void {
    this.flush();
    this.#closeFile();
    this.#closed = true;
  }
}

export interface AuditVerification {
  ok: boolean;
  lines: number;
  /** Problems found: `<file>:<line>: <what>`. */
  errors: string[];
}

/**
 * Verifies the hash chain of `path` and its rotated files (oldest first). The first line of the oldest kept
 * file may point at a dropped file; every other link must match. Deleting the newest line(s) is not
 * detectable from the file alone (compare with the last hash recorded elsewhere, `expectLastHash`).
 */
export function verifyAuditLog(path: string, options: { expectLastHash?: string } = {}): AuditVerification {
  const files: string[] = [];
  for (let i = 1; existsSync(`${path}.${i}`); i++) files.unshift(`${path}.${i}`);
  if (existsSync(path)) files.push(path);
  const errors: string[] = [];
  let prev: string | undefined;
  let count = 0;
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    lines.forEach((text, i) => {
      const where = `${file}:${i + 1}`;
      count++;
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        errors.push(`${where}: not valid JSON`);
        prev = undefined;
        return;
      }
      const { hash, ...body } = parsed;
      if (typeof hash !== 'string' || hashOf(body) !== hash)
        errors.push(`${where}: hash does not match the line`);
      if (prev !== undefined && body.prev !== prev) {
        errors.push(
          `${where}: prev does not match the previous line's hash (a line was changed, removed or inserted)`,
        );
      }
      prev = typeof hash === 'string' ? hash : undefined;
    });
  }
  if (options.expectLastHash !== undefined && prev !== options.expectLastHash) {
    errors.push(`${path}: last hash differs from the expected one (lines removed at the end?)`);
  }
  return { ok: errors.length === 0, lines: count, errors };
}
