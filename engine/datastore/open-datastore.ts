import type Database from 'better-sqlite3';
import type { EngineConfig } from '../config/engine-config.ts';
import type { Logger } from '../log/logger.ts';
import { createDatastoreKeyv } from './create-keyv.ts';
import { Datastore, type KvChangeListener, type SecretCipher } from './datastore.ts';

export interface OpenDatastoreOptions {
  config: Pick<EngineConfig, 'datastore'>;
  /** The engine Store's database (`SqliteStore.db`): the embedded datastore shares `squall.db`. */
  db: Database.Database;
  /** Called before each write on `db` (the engine Store's `flush`, which waits for its writer thread). */
  beforeWrite?: () => void;
  /** The engine's SecretBox (`SecretBox.fromKeyFile(config.crypto.keyPath)`). */
  cipher: SecretCipher;
  onChange?: KvChangeListener;
  logger?: Logger;
  now?: () => number;
}

/** The Datastore for a running engine: `datastore.url` empty → table `kv` in squall.db, `redis://` → Redis. */
export function openDatastore(options: OpenDatastoreOptions): Datastore {
  const keyv = createDatastoreKeyv({
    url: options.config.datastore.url,
    db: options.db,
    beforeWrite: options.beforeWrite,
  });
  return new Datastore({
    keyv,
    cipher: options.cipher,
    onChange: options.onChange,
    logger: options.logger,
    now: options.now,
  });
}
