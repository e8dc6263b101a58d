import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyv } from 'keyv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteKeyvStore } from '../../engine/datastore/sqlite-keyv-store.ts';
import { SqliteStore } from '../../engine/store/sqlite-store.ts';

describe('SqliteKeyvStore (keyv adapter)', () => {
  let dir: string;
  let store: SqliteStore;
  let now: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'squall-kvstore-'));
    store = SqliteStore.open(dir);
    now = 1_000_000;
  });

  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = (namespace: string) =>
    new Keyv(new SqliteKeyvStore({ db: store.db, namespace, now: () => now }), {
      namespace,
      useKeyPrefix: false,
      throwOnErrors: true,
    });

  it('lives in table kv of the engine database', async () => {
    const kv = open('ns1');
    await kv.set('a', { x: 1 });
    expect(await kv.get('a')).toEqual({ x: 1 });
    const row = store.db.prepare('SELECT namespace, key FROM kv').get();
    expect(row).toEqual({ namespace: 'ns1', key: 'a' });
  });

  it('keeps namespaces apart for get, iterate and clear', async () => {
    const one = open('one');
    const two = open('two');
    await one.set('k', 'from-one');
    await two.set('k', 'from-two');
    await two.set('k2', 'also-two');
    expect(await one.get('k')).toBe('from-one');
    const listed: unknown[] = [];
    for await (const entry of two.iterator!(undefined)) listed.push(entry);
    expect(listed).toEqual([
      ['k', 'from-two'],
      ['k2', 'also-two'],
    ]);
    await two.clear();
    expect(await two.get('k')).toBeUndefined();
    expect(await one.get('k')).toBe('from-one');
  });

  it('supports has, getMany, deleteMany and delete results', async () => {
    const kv = open('ns');
    await kv.setMany([
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
    ]);
    expect(await kv.has('a')).toBe(true);
    expect(await kv.has('zz')).toBe(false);
    expect(await kv.getMany(['a', 'zz', 'b'])).toEqual([1, undefined, 2]);
    expect(await kv.delete('a')).toBe(true);
    expect(await kv.delete('a')).toBe(false);
    expect(await kv.deleteMany(['b'])).toBe(true);
  });

  it('expires rows by its clock and purges them', async () => {
    const adapter = new SqliteKeyvStore({ db: store.db, namespace: 'ttl', now: () => now });
    await adapter.set('short', 'v', 1000);
    await adapter.set('forever', 'v');
    expect(await adapter.get('short')).toBe('v');
    now += 1000;
    expect(await adapter.get('short')).toBeUndefined();
    await adapter.set('short2', 'v', 10);
    now += 10;
    expect(adapter.purgeExpired()).toBe(1);
    expect(await adapter.has('forever')).toBe(true);
  });

  it('opens its own file when given a path, and closes only what it opened', async () => {
    const own = new SqliteKeyvStore({ path: join(dir, 'sub', 'own.db') });
    await own.set('k', 'v');
    await own.disconnect();
    expect(own.db.open).toBe(false);
    const shared = new SqliteKeyvStore({ db: store.db });
    await shared.disconnect();
    expect(store.db.open).toBe(true);
    expect(() => new SqliteKeyvStore({})).toThrow(/give either `db`/);
  });
});
