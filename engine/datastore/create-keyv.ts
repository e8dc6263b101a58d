import KeyvRedis from '@keyv/redis';
import type Database from 'better-sqlite3';
import { Keyv } from 'keyv';
import { SqliteKeyvStore } from './sqlite-keyv-store.ts';

export interface DatastoreBackendOptions {
  /** `datastore.url`: empty for the embedded SQLite store, `redis://` / `rediss://` for Redis. */
  url?: string;
  /** The engine Store's open database (`<dataDir>/squall.db`), used when `url` is empty. */
  db?: Database.Database;
  /** Called before each write on `db` (see SqliteKeyvStoreOptions.beforeWrite). */
  beforeWrite?: () => void;
  /** Or the SQLite file to open when `url` is empty and no `db` is given. */
  path?: string;
  /** Key namespace (Redis keys become `<namespace>::<key>`). Must not contain ':'. Default `squall-kv`. */
  namespace?: string;
  /** Redis connect timeout in ms (default 5000). */
  connectTimeoutMs?: number;
}

export const DEFAULT_KV_NAMESPACE = 'squall-kv';

/**
 * Opens the keyv instance behind the Datastore. Keys reach the adapter unprefixed (`useKeyPrefix: false`);
 * each adapter applies the namespace itself, and errors throw instead of turning into "missing".
 */
export function createDatastoreKeyv(options: DatastoreBackendOptions): Keyv {
  const namespace = options.namespace ?? DEFAULT_KV_NAMESPACE;
  if (namespace.includes(':')) throw new Error(`datastore namespace "${namespace}" must not contain ':'`);
  const url = options.url ?? '';
  if (url === '') {
    if (!options.db && !options.path) {
      throw new Error('datastore: the embedded store needs the engine database or a path to squall.db');
    }
    const store = new SqliteKeyvStore({
      db: options.db,
      path: options.path,
      namespace,
      beforeWrite: options.beforeWrite,
    });
    return new Keyv(store, { namespace, useKeyPrefix: false, throwOnErrors: true });
  }
  if (/^rediss?:\/\//.test(url)) {
    const timeout = options.connectTimeoutMs ?? 5000;
    const store = new KeyvRedis(
      {
        url,
        socket: {
          connectTimeout: timeout,
          // Give up after a few tries so a dead Redis surfaces as an error instead of a hang.
          reconnectStrategy: (retries: number) =>
            retries >= 3 ? new Error(`datastore: Redis at ${redactUrl(url)} is not reachable`) : 200,
        },
      },
      { namespace, throwOnErrors: true, throwOnConnectError: true, connectionTimeout: timeout },
    );
    return new Keyv(store, { namespace, useKeyPrefix: false, throwOnErrors: true });
  }
  throw new Error(`datastore.url: expected empty (embedded SQLite) or redis://..., got "${redactUrl(url)}"`);
}

/** Hides a password in a connection URL before it reaches a message. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/** A short, password-free name of the backend behind a keyv instance, for messages. */
export function describeBackend(keyv: Keyv): string {
  const store: unknown = keyv.store;
  if (store instanceof SqliteKeyvStore) return `SQLite ${store.db.name}`;
  if (store instanceof KeyvRedis) return `Redis ${redactUrl(String(store.opts.url))}`;
  return 'the keyv store';
}
