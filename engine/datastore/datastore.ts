import type { Keyv } from 'keyv';
import type { Logger } from '../log/logger.ts';
import { describeBackend } from './create-keyv.ts';
import {
  DatastoreAccessError,
  DatastoreBackendError,
  DatastoreDecryptError,
  DatastoreInputError,
} from './datastore-errors.ts';

export type KvScope = 'system' | 'user';

/** A key as every caller sees it (API, CLI, chat): st2's KeyValuePair columns, plain JSON. */
export interface KvItem {
  name: string;
  /** Plaintext, or the ciphertext when `encrypted` is true. */
  value: string;
  /** Stored encrypted at rest. */
  secret: boolean;
  /** `value` is ciphertext (a secret read without decrypt). */
  encrypted: boolean;
  scope: KvScope;
  /** Owner of a user-scope key. */
  user?: string;
  /** ISO time after which the key no longer exists. */
  expire_timestamp?: string;
}

/** Who is acting. Admins may touch any user's keys and write system keys. */
export interface KvPrincipal {
  user: string;
  isAdmin: boolean;
}

/** engine/crypto/secret-box.ts's SecretBox satisfies this. */
export interface SecretCipher {
  encrypt(plaintext: string): string;
  decrypt(ciphertext: string): string;
}

export interface KvSetOptions {
  scope?: KvScope;
  /** Owner of a user-scope key (default: the principal). Only admins may name another user. */
  user?: string;
  encrypt?: boolean;
  /** Seconds until the key expires. */
  ttl?: number;
}

export interface KvGetOptions {
  scope?: KvScope;
  user?: string;
  decrypt?: boolean;
}

export interface KvListOptions {
  /** `all`: system keys plus the (target) user's keys. Default `system`. */
  scope?: KvScope | 'all';
  user?: string;
  prefix?: string;
  decrypt?: boolean;
  /** Paging over the name-sorted result (system keys first with `all`). */
  offset?: number;
  limit?: number;
}

export interface KvDeleteOptions {
  scope?: KvScope;
  user?: string;
}

/** One entry of `st2 key load` input. */
export interface KvLoadItem {
  name: string;
  value: unknown;
  scope?: KvScope;
  user?: string;
  /** Encrypt the value on the way in. */
  secret?: boolean;
  /** The value is already ciphertext (from an export). Admin only: see `load`. */
  encrypted?: boolean;
  ttl?: number;
}

export type KvChangeKind = 'create' | 'update' | 'delete' | 'value_change';

/** st2's `core.st2.key_value_pair.*` trigger payloads. Secret values are masked. */
export type KvChangePayload = { object: KvItem } | { old_object: KvItem; new_object: KvItem };

export type KvChangeListener = (kind: KvChangeKind, payload: KvChangePayload) => void;

/** `core.st2.key_value_pair.<kind>`: the trigger type a change is dispatched to. */
export function kvTriggerRef(kind: KvChangeKind): string {
  return `core.st2.key_value_pair.${kind}`;
}

export const MASKED_VALUE = '********';

export interface DatastoreOptions {
  /** From `createDatastoreKeyv` (embedded SQLite or Redis). */
  keyv: Keyv;
  cipher: SecretCipher;
  /** Milliseconds since the epoch; tests pass a fake clock. */
  now?: () => number;
  onChange?: KvChangeListener;
  logger?: Logger;
}

/** What is stored per key (the keyv value). */
interface StoredKv {
  name: string;
  value: string;
  secret: boolean;
  scope: KvScope;
  user?: string;
  expire_timestamp?: string;
}

/** st2's API also spells scopes `st2kv.system` / `st2kv.user`. */
function normalizeScope(scope: string): string {
  return scope.startsWith('st2kv.') ? scope.slice('st2kv.'.length) : scope;
}

/** See Datastore.templateReader. */
export interface TemplateKvReader {
  readonly principal: KvPrincipal;
  /** A system key or one of the principal's own user keys (another user's: DatastoreAccessError). */
  read(address: KvAddress): Promise<KvItem | undefined>;
  /** Every key the principal can read: system keys and their own user keys. */
  list(): Promise<KvItem[]>;
  /** The plaintext of an item this reader returned (plain values as they are). */
  decrypt(item: KvItem): string;
}

/** Where a key lives: `system` or one user's namespace. */
export interface KvAddress {
  scope: KvScope;
  user?: string;
  name: string;
}

/** `system.<name>` / `user.<name>`: how templates and messages name a key. */
export function kvRef(address: KvAddress): string {
  return `${address.scope}.${address.name}`;
}

function describe(address: KvAddress): string {
  return address.scope === 'user'
    ? `user key "${address.name}" of ${address.user}`
    : `system key "${address.name}"`;
}

/**
 * Backend key. User keys are `user:<user>:<name>` (st2's `<user>:<key>` under a scope prefix), with the
 * user name URI-encoded so a ':' in it can never make user "a" + key "b:c" collide with user "a:b" + "c".
 */
function storageKey(address: KvAddress): string {
  return address.scope === 'system'
    ? `system:${address.name}`
    : `user:${encodeURIComponent(address.user!)}:${address.name}`;
}

function storagePrefix(scope: KvScope, user: string | undefined, prefix: string): string {
  return scope === 'system' ? `system:${prefix}` : `user:${encodeURIComponent(user!)}:${prefix}`;
}

/**
 * The scoped, encrypted key-value datastore (st2's st2kv).
 *
 * Access rules (the CVE-2018-20345 / CVE-2022-44009 regressions live in test/datastore):
 * - user scope: a user reads, writes, lists and decrypts only their own keys; admins any user's;
 * - system scope: everyone reads (secrets come back encrypted); only admins write or delete, and only
 *   admins decrypt through get/list (st2's "Decrypt option requires administrator access"). Templates and
 *   workflows decrypt system secrets for anyone through template-context.ts, as in st2.
 *
 * Writes of one instance are serialised, so a key rotation never loses a concurrent write.
 */
export class Datastore {
  readonly #keyv: Keyv;
  #cipher: SecretCipher;
  /** While rotating: the new cipher; reads fall back to it, writes use it. */
  #nextCipher: SecretCipher | undefined;
  readonly #now: () => number;
  readonly #onChange: KvChangeListener | undefined;
  readonly #logger: Logger | undefined;
  #writeChain: Promise<unknown> = Promise.resolve();
  readonly #backendName: string;

  constructor(options: DatastoreOptions) {
    this.#keyv = options.keyv;
    this.#cipher = options.cipher;
    this.#now = options.now ?? Date.now;
    this.#onChange = options.onChange;
    this.#logger = options.logger;
    this.#backendName = describeBackend(options.keyv);
  }

  // ---------------------------------------------------------------- public API

  async set(
    principal: KvPrincipal,
    name: string,
    value: string,
    options: KvSetOptions = {},
  ): Promise<KvItem> {
    if (typeof value !== 'string') {
      throw new DatastoreInputError(`datastore key "${name}": value must be a string, got ${typeof value}`);
    }
    const address = this.#address(principal, name, options.scope, options.user);
    this.#checkWrite(principal, address);
    const ttl = this.#checkTtl(name, options.ttl);
    return this.#serial(() => this.#write(address, value, options.encrypt === true, false, ttl));
  }

  async get(principal: KvPrincipal, name: string, options: KvGetOptions = {}): Promise<KvItem | undefined> {
    const address = this.#address(principal, name, options.scope, options.user);
    this.#checkRead(principal, address);
    if (options.decrypt) this.#checkApiDecrypt(principal, address.scope);
    const stored = await this.#read(address);
    return stored && this.#view(stored, options.decrypt === true);
  }

  async list(principal: KvPrincipal, options: KvListOptions = {}): Promise<KvItem[]> {
    const scope = normalizeScope(options.scope ?? 'system');
    if (scope !== 'system' && scope !== 'user' && scope !== 'all') {
      throw new DatastoreInputError(`datastore scope: expected system, user or all, got "${String(scope)}"`);
    }
    const prefix = options.prefix ?? '';
    const targetUser = options.user ?? principal.user;
    const scopes: KvScope[] = scope === 'all' ? ['system', 'user'] : [scope];
    for (const s of scopes) {
      this.#checkRead(principal, { scope: s, user: s === 'user' ? targetUser : undefined, name: prefix });
    }
    if (options.decrypt) this.#checkApiDecrypt(principal, scope);
    const offset = options.offset ?? 0;
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    if (
      !Number.isInteger(offset) ||
      offset < 0 ||
      !(limit === Number.POSITIVE_INFINITY || (Number.isInteger(limit) && limit >= 0))
    ) {
      throw new DatastoreInputError('datastore list: offset and limit must be non-negative integers');
    }
    const found: StoredKv[] = [];
    for (const s of scopes) {
      for (const stored of await this.#scan(storagePrefix(s, targetUser, prefix))) {
        if (s === 'user' && stored.user !== targetUser) continue; // belt and braces: never another user's key
        found.push(stored);
      }
    }
    // Decrypt only the page returned.
    return found.slice(offset, offset + limit).map((stored) => this.#view(stored, options.decrypt === true));
  }

  /** Deletes a key; false when it did not exist. */
  async delete(principal: KvPrincipal, name: string, options: KvDeleteOptions = {}): Promise<boolean> {
    const address = this.#address(principal, name, options.scope, options.user);
    this.#checkWrite(principal, address);
    return this.#serial(async () => {
      const old = await this.#read(address);
      if (!old) return false;
      await this.#kvDelete(storageKey(address));
      this.#emit('delete', { object: this.#masked(old) });
      return true;
    });
  }

  /**
   * `st2 key load`: sets many keys. Non-string values are stored as JSON text. An item marked
   * `encrypted: true` carries ciphertext from an export; it must decrypt with the current key, and only
   * admins may load one (otherwise a user could plant a copied ciphertext under their own name and have
   * decrypt_kv decrypt it for them).
   */
  async load(principal: KvPrincipal, items: KvLoadItem[]): Promise<KvItem[]> {
    const prepared = items.map((item, i) => {
      if (!item || typeof item.name !== 'string') {
        throw new DatastoreInputError(`datastore load: item ${i} needs a "name" string`);
      }
      const address = this.#address(principal, item.name, item.scope, item.user);
      this.#checkWrite(principal, address);
      if (item.encrypted && !principal.isAdmin) {
        throw new DatastoreAccessError(
          `datastore load: item "${item.name}": loading pre-encrypted values requires administrator access`,
        );
      }
      const value = typeof item.value === 'string' ? item.value : JSON.stringify(item.value);
      if (value === undefined)
        throw new DatastoreInputError(`datastore load: item "${item.name}" has no value`);
      if (item.encrypted) this.#decrypt(address, value); // reject garbage before writing anything
      return { address, value, item, ttl: this.#checkTtl(item.name, item.ttl) };
    });
    const out: KvItem[] = [];
    for (const p of prepared) {
      const encrypt = p.item.secret === true || p.item.encrypted === true;
      out.push(
        await this.#serial(() => this.#write(p.address, p.value, encrypt, p.item.encrypted === true, p.ttl)),
      );
    }
    return out;
  }

  /**
   * Re-encrypts every secret (every scope, every user) with `next`, then makes it the current cipher.
   * Reads keep working throughout: a value is decrypted with the old cipher or, once re-encrypted, the new.
   */
  async rotateKey(next: SecretCipher): Promise<{ rotated: number }> {
    if (this.#nextCipher) throw new Error('datastore: a key rotation is already running');
    this.#nextCipher = next;
    let rotated = 0;
    try {
      for (const [key, stored] of await this.#scanRaw('')) {
        if (!stored.secret) continue;
        await this.#serial(async () => {
          // Re-read under the write lock: a concurrent set may have replaced it (already with `next`).
          const current = await this.#kvGet(key);
          if (!current?.secret) return;
          const address: KvAddress = { scope: current.scope, user: current.user, name: current.name };
          const plain = this.#decrypt(address, current.value);
          const ttl = current.expire_timestamp
            ? Date.parse(current.expire_timestamp) - this.#now()
            : undefined;
          if (ttl !== undefined && ttl <= 0) return;
          await this.#kvSet(key, { ...current, value: next.encrypt(plain) }, ttl);
          rotated++;
        });
      }
      this.#cipher = next;
    } finally {
      this.#nextCipher = undefined;
    }
    this.#logger?.info({ rotated }, 'datastore key rotated');
    return { rotated };
  }

  /** Deletes every key whose expire_timestamp has passed on this datastore's clock. */
  async purgeExpired(): Promise<number> {
    let purged = 0;
    const now = this.#now();
    for (const [key, stored] of await this.#scanRaw('')) {
      if (stored.expire_timestamp && Date.parse(stored.expire_timestamp) <= now) {
        if (await this.#deleteIfExpired(key)) purged++;
      }
    }
    return purged;
  }

  /** Deletes `key` under the write lock if it is (still) expired: a concurrent set may have renewed it. */
  #deleteIfExpired(key: string): Promise<boolean> {
    return this.#serial(async () => {
      const current = await this.#kvGet(key);
      return current !== undefined && this.#expired(current) && (await this.#kvDelete(key));
    });
  }

  /**
   * What a template or workflow run as `principal` may use (template-context.ts builds on it): reads of
   * system keys and the principal's own user keys, and decryption of exactly the items this reader handed
   * out. There is no way to decrypt a ciphertext obtained elsewhere (a pasted value, another user's key),
   * which is the CVE-2022-44009 regression. Secrets stay encrypted until `decrypt` is called.
   */
  templateReader(principal: KvPrincipal): TemplateKvReader {
    const issued = new WeakSet<KvItem>();
    const issue = (item: KvItem): KvItem => {
      const frozen = Object.freeze({ ...item });
      issued.add(frozen);
      return frozen;
    };
    return {
      principal,
      read: async (address) => {
        this.#checkRead(principal, address);
        const stored = await this.#read(address);
        return stored && issue(this.#view(stored, false));
      },
      list: async () => (await this.list(principal, { scope: 'all', user: principal.user })).map(issue),
      decrypt: (item) => {
        if (!issued.has(item)) {
          throw new DatastoreAccessError(
            'decrypt_kv: only values read from st2kv by this run can be decrypted',
          );
        }
        this.#checkRead(principal, item);
        return item.encrypted ? this.#decrypt(item, item.value) : item.value;
      },
    };
  }

  async close(): Promise<void> {
    await this.#writeChain.catch(() => undefined);
    await this.#keyv.disconnect();
  }

  // ---------------------------------------------------------------- internals

  #address(
    principal: KvPrincipal,
    name: string,
    scope: KvScope | undefined,
    user: string | undefined,
  ): KvAddress {
    if (typeof name !== 'string' || name === '') {
      throw new DatastoreInputError('datastore key name: expected a non-empty string');
    }
    if (name.includes('\0'))
      throw new DatastoreInputError(`datastore key name "${name}": NUL is not allowed`);
    const s = normalizeScope(scope ?? 'system');
    if (s !== 'system' && s !== 'user') {
      throw new DatastoreInputError(
        `datastore key "${name}": scope must be system or user, got "${String(s)}"`,
      );
    }
    if (s === 'system') {
      if (user !== undefined && user !== '') {
        throw new DatastoreInputError(`datastore key "${name}": "user" only applies to the user scope`);
      }
      return { scope: 'system', name };
    }
    const owner = user === undefined || user === '' ? principal.user : user;
    if (typeof owner !== 'string' || owner === '') {
      throw new DatastoreInputError(`datastore key "${name}": user scope needs a user`);
    }
    return { scope: 'user', user: owner, name };
  }

  #checkRead(principal: KvPrincipal, address: KvAddress): void {
    if (address.scope === 'user' && address.user !== principal.user && !principal.isAdmin) {
      throw new DatastoreAccessError(
        `user "${principal.user}" may not access the user-scope keys of "${address.user}"`,
      );
    }
  }

  #checkWrite(principal: KvPrincipal, address: KvAddress): void {
    if (address.scope === 'system' && !principal.isAdmin) {
      throw new DatastoreAccessError(
        `user "${principal.user}" may not change ${describe(address)}: system keys need administrator access`,
      );
    }
    this.#checkRead(principal, address);
  }

  #checkApiDecrypt(principal: KvPrincipal, scope: KvScope | 'all'): void {
    if (scope !== 'user' && !principal.isAdmin) {
      throw new DatastoreAccessError(
        `user "${principal.user}" may not decrypt system keys: decrypt requires administrator access`,
      );
    }
  }

  #checkTtl(name: string, ttl: number | undefined): number | undefined {
    if (ttl === undefined || ttl === null) return undefined;
    if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
      throw new DatastoreInputError(`datastore key "${name}": ttl must be a positive number of seconds`);
    }
    return ttl;
  }

  /** Runs `fn` after every earlier write of this instance. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#writeChain.then(fn, fn);
    this.#writeChain = run.catch(() => undefined);
    return run;
  }

  async #write(
    address: KvAddress,
    value: string,
    encrypt: boolean,
    preEncrypted: boolean,
    ttlSeconds: number | undefined,
  ): Promise<KvItem> {
    const key = storageKey(address);
    const old = await this.#read(address);
    const now = this.#now();
    const stored: StoredKv = {
      name: address.name,
      value: encrypt && !preEncrypted ? (this.#nextCipher ?? this.#cipher).encrypt(value) : value,
      secret: encrypt,
      scope: address.scope,
      ...(address.user !== undefined ? { user: address.user } : {}),
      ...(ttlSeconds !== undefined
        ? { expire_timestamp: new Date(now + ttlSeconds * 1000).toISOString() }
        : {}),
    };
    await this.#kvSet(key, stored, ttlSeconds !== undefined ? Math.ceil(ttlSeconds * 1000) : undefined);
    const masked = this.#masked(stored);
    if (!old) {
      this.#emit('create', { object: masked });
    } else {
      this.#emit('update', { object: masked });
      const newPlain = preEncrypted ? this.#plain(stored) : value;
      if (this.#plainOrUndefined(old) !== newPlain) {
        this.#emit('value_change', { old_object: this.#masked(old), new_object: masked });
      }
    }
    return this.#view(stored, false);
  }

  /** The stored record, or undefined when absent or expired on this datastore's clock. */
  async #read(address: KvAddress): Promise<StoredKv | undefined> {
    const key = storageKey(address);
    const stored = await this.#kvGet(key);
    if (!stored) return undefined;
    if (this.#expired(stored)) {
      // Not awaited: #read also runs inside writes, which hold the write lock.
      this.#deleteIfExpired(key).catch((error) =>
        this.#logger?.warn({ err: error }, 'datastore: deleting an expired key failed'),
      );
      return undefined;
    }
    return stored;
  }

  #expired(stored: StoredKv): boolean {
    return stored.expire_timestamp !== undefined && Date.parse(stored.expire_timestamp) <= this.#now();
  }

  /** Every live record under a backend-key prefix, sorted by name. */
  async #scan(prefix: string): Promise<StoredKv[]> {
    return (await this.#scanRaw(prefix)).filter(([, s]) => !this.#expired(s)).map(([, s]) => s);
  }

  async #scanRaw(prefix: string): Promise<Array<[string, StoredKv]>> {
    const iterator = this.#keyv.iterator;
    if (!iterator) throw new Error('datastore: the keyv store cannot be iterated');
    const out: Array<[string, StoredKv]> = [];
    await this.#io('list', async () => {
      for await (const [key, value] of iterator(undefined)) {
        if (typeof key === 'string' && key.startsWith(prefix) && value) out.push([key, value as StoredKv]);
      }
    });
    return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Backend calls: a failure names the backend (never its password) and keeps the cause. */
  async #io<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw new DatastoreBackendError(
        `datastore ${op} failed on ${this.#backendName}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  #kvGet(key: string): Promise<StoredKv | undefined> {
    return this.#io('read', async () => (await this.#keyv.get(key)) as StoredKv | undefined);
  }

  #kvSet(key: string, value: StoredKv, ttlMs: number | undefined): Promise<unknown> {
    return this.#io('write', () => this.#keyv.set(key, value, ttlMs));
  }

  #kvDelete(key: string): Promise<boolean> {
    return this.#io('delete', () => this.#keyv.delete(key));
  }

  #decrypt(address: KvAddress, ciphertext: string): string {
    try {
      return this.#cipher.decrypt(ciphertext);
    } catch (error) {
      if (this.#nextCipher) {
        try {
          return this.#nextCipher.decrypt(ciphertext);
        } catch {
          // fall through to the error about the current key
        }
      }
      throw new DatastoreDecryptError(kvRef(address), (error as Error).message);
    }
  }

  /** The plaintext of a record (secrets decrypted), for value_change detection. */
  #plain(stored: StoredKv): string {
    return stored.secret ? this.#decrypt(stored, stored.value) : stored.value;
  }

  /** Like #plain, but an undecryptable old value (tampered, old key) just counts as different. */
  #plainOrUndefined(stored: StoredKv): string | undefined {
    try {
      return this.#plain(stored);
    } catch {
      return undefined;
    }
  }

  #view(stored: StoredKv, decrypt: boolean): KvItem {
    const decrypted = stored.secret && decrypt;
    return {
      name: stored.name,
      value: decrypted ? this.#decrypt(stored, stored.value) : stored.value,
      secret: stored.secret,
      encrypted: stored.secret && !decrypted,
      scope: stored.scope,
      ...(stored.user !== undefined ? { user: stored.user } : {}),
      ...(stored.expire_timestamp !== undefined ? { expire_timestamp: stored.expire_timestamp } : {}),
    };
  }

  #masked(stored: StoredKv): KvItem {
    const view = this.#view(stored, false);
    return stored.secret ? { ...view, value: MASKED_VALUE } : view;
  }

  #emit(kind: KvChangeKind, payload: KvChangePayload): void {
    if (!this.#onChange) return;
    try {
      this.#onChange(kind, payload);
    } catch (error) {
      // The write has happened; a failing listener must not turn it into an error for the caller.
      this.#logger?.error({ err: error, kind }, 'datastore change listener failed');
    }
  }
}
