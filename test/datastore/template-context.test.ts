import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretBox } from '../../engine/crypto/secret-box.ts';
import { createDatastoreKeyv } from '../../engine/datastore/create-keyv.ts';
import { Datastore, type KvPrincipal } from '../../engine/datastore/datastore.ts';
import {
  buildSt2kvContext,
  collectKvReferences,
  kvContextProvider,
  makeSt2kvFunction,
  parseKvRef,
  prefetchKv,
} from '../../engine/datastore/template-context.ts';
import { evaluate, renderValue } from '../../engine/expressions/index.ts';

const admin: KvPrincipal = { user: 'root', isAdmin: true };
const alice: KvPrincipal = { user: 'alice', isAdmin: false };
const bob: KvPrincipal = { user: 'bob', isAdmin: false };

describe('collectKvReferences', () => {
  it('finds attribute, bracket and st2kv() references in Jinja and YAQL', () => {
    const refs = collectKvReferences([
      '{{ st2kv.system.api_key | decrypt_kv }} and {{ st2kv . user . pref }}',
      "{{ st2kv.system['with-dash'] }} {{ st2kv.system.nested.key }}",
      '<% st2kv(\'system.yaql_key\', decrypt => true) %> {{ st2kv("user.jinja_key", decrypt=true) }}',
      "<% st2kv('st2kv.system.full') %> <% st2kv('bare') %>",
      'no references here',
    ]);
    expect(refs).toEqual({
      system: ['api_key', 'bare', 'full', 'nested.key', 'with-dash', 'yaql_key'],
      user: ['jinja_key', 'pref'],
    });
  });

  it('flags st2kv() calls whose key is computed', () => {
    const refs = collectKvReferences(['<% st2kv(ctx().key_name, decrypt => ctx().decrypt) %>']);
    expect(refs.dynamic).toBe(true);
    expect(collectKvReferences(['{{ st2kv.system.x }}']).dynamic).toBeUndefined();
  });

  it('parses key refs', () => {
    expect(parseKvRef('system.a.b')).toEqual({ scope: 'system', name: 'a.b' });
    expect(parseKvRef('user.x')).toEqual({ scope: 'user', name: 'x' });
    expect(parseKvRef('st2kv.user.x')).toEqual({ scope: 'user', name: 'x' });
    expect(parseKvRef('plain')).toEqual({ scope: 'system', name: 'plain' });
    expect(() => parseKvRef('')).toThrow(/non-empty string/);
  });
});

describe('template rendering with the datastore', () => {
  let ds: Datastore;
  const box = new SecretBox(randomBytes(32));

  beforeEach(async () => {
    ds = new Datastore({ keyv: createDatastoreKeyv({ path: ':memory:' }), cipher: box });
    await ds.set(admin, 'api_key', 'S3cr3t-api', { encrypt: true });
    await ds.set(admin, 'region', 'eu-west-1');
    await ds.set(admin, 'smtp.host', 'mail.example.org');
    await ds.set(alice, 'token', 'alice-token', { scope: 'user', encrypt: true });
  });

  afterEach(async () => {
    await ds.close();
  });

  async function render(template: string, principal: KvPrincipal, onDecrypted?: (v: string) => void) {
    const ctx = await buildSt2kvContext(ds, principal, collectKvReferences([template]), { onDecrypted });
    return renderValue(template, { ...ctx });
  }

  it('renders st2kv values and decrypts through the decrypt_kv filter', async () => {
    const seen: string[] = [];
    expect(await render('{{ st2kv.system.region }}', bob)).toBe('eu-west-1');
    expect(await render('{{ st2kv.system.api_key | decrypt_kv }}', bob, (v) => seen.push(v))).toBe(
      'S3cr3t-api',
    );
    expect(await render('{{ st2kv.user.token | decrypt_kv }}', alice, (v) => seen.push(v))).toBe(
      'alice-token',
    );
    expect(await render('{{ st2kv.system.smtp.host }}', bob)).toBe('mail.example.org');
    expect(seen).toEqual(['S3cr3t-api', 'alice-token']);
  });

  it('leaves secrets encrypted without the filter', async () => {
    const out = await render('{{ st2kv.system.api_key }}', bob);
    expect(SecretBox.isCiphertext(out)).toBe(true);
    expect(out).not.toContain('S3cr3t');
  });

  it("never renders another user's key, even through a pasted ciphertext", async () => {
    await expect(render('{{ st2kv.user.token | decrypt_kv }}', bob)).rejects.toThrow(
      'datastore key "user.token" does not exist',
    );
    const stolen = (await ds.get(admin, 'token', { scope: 'user', user: 'alice' }))!.value;
    await expect(render(`{{ "${stolen}" | decrypt_kv }}`, bob)).rejects.toThrow(
      /not an encrypted datastore value/,
    );
  });

  it('names a missing key', async () => {
    await expect(render('{{ st2kv.system.nope }}', bob)).rejects.toThrow(
      'datastore key "system.nope" does not exist',
    );
  });

  it("serves Orquesta's st2kv() from a snapshot, with decrypt and default", async () => {
    const snapshot = await prefetchKv(ds, alice, collectKvReferences(['<% st2kv(ctx().key_name) %>']));
    const st2kv = makeSt2kvFunction(snapshot);
    expect(st2kv('system.region')).toBe('eu-west-1');
    expect(st2kv('user.token', true)).toBe('alice-token');
    expect(st2kv('system.nope', false, 'fallback')).toBe('fallback');
    expect(st2kv('system.nope', { default: null })).toBeNull();
    expect(() => st2kv('system.nope')).toThrow('datastore key "system.nope" does not exist');
    expect(() => st2kv('system.region', 'yes')).toThrow(/decrypt must be a boolean/);

    const literal = makeSt2kvFunction(
      await prefetchKv(ds, alice, collectKvReferences(["<% st2kv('system.region') %>"])),
    );
    expect(literal('system.region')).toBe('eu-west-1');
    expect(() => literal('system.api_key')).toThrow(/was not prefetched/);
  });

  it("evaluates st2 examples' st2kv() calls in YAQL and Jinja with keyword arguments", async () => {
    const workflow = [
      '<% st2kv(ctx().key_name, decrypt => ctx().decrypt, default => ctx().default) %>',
      '{{ st2kv(ctx().key_name, decrypt=ctx().decrypt, default=ctx().default) }}',
    ];
    const refs = collectKvReferences(workflow);
    expect(refs.dynamic).toBe(true);
    const st2kv = makeSt2kvFunction(await prefetchKv(ds, alice, refs));
    const run = (input: Record<string, unknown>) => {
      const ctx = () => input;
      return [
        evaluate(workflow[0]!, { data: {}, functions: { st2kv, ctx } }),
        renderValue(workflow[1]!, { st2kv, ctx }),
      ];
    };
    expect(run({ key_name: 'system.region', decrypt: false, default: null })).toEqual([
      'eu-west-1',
      'eu-west-1',
    ]);
    expect(run({ key_name: 'user.token', decrypt: true, default: null })).toEqual([
      'alice-token',
      'alice-token',
    ]);
    expect(run({ key_name: 'system.absent', decrypt: false, default: 'dflt' })).toEqual(['dflt', 'dflt']);
    expect(() =>
      evaluate("<% st2kv('system.region', colour => 1) %>", { data: {}, functions: { st2kv } }),
    ).toThrow(/unexpected keyword argument 'colour'/);
  });

  it('plugs into the execution service as kvContext(templates, user, onDecrypted)', async () => {
    const provider = kvContextProvider(ds, (user) => ({ user, isAdmin: user === 'root' }));
    const seen: string[] = [];
    const templates = ['{{ st2kv.user.token | decrypt_kv }}'];
    const ctx: Record<string, unknown> = await provider(templates, 'alice', (v) => seen.push(v));
    expect(renderValue(templates[0]!, ctx)).toBe('alice-token');
    expect(seen).toEqual(['alice-token']);
    await expect(provider(templates, 'bob', () => undefined)).rejects.toThrow(
      'datastore key "user.token" does not exist',
    );
    const lenient = kvContextProvider(ds, (user) => ({ user, isAdmin: false }), { missing: 'empty' });
    expect(
      renderValue(
        '[{{ st2kv.user.token }}]',
        await lenient(['{{ st2kv.user.token }}'], 'bob', () => undefined),
      ),
    ).toBe('[]');
  });
});
