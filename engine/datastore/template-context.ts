import { isKeywordArgs } from '../expressions/kwargs.ts';
import type { Datastore, KvAddress, KvItem, KvPrincipal, KvScope, TemplateKvReader } from './datastore.ts';
import { DatastoreInputError, DatastoreKeyNotFoundError } from './datastore-errors.ts';

/**
 * Datastore access from templates. Jinja rendering is synchronous and keyv is async, so a template run
 * prefetches the keys it references (collectKvReferences → prefetchKv) and renders against the snapshot.
 * Decryption (the decrypt_kv filter, st2kv(..., decrypt=true)) is synchronous and only accepts values the
 * snapshot itself read for its principal: a template run for user A can never decrypt user B's keys, even
 * with B's ciphertext pasted in (CVE-2022-44009).
 */

export interface KvReferences {
  /** Key names (dotted paths like `a.b` included as written). */
  system: string[];
  user: string[];
  /** A `st2kv(...)` call whose key is computed (e.g. `st2kv(ctx().key_name)`): prefetch everything readable. */
  dynamic?: boolean;
}

export interface KvContextOptions {
  /** Every decrypted value, so the execution adds it to its redaction set. */
  onDecrypted?: (value: string) => void;
}

export type St2kvContext = {
  st2kv: { system: Record<string, unknown>; user: Record<string, unknown> };
  /** Called by the decrypt_kv Jinja filter. */
  __decrypt_kv: (value: unknown) => unknown;
};

const IDENT = '[A-Za-z_][A-Za-z0-9_]*';
const SEGMENT = `(?:\\s*\\.\\s*${IDENT}|\\s*\\[\\s*(?:'[^'\\n]*'|"[^"\\n]*")\\s*\\])`;
const ATTR_RE = new RegExp(`\\bst2kv\\s*\\.\\s*(system|user)((?:${SEGMENT})+)`, 'g');
const SEGMENT_RE = new RegExp(`\\s*\\.\\s*(${IDENT})|\\s*\\[\\s*(?:'([^'\\n]*)'|"([^"\\n]*)")\\s*\\]`, 'g');
const CALL_RE = /\bst2kv\s*\(\s*(?:'([^'\n]*)'|"([^"\n]*)"|([^\s,)]))/g;

/** Parses `system.k`, `user.k`, `st2kv.system.k`; a bare `k` is a system key. */
export function parseKvRef(ref: string): { scope: KvScope; name: string } {
  if (typeof ref !== 'string' || ref === '') {
    throw new DatastoreInputError(
      'st2kv: the key must be a non-empty string like "system.name" or "user.name"',
    );
  }
  const bare = ref.startsWith('st2kv.') ? ref.slice('st2kv.'.length) : ref;
  for (const scope of ['system', 'user'] as const) {
    if (bare.startsWith(`${scope}.`) && bare.length > scope.length + 1) {
      return { scope, name: bare.slice(scope.length + 1) };
    }
  }
  return { scope: 'system', name: bare };
}

/** Finds the datastore keys a set of templates/expressions reads. */
export function collectKvReferences(templates: string[]): KvReferences {
  const system = new Set<string>();
  const user = new Set<string>();
  let dynamic = false;
  for (const text of templates) {
    if (typeof text !== 'string' || !text.includes('st2kv')) continue;
    for (const m of text.matchAll(ATTR_RE)) {
      const segments = [...m[2]!.matchAll(SEGMENT_RE)].map((s) => s[1] ?? s[2] ?? s[3] ?? '');
      (m[1] === 'system' ? system : user).add(segments.join('.'));
    }
    for (const m of text.matchAll(CALL_RE)) {
      const literal = m[1] ?? m[2];
      if (literal === undefined) {
        dynamic = true;
        continue;
      }
      if (literal === '') continue;
      const { scope, name } = parseKvRef(literal);
      (scope === 'system' ? system : user).add(name);
    }
  }
  const refs: KvReferences = { system: [...system].sort(), user: [...user].sort() };
  if (dynamic) refs.dynamic = true;
  return refs;
}

/** The keys one template run may see, read once for its principal. */
export class KvSnapshot {
  readonly #reader: TemplateKvReader;
  /** `system.k` / `user.k` → item, or null when looked up and absent. */
  readonly #entries: Map<string, KvItem | null>;
  /** Every key readable by the principal was read: absence means "does not exist". */
  readonly #complete: boolean;
  readonly #requested: KvReferences;
  readonly #options: KvContextOptions;
  /** Ciphertext → the item it was read as (the reader decrypts only items it issued). */
  readonly #ciphertexts = new Map<string, KvItem>();
  readonly #plainValues = new Set<string>();

  constructor(
    reader: TemplateKvReader,
    entries: Map<string, KvItem | null>,
    complete: boolean,
    requested: KvReferences,
    options: KvContextOptions = {},
  ) {
    this.#reader = reader;
    this.#entries = entries;
    this.#complete = complete;
    this.#requested = requested;
    this.#options = options;
    for (const item of entries.values()) {
      if (!item) continue;
      if (item.encrypted) this.#ciphertexts.set(item.value, item);
      else this.#plainValues.add(item.value);
    }
  }

  get principal(): KvPrincipal {
    return this.#reader.principal;
  }

  /** The item for `system.k` / `user.k`; throws when it does not exist or was not prefetched. */
  lookup(scope: KvScope, name: string): KvItem {
    const ref = `${scope}.${name}`;
    const item = this.#entries.get(ref);
    if (item) return item;
    if (item === null || this.#complete) throw new DatastoreKeyNotFoundError(ref);
    throw new DatastoreInputError(
      `datastore key "${ref}" was not prefetched for this run (only keys named literally in templates are)`,
    );
  }

  /** True when the key exists (false when absent or not prefetched). */
  has(scope: KvScope, name: string): boolean {
    return Boolean(this.#entries.get(`${scope}.${name}`));
  }

  /** The decrypt_kv filter: decrypts a secret this snapshot read; passes its plain values through. */
  decryptValue(value: unknown): unknown {
    if (value === undefined || value === null || value === '') return value;
    if (typeof value === 'string') {
      const item = this.#ciphertexts.get(value);
      if (item) return this.#reveal(item);
      if (this.#plainValues.has(value)) return value;
    }
    throw new DatastoreInputError(
      'decrypt_kv: the value is not an encrypted datastore value read by this template ' +
        '(use it as {{ st2kv.system.<key> | decrypt_kv }} or {{ st2kv.user.<key> | decrypt_kv }})',
    );
  }

  /** st2kv(key, decrypt) semantics on the snapshot. */
  read(ref: string, decrypt: boolean): string {
    const { scope, name } = parseKvRef(ref);
    const item = this.lookup(scope, name);
    if (!decrypt || !item.encrypted) return item.value;
    return this.#reveal(item);
  }

  #reveal(item: KvItem): string {
    const plain = this.#reader.decrypt(item);
    this.#options.onDecrypted?.(plain);
    return plain;
  }

  /**
   * The Jinja context: `st2kv.system.<key>`, `st2kv.user.<key>` and the decrypt_kv hook. A referenced key
   * that does not exist throws `datastore key "system.k" does not exist` here (the renderer ignores getters,
   * so a lazy error is not possible); `missing: 'empty'` leaves it out instead (it renders as empty).
   */
  toContext(options: { missing?: 'error' | 'empty' } = {}): St2kvContext {
    const system = this.#tree('system', this.#requested.system, options.missing ?? 'error');
    const user = this.#tree('user', this.#requested.user, options.missing ?? 'error');
    if (this.#complete) {
      for (const [ref, item] of this.#entries) {
        if (!item) continue;
        const target = ref.startsWith('system.') ? system : user;
        if (!Object.hasOwn(target, item.name)) target[item.name] = item.value;
      }
    }
    return { st2kv: { system, user }, __decrypt_kv: (value: unknown) => this.decryptValue(value) };
  }

  /** Nested objects for the referenced paths: `st2kv.system.a.b` is key `a.b` unless key `a` exists. */
  #tree(scope: KvScope, paths: string[], missing: 'error' | 'empty'): Record<string, unknown> {
    const root: Record<string, unknown> = {};
    for (const path of paths) {
      const segments = path.split('.');
      let node = root;
      for (let i = 0; i < segments.length; i++) {
        const seg = segments[i]!;
        const name = segments.slice(0, i + 1).join('.');
        const item = this.#entries.get(`${scope}.${name}`);
        if (item === undefined && !this.#complete) continue; // not prefetched: not part of this snapshot
        if (item) {
          node[seg] = item.value;
          break;
        }
        if (i === segments.length - 1) {
          if (missing === 'error') throw new DatastoreKeyNotFoundError(`${scope}.${path}`);
          break;
        }
        const existing = node[seg];
        if (existing !== undefined && (typeof existing !== 'object' || existing === null)) break;
        if (existing === undefined) node[seg] = {};
        node = node[seg] as Record<string, unknown>;
      }
    }
    return root;
  }
}

/** Every prefix of a dotted path: `a.b.c` → `a`, `a.b`, `a.b.c`. */
function prefixes(path: string): string[] {
  const segments = path.split('.');
  return segments.map((_, i) => segments.slice(0, i + 1).join('.'));
}

/**
 * Reads the referenced keys for `principal`. A reference to another user's keys cannot be expressed
 * (`st2kv.user` is always the principal's own namespace). With `refs.dynamic`, everything the principal can
 * read is fetched (system keys and their own user keys).
 */
export async function prefetchKv(
  datastore: Datastore,
  principal: KvPrincipal,
  refs: KvReferences,
  options: KvContextOptions = {},
): Promise<KvSnapshot> {
  const reader = datastore.templateReader(principal);
  const entries = new Map<string, KvItem | null>();
  if (refs.dynamic) {
    for (const item of await reader.list()) entries.set(`${item.scope}.${item.name}`, item);
    return new KvSnapshot(reader, entries, true, refs, options);
  }
  for (const scope of ['system', 'user'] as const) {
    for (const path of refs[scope]) {
      for (const name of prefixes(path)) {
        const ref = `${scope}.${name}`;
        if (entries.has(ref)) continue;
        const address: KvAddress = scope === 'user' ? { scope, user: principal.user, name } : { scope, name };
        entries.set(ref, (await reader.read(address)) ?? null);
      }
    }
  }
  return new KvSnapshot(reader, entries, false, refs, options);
}

/** Prefetches `refs` and returns the Jinja context (`{ st2kv, __decrypt_kv }`) to merge into a render. */
export async function buildSt2kvContext(
  datastore: Datastore,
  principal: KvPrincipal,
  refs: KvReferences,
  options: KvContextOptions & { missing?: 'error' | 'empty' } = {},
): Promise<St2kvContext> {
  return (await prefetchKv(datastore, principal, refs, options)).toContext({ missing: options.missing });
}

interface St2kvKwargs {
  decrypt?: unknown;
  default?: unknown;
}

/** Keyword arguments as the expression module passes them, or a plain `{ decrypt, default }` object. */
function isKwargs(value: unknown): value is St2kvKwargs {
  if (isKeywordArgs(value)) return true;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => k === 'decrypt' || k === 'default');
}

/**
 * Orquesta's `st2kv(key, decrypt => true, default => x)` (also Jinja `st2kv(key, decrypt=true)`), synchronous
 * over a prefetched snapshot. Accepted call shapes: `st2kv(key)`, `st2kv(key, decrypt)`,
 * `st2kv(key, decrypt, default)` and `st2kv(key, { decrypt, default })` (keyword arguments as an object).
 * A missing key without a default throws `datastore key "system.k" does not exist`.
 */
export function makeSt2kvFunction(snapshot: KvSnapshot): (...args: unknown[]) => unknown {
  return (...args: unknown[]) => {
    const [key, ...rest] = args;
    let decrypt: unknown = false;
    let hasDefault = false;
    let fallback: unknown;
    const last = rest[rest.length - 1];
    const kwargs = rest.length > 0 && isKwargs(last) ? last : undefined;
    const positional = kwargs ? rest.slice(0, -1) : rest;
    if (positional.length >= 1) decrypt = positional[0];
    if (positional.length >= 2) {
      hasDefault = true;
      fallback = positional[1];
    }
    if (kwargs) {
      for (const k of Object.keys(kwargs)) {
        if (k !== 'decrypt' && k !== 'default' && k !== '__keywords') {
          throw new DatastoreInputError(`st2kv() got an unexpected keyword argument '${k}'`);
        }
      }
      if (Object.hasOwn(kwargs, 'decrypt')) decrypt = kwargs.decrypt;
      if (Object.hasOwn(kwargs, 'default')) {
        hasDefault = true;
        fallback = kwargs.default;
      }
    }
    if (decrypt === undefined) decrypt = false;
    if (typeof key !== 'string') throw new DatastoreInputError('st2kv: the key must be a string');
    if (typeof decrypt !== 'boolean') throw new DatastoreInputError('st2kv: decrypt must be a boolean');
    if (hasDefault) {
      try {
        return snapshot.read(key, decrypt);
      } catch (error) {
        if (error instanceof DatastoreKeyNotFoundError) return fallback;
        throw error;
      }
    }
    return snapshot.read(key, decrypt);
  };
}

/**
 * The `kvContext(templates, user, onDecrypted)` hook of the execution service: prefetches what the templates
 * reference for `user` (as `principalOf(user)` says: admin or not) and returns `{ st2kv, __decrypt_kv }`.
 */
export function kvContextProvider(
  datastore: Datastore,
  principalOf: (user: string) => KvPrincipal,
  options: { missing?: 'error' | 'empty' } = {},
): (templates: string[], user: string, onDecrypted: (value: string) => void) => Promise<St2kvContext> {
  return (templates, user, onDecrypted) =>
    buildSt2kvContext(datastore, principalOf(user), collectKvReferences(templates), {
      onDecrypted,
      missing: options.missing,
    });
}
