import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { KeyvStoreAdapter, StoredData } from 'keyv';

type Db = Database.Database;
type Stmt = Database.Statement;

export interface SqliteKeyvStoreOptions {
  /** An open database (the engine Store's `squall.db` connection), shared, never closed by this adapter. */
  db?: Db;
  /** Or a file to open (created with its folder); this adapter then owns and closes it. */
  path?: string;
  /** Namespace of this instance (Keyv sets it too); rows of other namespaces are never touched. */
  namespace?: string;
  /**
   * Called before every write on a shared `db`: the engine Store in writer-thread mode waits there for its writer
   * thread, so this connection never contends with it for the write lock.
   */
  beforeWrite?: () => void;
  /** Clock for the backend's own expiry of rows (keyv's ttl is wall-clock milliseconds). */
  now?: () => number;
}

interface Row {
  key: string;
  value: string;
  expires: number | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (
  namespace TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  expires INTEGER,
  PRIMARY KEY (namespace, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS kv_expires ON kv (expires) WHERE expires IS NOT NULL;
`;

/**
 * A keyv 5 store adapter over better-sqlite3: table `kv` in the same file as the engine Store.
 * The namespace lives in its own column (not a key prefix), so any key text is safe and `clear()`
 * or `iterator()` of one namespace never sees another's rows. Expired rows are invisible and
 * deleted lazily.
 */
export class SqliteKeyvStore extends EventEmitter implements KeyvStoreAdapter {
  readonly db: Db;
  namespace: string | undefined;
  readonly #ownsDb: boolean;
  readonly #now: () => number;
  readonly #beforeWrite: () => void;
  readonly #filename: string;
  readonly #stmts: Record<'get' | 'set' | 'del' | 'clear' | 'iter' | 'purge', Stmt>;

  constructor(options: SqliteKeyvStoreOptions) {
    super();
    if (options.db) {
      this.db = options.db;
      this.#ownsDb = false;
    } else if (options.path) {
      if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
      this.db = new Database(options.path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('busy_timeout = 5000');
      this.#ownsDb = true;
    } else {
      throw new Error('SqliteKeyvStore: give either `db` (an open better-sqlite3 Database) or `path`');
    }
    this.#filename = this.db.name;
    this.namespace = options.namespace;
    this.#now = options.now ?? Date.now;
    this.#beforeWrite = options.beforeWrite ?? (() => {});
    this.db.exec(SCHEMA);
    this.#stmts = {
      get: this.db.prepare('SELECT key, value, expires FROM kv WHERE namespace = ? AND key = ?'),
      set: this.db.prepare(
        'INSERT INTO kv (namespace, key, value, expires) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT(namespace, key) DO UPDATE SET value = excluded.value, expires = excluded.expires',
      ),
      del: this.db.prepare('DELETE FROM kv WHERE namespace = ? AND key = ?'),
      clear: this.db.prepare('DELETE FROM kv WHERE namespace = ?'),
      iter: this.db.prepare(
        'SELECT key, value, expires FROM kv WHERE namespace = ? AND (expires IS NULL OR expires > ?) ORDER BY key',
      ),
      purge: this.db.prepare('DELETE FROM kv WHERE namespace = ? AND expires IS NOT NULL AND expires <= ?'),
    };
  }

  /** keyv reads `opts.dialect` to decide that this adapter can be iterated. */
  get opts(): { dialect: 'sqlite'; url: string; namespace: string | undefined } {
    return { dialect: 'sqlite', url: `sqlite://${this.#filename}`, namespace: this.namespace };
  }

  get #ns(): string {
    return this.namespace ?? '';
  }

  #live(row: Row | undefined): Row | undefined {
    if (!row) return undefined;
    if (row.expires !== null && row.expires <= this.#now()) {
      this.#beforeWrite();
      this.#stmts.del.run(this.#ns, row.key);
      return undefined;
    }
    return row;
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    const row = this.#live(this.#stmts.get.get(this.#ns, key) as Row | undefined);
    return row?.value as StoredData<Value> | undefined;
  }

  async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    return Promise.all(keys.map((k) => this.get<Value>(k)));
  }

  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    if (typeof value !== 'string') value = JSON.stringify(value);
    const expires = typeof ttl === 'number' && ttl > 0 ? this.#now() + ttl : null;
    this.#beforeWrite();
    this.#stmts.set.run(this.#ns, key, value, expires);
    return true;
  }

  async setMany(values: Array<{ key: string; value: unknown; ttl?: number }>): Promise<void> {
    this.#beforeWrite();
    this.db.transaction(() => {
      for (const v of values) void this.set(v.key, v.value, v.ttl);
    })();
  }

  async delete(key: string): Promise<boolean> {
    this.#beforeWrite();
    return this.#stmts.del.run(this.#ns, key).changes > 0;
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    let all = true;
    this.#beforeWrite();
    this.db.transaction(() => {
      for (const k of keys) if (this.#stmts.del.run(this.#ns, k).changes === 0) all = false;
    })();
    return all;
  }

  async clear(): Promise<void> {
    this.#beforeWrite();
    this.#stmts.clear.run(this.#ns);
  }

  async has(key: string): Promise<boolean> {
    return this.#live(this.#stmts.get.get(this.#ns, key) as Row | undefined) !== undefined;
  }

  async hasMany(keys: string[]): Promise<boolean[]> {
    return Promise.all(keys.map((k) => this.has(k)));
  }

  /** Yields `[key, rawValue]` of the namespace in key order (the argument wins over `this.namespace`). */
  async *iterator<Value>(
    namespace?: string,
  ): AsyncGenerator<Array<string | Awaited<Value> | undefined>, void> {
    const ns = namespace ?? this.#ns;
    // Materialise first: a caller deleting while iterating must not disturb the statement.
    const rows = this.#stmts.iter.all(ns, this.#now()) as Row[];
    for (const row of rows) yield [row.key, row.value as Awaited<Value>];
  }

  /** Deletes rows whose backend expiry has passed; returns how many. */
  purgeExpired(): number {
    this.#beforeWrite();
    return this.#stmts.purge.run(this.#ns, this.#now()).changes;
  }

  async disconnect(): Promise<void> {
    if (this.#ownsDb && this.db.open) this.db.close();
  }
}
