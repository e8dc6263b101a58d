import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type KeyvRedis from '@keyv/redis';
import type { Keyv } from 'keyv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretBox } from '../../engine/crypto/secret-box.ts';
import { createDatastoreKeyv } from '../../engine/datastore/create-keyv.ts';
import {
  Datastore,
  type KvChangeKind,
  type KvChangePayload,
  type KvPrincipal,
  kvTriggerRef,
} from '../../engine/datastore/datastore.ts';
import {
  DatastoreAccessError,
  DatastoreDecryptError,
  DatastoreInputError,
} from '../../engine/datastore/datastore-errors.ts';
import {
  buildSt2kvContext,
  collectKvReferences,
  makeSt2kvFunction,
  prefetchKv,
} from '../../engine/datastore/template-context.ts';
import { SqliteStore } from '../../engine/store/sqlite-store.ts';
import { describeWithService, REDIS_URL, redisAvailable } from '../helpers/services.ts';

const admin: KvPrincipal = { user: 'root', isAdmin: true };
const alice: KvPrincipal = { user: 'alice', isAdmin: false };
const bob: KvPrincipal = { user: 'bob', isAdmin: false };

const CANARY = 'canary-Plaintext-7f3a9c';

/** One backend under test: a fresh keyv per test, raw access to what is at rest, cleanup. */
interface BackendHandle {
  keyv: Keyv;
  /** Everything the backend holds at rest, as text (file bytes / raw Redis values). */
  rawDump(): Promise<string>;
  /** Reopens the same storage with a fresh keyv (another process, a restart). */
  reopen(): Keyv;
  cleanup(): Promise<void>;
}

interface Backend {
  name: string;
  open(): Promise<BackendHandle>;
}

const sqliteBackend: Backend = {
  name: 'embedded SQLite',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'squall-kv-'));
    // The same file as the engine Store: the kv table lives beside executions & co.
    const store = SqliteStore.open(dir);
    const keyvs: Keyv[] = [];
    const make = () => {
      const k = createDatastoreKeyv({ db: store.db });
      keyvs.push(k);
      return k;
    };
    const keyv = make();
    return {
      keyv,
      reopen: make,
      async rawDump() {
        const file = join(dir, 'squall.db');
        let bytes = readFileSync(file).toString('latin1');
        if (existsSync(`${file}-wal`)) bytes += readFileSync(`${file}-wal`).toString('latin1');
        return bytes;
      },
      async cleanup() {
        store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

const redisBackend: Backend = {
  name: 'Redis',
  async open() {
    const namespace = `squall-test-${randomUUID().replaceAll('-', '')}`;
    const keyvs: Keyv[] = [];
    const make = () => {
      const k = createDatastoreKeyv({ url: REDIS_URL, namespace, connectTimeoutMs: 2000 });
      keyvs.push(k);
      return k;
    };
    const keyv = make();
    return {
      keyv,
      reopen: make,
      async rawDump() {
        const client = await (keyv.store as KeyvRedis<unknown>).getClient();
        const keys = await client.keys(`${namespace}::*`);
        const values = keys.length > 0 ? await client.mGet(keys) : [];
        return keys.join('\n') + values.join('\n');
      },
      async cleanup() {
        await keyv.clear();
        for (const k of keyvs) await k.disconnect();
      },
    };
  },
};

function datastoreSuite(backend: Backend): void {
  let handle: BackendHandle;
  let box: SecretBox;
  let now: number;
  let events: Array<{ kind: KvChangeKind; payload: KvChangePayload }>;
  let ds: Datastore;

  const clock = () => now;
  const make = (keyv: Keyv, cipher: SecretBox) =>
    new Datastore({ keyv, cipher, now: clock, onChange: (kind, payload) => events.push({ kind, payload }) });

  beforeEach(async () => {
    handle = await backend.open();
    box = new SecretBox(randomBytes(32));
    now = Date.parse('2026-03-01T12:00:00.000Z');
    events = [];
    ds = make(handle.keyv, box);
  });

  afterEach(async () => {
    await handle.cleanup();
  });

  describe('set, get, list, delete', () => {
    it('stores and returns plain JSON items with the st2 columns', async () => {
      const item = await ds.set(admin, 'api_host', 'example.org');
      expect(item).toEqual({
        name: 'api_host',
        value: 'example.org',
        secret: false,
        encrypted: false,
        scope: 'system',
      });
      expect(await ds.get(alice, 'api_host')).toEqual(item);
      expect(JSON.parse(JSON.stringify(item))).toEqual(item);
      expect(await ds.get(alice, 'nope')).toBeUndefined();
    });

    it('overwrites on set and survives a reopen of the same storage', async () => {
      await ds.set(admin, 'k', 'one');
      await ds.set(admin, 'k', 'two');
      const again = make(handle.reopen(), box);
      expect((await again.get(admin, 'k'))?.value).toBe('two');
    });

    it('lists by prefix, sorted, only within the scope asked for', async () => {
      await ds.set(admin, 'app.b', '2');
      await ds.set(admin, 'app.a', '1');
      await ds.set(admin, 'other', '3');
      await ds.set(alice, 'app.mine', '4', { scope: 'user' });
      const system = await ds.list(alice, { prefix: 'app.' });
      expect(system.map((i) => i.name)).toEqual(['app.a', 'app.b']);
      const all = await ds.list(alice, { scope: 'all', prefix: 'app.' });
      expect(all.map((i) => `${i.scope}:${i.name}`)).toEqual([
        'system:app.a',
        'system:app.b',
        'user:app.mine',
      ]);
      expect((await ds.list(alice, {})).map((i) => i.name)).toEqual(['app.a', 'app.b', 'other']);
      expect((await ds.list(alice, { offset: 1, limit: 1 })).map((i) => i.name)).toEqual(['app.b']);
      expect((await ds.list(alice, { scope: 'all', offset: 2 })).map((i) => i.name)).toEqual([
        'other',
        'app.mine',
      ]);
      await expect(ds.list(alice, { limit: -1 })).rejects.toThrow(/offset and limit/);
      // st2's API spelling of scopes
      expect((await ds.list(alice, { scope: 'st2kv.user' as 'user' })).map((i) => i.name)).toEqual([
        'app.mine',
      ]);
      expect((await ds.get(alice, 'app.mine', { scope: 'st2kv.user' as 'user' }))?.value).toBe('4');
    });

    it('deletes and reports whether the key existed', async () => {
      await ds.set(admin, 'gone', 'x');
      expect(await ds.delete(admin, 'gone')).toBe(true);
      expect(await ds.get(admin, 'gone')).toBeUndefined();
      expect(await ds.delete(admin, 'gone')).toBe(false);
    });

    it('rejects bad input with messages naming the key', async () => {
      await expect(ds.set(admin, '', 'x')).rejects.toThrow(DatastoreInputError);
      await expect(ds.set(admin, 'k', 'x', { ttl: -1 })).rejects.toThrow(/"k": ttl must be a positive/);
      await expect(ds.set(admin, 'k', 42 as unknown as string)).rejects.toThrow(
        /"k": value must be a string/,
      );
      await expect(ds.set(admin, 'k', 'x', { scope: 'global' as 'system' })).rejects.toThrow(/scope must be/);
    });

    it('loads many items, converting non-strings to JSON text', async () => {
      const loaded = await ds.load(admin, [
        { name: 'n', value: 5 },
        { name: 'obj', value: { a: [1] } },
        { name: 'pw', value: CANARY, secret: true },
        { name: 'mine', value: 'v', scope: 'user', user: 'alice' },
      ]);
      expect(loaded.map((i) => [i.name, i.encrypted])).toEqual([
        ['n', false],
        ['obj', false],
        ['pw', true],
        ['mine', false],
      ]);
      expect((await ds.get(admin, 'obj'))?.value).toBe('{"a":[1]}');
      expect((await ds.get(admin, 'pw', { decrypt: true }))?.value).toBe(CANARY);
      expect((await ds.get(alice, 'mine', { scope: 'user' }))?.value).toBe('v');
    });

    it('loads exported ciphertext only for admins and only when it decrypts', async () => {
      const exported = (await ds.set(admin, 'src', CANARY, { encrypt: true })).value;
      await ds.load(admin, [{ name: 'copy', value: exported, secret: true, encrypted: true }]);
      expect((await ds.get(admin, 'copy', { decrypt: true }))?.value).toBe(CANARY);
      await expect(
        ds.load(alice, [{ name: 'x', value: exported, encrypted: true, scope: 'user' }]),
      ).rejects.toThrow(DatastoreAccessError);
      await expect(ds.load(admin, [{ name: 'bad', value: 'v1:AAAA', encrypted: true }])).rejects.toThrow(
        DatastoreDecryptError,
      );
      expect(await ds.get(admin, 'bad')).toBeUndefined();
    });
  });

  describe('scopes and isolation (CVE-2018-20345, CVE-2022-44009)', () => {
    beforeEach(async () => {
      await ds.set(alice, 'token', `${CANARY}-alice`, { scope: 'user', encrypt: true });
      await ds.set(alice, 'note', 'alice-note', { scope: 'user' });
      await ds.set(bob, 'note', 'bob-note', { scope: 'user' });
      await ds.set(admin, 'shared', `${CANARY}-system`, { encrypt: true });
    });

    it('keeps each user in their own namespace', async () => {
      expect((await ds.get(alice, 'note', { scope: 'user' }))?.value).toBe('alice-note');
      expect((await ds.get(bob, 'note', { scope: 'user' }))?.value).toBe('bob-note');
      expect(await ds.get(bob, 'token', { scope: 'user' })).toBeUndefined();
      const item = await ds.get(alice, 'token', { scope: 'user', decrypt: true });
      expect(item).toMatchObject({
        name: 'token',
        user: 'alice',
        scope: 'user',
        secret: true,
        encrypted: false,
      });
      expect(item?.value).toBe(`${CANARY}-alice`);
    });

    it("denies user B reading, listing, writing and deleting user A's keys", async () => {
      await expect(ds.get(bob, 'token', { scope: 'user', user: 'alice' })).rejects.toThrow(
        DatastoreAccessError,
      );
      await expect(ds.get(bob, 'token', { scope: 'user', user: 'alice', decrypt: true })).rejects.toThrow(
        /may not access the user-scope keys of "alice"/,
      );
      await expect(ds.list(bob, { scope: 'user', user: 'alice' })).rejects.toThrow(DatastoreAccessError);
      await expect(ds.list(bob, { scope: 'all', user: 'alice' })).rejects.toThrow(DatastoreAccessError);
      await expect(ds.set(bob, 'token', 'x', { scope: 'user', user: 'alice' })).rejects.toThrow(
        DatastoreAccessError,
      );
      await expect(ds.delete(bob, 'token', { scope: 'user', user: 'alice' })).rejects.toThrow(
        DatastoreAccessError,
      );
      const bobsView = await ds.list(bob, { scope: 'all' });
      expect(bobsView.map((i) => `${i.scope}:${i.user ?? ''}:${i.name}`)).toEqual([
        'system::shared',
        'user:bob:note',
      ]);
      expect(JSON.stringify(bobsView)).not.toContain('alice');
    });

    it("lets an admin read and decrypt any user's keys", async () => {
      const item = await ds.get(admin, 'token', { scope: 'user', user: 'alice', decrypt: true });
      expect(item?.value).toBe(`${CANARY}-alice`);
      const listed = await ds.list(admin, { scope: 'user', user: 'alice', decrypt: true });
      expect(listed.map((i) => [i.name, i.value])).toEqual([
        ['note', 'alice-note'],
        ['token', `${CANARY}-alice`],
      ]);
    });

    it('lets everyone read system keys encrypted, only admins write or decrypt them via the API', async () => {
      const seen = await ds.get(bob, 'shared');
      expect(seen).toMatchObject({ secret: true, encrypted: true });
      expect(seen?.value).not.toContain(CANARY);
      await expect(ds.get(bob, 'shared', { decrypt: true })).rejects.toThrow(/requires administrator access/);
      await expect(ds.list(bob, { scope: 'all', decrypt: true })).rejects.toThrow(DatastoreAccessError);
      await expect(ds.set(bob, 'shared', 'pwned')).rejects.toThrow(/system keys need administrator access/);
      await expect(ds.delete(bob, 'shared')).rejects.toThrow(DatastoreAccessError);
      expect((await ds.get(admin, 'shared', { decrypt: true }))?.value).toBe(`${CANARY}-system`);
    });

    it('cannot be confused by ":" in user names', async () => {
      await ds.set(admin, 'b:c', 'of-a', { scope: 'user', user: 'a' });
      await ds.set(admin, 'c', 'of-a:b', { scope: 'user', user: 'a:b' });
      const a = { user: 'a', isAdmin: false };
      const ab = { user: 'a:b', isAdmin: false };
      expect((await ds.list(a, { scope: 'user' })).map((i) => i.value)).toEqual(['of-a']);
      expect((await ds.list(ab, { scope: 'user' })).map((i) => i.value)).toEqual(['of-a:b']);
      expect(await ds.get(a, 'c', { scope: 'user' })).toBeUndefined();
    });

    it('isolates users with awkward names across every read path', async () => {
      const names = ['a', 'a:b', 'a%3Ab', 'A', 'a b', 'ü', '..', 'x/y', 'user:a', 'system', '*', 'a:'];
      for (const [i, user] of names.entries()) {
        const p = { user, isAdmin: false };
        await ds.set(p, 'k', `plain-${i}`, { scope: 'user' });
        await ds.set(p, 's', `secret-${i}`, { scope: 'user', encrypt: true });
        await ds.set(p, `k:${i}`, `colon-${i}`, { scope: 'user' });
      }
      for (const [i, user] of names.entries()) {
        const p = { user, isAdmin: false };
        const own = await ds.list(p, { scope: 'user', decrypt: true });
        expect(own.map((item) => [item.user, item.value]).sort()).toEqual(
          [
            [user, `colon-${i}`],
            [user, `plain-${i}`],
            [user, `secret-${i}`],
          ].sort(),
        );
        expect((await ds.get(p, 's', { scope: 'user', decrypt: true }))?.value).toBe(`secret-${i}`);
        const st2kv = makeSt2kvFunction(await prefetchKv(ds, p, { system: [], user: [], dynamic: true }));
        expect(st2kv('user.s', true)).toBe(`secret-${i}`);
        const ctx = await buildSt2kvContext(ds, p, { system: [], user: ['k', 's'] });
        expect([ctx.st2kv.user.k, ctx.__decrypt_kv(ctx.st2kv.user.s)]).toEqual([`plain-${i}`, `secret-${i}`]);
        for (const other of names) {
          if (other === user) continue;
          await expect(ds.get(p, 's', { scope: 'user', user: other })).rejects.toThrow(DatastoreAccessError);
          await expect(ds.list(p, { scope: 'all', user: other })).rejects.toThrow(DatastoreAccessError);
        }
      }
    });

    it("gives a template run for B no way to read or decrypt A's keys", async () => {
      const stolen = (await ds.get(admin, 'token', { scope: 'user', user: 'alice' }))!.value;
      const refs = collectKvReferences(['{{ st2kv.user.token | decrypt_kv }}', "<% st2kv('user.note') %>"]);
      expect(refs).toEqual({ system: [], user: ['note', 'token'] });

      const decrypted: string[] = [];
      // st2kv.user is always the acting user's own namespace: bob has no "token".
      await expect(buildSt2kvContext(ds, bob, refs)).rejects.toThrow(
        'datastore key "user.token" does not exist',
      );
      const ctx = await buildSt2kvContext(ds, bob, refs, {
        onDecrypted: (v) => decrypted.push(v),
        missing: 'empty',
      });
      expect(ctx.st2kv.user).toEqual({ note: 'bob-note' });
      // A pasted ciphertext of alice's key is refused by the filter.
      expect(() => ctx.__decrypt_kv(stolen)).toThrow(
        /not an encrypted datastore value read by this template/,
      );

      const snapshot = await prefetchKv(ds, bob, { system: [], user: [], dynamic: true });
      const st2kv = makeSt2kvFunction(snapshot);
      expect(() => st2kv('user.token', true)).toThrow('datastore key "user.token" does not exist');
      expect(st2kv('user.note')).toBe('bob-note');
      expect(() => snapshot.decryptValue(stolen)).toThrow(DatastoreInputError);
      // The reader underneath decrypts only items it issued itself, and reads only bob's own keys.
      const reader = ds.templateReader(bob);
      const aliceItem = (await ds.get(admin, 'token', { scope: 'user', user: 'alice' }))!;
      expect(() => reader.decrypt(aliceItem)).toThrow(DatastoreAccessError);
      expect(() => reader.decrypt({ ...aliceItem, user: 'bob' })).toThrow(DatastoreAccessError);
      await expect(reader.read({ scope: 'user', user: 'alice', name: 'token' })).rejects.toThrow(
        DatastoreAccessError,
      );
      const issued = (await reader.read({ scope: 'system', name: 'shared' }))!;
      expect(() => Object.assign(issued, { value: stolen })).toThrow(TypeError); // issued items are frozen
      expect(decrypted).toEqual([]);
    });

    it('lets a template run decrypt its own user keys and system keys, reporting each decrypted value', async () => {
      const decrypted: string[] = [];
      const refs = collectKvReferences([
        '{{ st2kv.user.token | decrypt_kv }} {{ st2kv.system.shared | decrypt_kv }}',
      ]);
      const ctx = await buildSt2kvContext(ds, alice, refs, { onDecrypted: (v) => decrypted.push(v) });
      expect(ctx.st2kv.user.token).not.toContain(CANARY);
      expect(ctx.__decrypt_kv(ctx.st2kv.user.token)).toBe(`${CANARY}-alice`);
      expect(ctx.__decrypt_kv(ctx.st2kv.system.shared)).toBe(`${CANARY}-system`);
      expect(decrypted).toEqual([`${CANARY}-alice`, `${CANARY}-system`]);

      const st2kv = makeSt2kvFunction(await prefetchKv(ds, alice, { system: [], user: [], dynamic: true }));
      expect(st2kv('user.token', { decrypt: true })).toBe(`${CANARY}-alice`);
      expect(st2kv('system.shared', true)).toBe(`${CANARY}-system`);
      expect(st2kv('system.shared')).not.toContain(CANARY);
      expect(st2kv('system.missing', { decrypt: false, default: 'dflt' })).toBe('dflt');
      expect(() => st2kv('system.missing')).toThrow('datastore key "system.missing" does not exist');
    });
  });

  describe('TTL', () => {
    it('shows the expire timestamp and drops the key once the clock passes it', async () => {
      const item = await ds.set(admin, 'temp', 'v', { ttl: 60 });
      expect(item.expire_timestamp).toBe('2026-03-01T12:01:00.000Z');
      expect((await ds.get(admin, 'temp'))?.expire_timestamp).toBe('2026-03-01T12:01:00.000Z');
      now += 59_000;
      expect((await ds.get(admin, 'temp'))?.value).toBe('v');
      expect((await ds.list(admin)).map((i) => i.name)).toEqual(['temp']);
      now += 1_000;
      expect(await ds.get(admin, 'temp')).toBeUndefined();
      expect(await ds.list(admin)).toEqual([]);
    });

    it('clears the expiry when a key is set again without ttl, and purges expired keys', async () => {
      await ds.set(admin, 'keep', 'v', { ttl: 10 });
      await ds.set(admin, 'keep', 'v2');
      await ds.set(admin, 'drop', 'v', { ttl: 10 });
      now += 11_000;
      expect(await ds.purgeExpired()).toBe(1);
      expect((await ds.get(admin, 'keep'))?.expire_timestamp).toBeUndefined();
      expect(await ds.get(admin, 'drop')).toBeUndefined();
    });
    it('does not lose a key renewed right after it was seen expired', async () => {
      await ds.set(admin, 'lease', 'old', { ttl: 5 });
      now += 6_000;
      // Hold back the first backend delete until the renewal is written (or 100 ms passed), so a reader that
      // deletes an expired key without re-checking would delete the renewed one.
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const timer = setTimeout(() => release(), 100);
      let held = false;
      const keyv = handle.keyv;
      const slow = new Proxy(keyv, {
        get(target, prop) {
          if (prop === 'delete') {
            return async (key: string) => {
              if (!held) {
                held = true;
                await gate;
              }
              return target.delete(key);
            };
          }
          if (prop === 'set') {
            return async (...args: Parameters<Keyv['set']>) => {
              const result = await target.set(...args);
              release();
              return result;
            };
          }
          const value = Reflect.get(target, prop, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const racy = make(slow, box);
      const [seen] = await Promise.all([
        racy.get(admin, 'lease'),
        racy.set(admin, 'lease', 'renewed', { ttl: 60 }),
      ]);
      clearTimeout(timer);
      expect(seen).toBeUndefined();
      await racy.delete(admin, 'no-such-key'); // queued behind the background expiry delete
      expect((await ds.get(admin, 'lease'))?.value).toBe('renewed');
      expect(await ds.purgeExpired()).toBe(0);
      expect((await ds.get(admin, 'lease'))?.value).toBe('renewed');
    });
  });

  describe('encryption', () => {
    it('keeps secrets encrypted at rest and returns them encrypted unless decrypt is asked', async () => {
      const item = await ds.set(admin, 'db_password', CANARY, { encrypt: true });
      await ds.set(alice, 'own_secret', `${CANARY}-user`, { scope: 'user', encrypt: true });
      expect(item).toMatchObject({ secret: true, encrypted: true });
      expect(item.value).not.toContain(CANARY);
      expect(SecretBox.isCiphertext(item.value)).toBe(true);
      const dump = await handle.rawDump();
      expect(dump).toContain('db_password'); // the dump is real: key names are visible
      expect(dump).not.toContain(CANARY);
      expect(dump).not.toContain(Buffer.from(CANARY).toString('base64'));
      expect((await ds.get(admin, 'db_password', { decrypt: true }))?.value).toBe(CANARY);
    });

    it('reports a tampered ciphertext as a clear error naming the key', async () => {
      await ds.set(admin, 'tampered', CANARY, { encrypt: true });
      const raw = (await handle.keyv.get('system:tampered')) as { value: string };
      const bytes = Buffer.from(raw.value.slice(3), 'base64');
      bytes[20] = (bytes[20] ?? 0) ^ 0x01;
      await handle.keyv.set('system:tampered', { ...raw, value: `v1:${bytes.toString('base64')}` });
      await expect(ds.get(admin, 'tampered', { decrypt: true })).rejects.toThrow(
        /cannot decrypt datastore key "system.tampered": .*tampered/,
      );
      // Without decrypt the item is still listed (encrypted).
      expect((await ds.get(admin, 'tampered'))?.encrypted).toBe(true);
    });

    it('reports a wrong key as a clear error', async () => {
      await ds.set(admin, 'k', CANARY, { encrypt: true });
      const other = make(handle.reopen(), new SecretBox(randomBytes(32)));
      await expect(other.get(admin, 'k', { decrypt: true })).rejects.toThrow(DatastoreDecryptError);
      await expect(other.get(admin, 'k', { decrypt: true })).rejects.toThrow(/another key/);
    });

    it('rotateKey re-encrypts every secret of every scope with the new key', async () => {
      await ds.set(admin, 's1', `${CANARY}-1`, { encrypt: true });
      await ds.set(alice, 's2', `${CANARY}-2`, { scope: 'user', encrypt: true });
      await ds.set(bob, 's3', `${CANARY}-3`, { scope: 'user', encrypt: true, ttl: 3600 });
      await ds.set(admin, 'plain', 'not-secret');
      const before = (await ds.get(admin, 's1'))!.value;

      const box2 = new SecretBox(randomBytes(32));
      expect(await ds.rotateKey(box2)).toEqual({ rotated: 3 });

      const fresh = make(handle.reopen(), box2);
      expect((await fresh.get(admin, 's1', { decrypt: true }))?.value).toBe(`${CANARY}-1`);
      expect((await fresh.get(admin, 's2', { scope: 'user', user: 'alice', decrypt: true }))?.value).toBe(
        `${CANARY}-2`,
      );
      const s3 = await fresh.get(bob, 's3', { scope: 'user', decrypt: true });
      expect(s3?.value).toBe(`${CANARY}-3`);
      expect(s3?.expire_timestamp).toBe('2026-03-01T13:00:00.000Z');
      expect((await fresh.get(admin, 'plain'))?.value).toBe('not-secret');
      expect((await ds.get(admin, 's1'))!.value).not.toBe(before);
      // The rotated datastore keeps working and writes with the new key.
      expect((await ds.get(admin, 's1', { decrypt: true }))?.value).toBe(`${CANARY}-1`);
      await ds.set(admin, 's4', 'new', { encrypt: true });
      expect((await fresh.get(admin, 's4', { decrypt: true }))?.value).toBe('new');
      // The old key no longer opens anything.
      const stale = make(handle.reopen(), box);
      await expect(stale.get(admin, 's1', { decrypt: true })).rejects.toThrow(DatastoreDecryptError);
    });

    it('keeps reads and writes working while a rotation runs', async () => {
      for (let i = 0; i < 20; i++) await ds.set(admin, `k${i}`, `v${i}`, { encrypt: true });
      const box2 = new SecretBox(randomBytes(32));
      const rotation = ds.rotateKey(box2);
      const reads = Promise.all(
        Array.from({ length: 20 }, (_, i) => ds.get(admin, `k${i}`, { decrypt: true })),
      );
      const write = ds.set(admin, 'k7', 'changed', { encrypt: true });
      const [, values] = await Promise.all([rotation, reads, write]);
      expect(values.map((v) => v?.value).filter((_v, i) => i !== 7)).toEqual(
        Array.from({ length: 20 }, (_, i) => `v${i}`).filter((_, i) => i !== 7),
      );
      const fresh = make(handle.reopen(), box2);
      expect((await fresh.get(admin, 'k7', { decrypt: true }))?.value).toBe('changed');
      expect((await fresh.list(admin, { decrypt: true })).length).toBe(20);
    });
  });

  describe('change events', () => {
    it('emits create, update, value_change and delete with st2 payloads, secrets masked', async () => {
      await ds.set(admin, 'color', 'red');
      await ds.set(admin, 'color', 'red');
      await ds.set(admin, 'color', 'blue');
      await ds.delete(admin, 'color');
      expect(events.map((e) => e.kind)).toEqual(['create', 'update', 'update', 'value_change', 'delete']);
      expect(events[0]!.payload).toEqual({
        object: { name: 'color', value: 'red', secret: false, encrypted: false, scope: 'system' },
      });
      expect(events[3]!.payload).toEqual({
        old_object: expect.objectContaining({ value: 'red' }),
        new_object: expect.objectContaining({ value: 'blue' }),
      });
      expect(events[4]!.payload).toEqual({
        object: expect.objectContaining({ name: 'color', value: 'blue' }),
      });
      expect(kvTriggerRef('value_change')).toBe('core.st2.key_value_pair.value_change');
    });

    it('masks secret values and compares secrets by plaintext', async () => {
      await ds.set(alice, 'pw', CANARY, { scope: 'user', encrypt: true });
      await ds.set(alice, 'pw', CANARY, { scope: 'user', encrypt: true });
      await ds.set(alice, 'pw', `${CANARY}-2`, { scope: 'user', encrypt: true });
      expect(events.map((e) => e.kind)).toEqual(['create', 'update', 'update', 'value_change']);
      const text = JSON.stringify(events);
      expect(text).not.toContain(CANARY);
      expect(text).not.toContain('v1:');
      expect(events[0]!.payload).toEqual({
        object: {
          name: 'pw',
          value: '********',
          secret: true,
          encrypted: true,
          scope: 'user',
          user: 'alice',
        },
      });
    });

    it('does not emit for refused writes', async () => {
      await expect(ds.set(bob, 'x', 'y')).rejects.toThrow(DatastoreAccessError);
      expect(events).toEqual([]);
    });
  });
}

describe('datastore on embedded SQLite', () => {
  datastoreSuite(sqliteBackend);
});

const redisUp = await redisAvailable();
describeWithService('datastore on Redis', redisUp, () => {
  datastoreSuite(redisBackend);
});

describe('datastore backend failures', () => {
  it('names the backend without its password when Redis is unreachable', async () => {
    const { createServer } = await import('node:net');
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const keyv = createDatastoreKeyv({
      url: `redis://squall:hunter2@127.0.0.1:${port}`,
      connectTimeoutMs: 300,
    });
    const ds = new Datastore({ keyv, cipher: new SecretBox(randomBytes(32)) });
    const failure = ds.get(admin, 'k');
    await expect(failure).rejects.toThrow(
      `datastore read failed on Redis redis://squall:***@127.0.0.1:${port}`,
    );
    await expect(ds.get(admin, 'k')).rejects.not.toThrow(/hunter2/);
    await keyv.disconnect().catch(() => undefined);
  });

  it('rejects an unknown datastore.url scheme', () => {
    expect(() => createDatastoreKeyv({ url: 'mongodb://u:p@h/db' })).toThrow(
      'datastore.url: expected empty (embedded SQLite) or redis://..., got "mongodb://u:***@h/db"',
    );
  });
});

describe('openDatastore', () => {
  it('puts the embedded datastore in the engine database', async () => {
    const { openDatastore } = await import('../../engine/datastore/index.ts');
    const dir = mkdtempSync(join(tmpdir(), 'squall-open-'));
    const store = SqliteStore.open(dir);
    try {
      const ds = openDatastore({
        config: { datastore: { url: '' } },
        db: store.db,
        cipher: new SecretBox(randomBytes(32)),
      });
      await ds.set(admin, 'k', 'v');
      expect(store.db.prepare("SELECT key FROM kv WHERE key = 'system:k'").get()).toEqual({
        key: 'system:k',
      });
      await ds.close();
      expect(store.db.open).toBe(true); // the Store owns the connection
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
