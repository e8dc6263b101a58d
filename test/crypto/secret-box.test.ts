import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  loadOrCreateKey,
  parseKey,
  SecretBox,
  SecretDecryptionError,
} from '../../engine/crypto/secret-box.ts';

describe('SecretBox', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'squall-crypto-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the key file with mode 0600 on first use and reuses it', () => {
    const path = join(dir, 'sub', 'squall.key');
    const box = SecretBox.fromKeyFile(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const ct = box.encrypt('hunter2');
    expect(SecretBox.fromKeyFile(path).decrypt(ct)).toBe('hunter2');
    expect(parseKey(readFileSync(path, 'utf8'), path)).toHaveLength(32);
  });

  it('accepts hex keys and rejects malformed ones naming the file', () => {
    const path = join(dir, 'hex.key');
    writeFileSync(path, randomBytes(32).toString('hex'));
    expect(loadOrCreateKey(path)).toHaveLength(32);
    writeFileSync(path, 'short');
    expect(() => loadOrCreateKey(path)).toThrow(/hex\.key: expected a 32-byte/);
  });

  it('round-trips text and JSON with a fresh nonce each time', () => {
    const box = new SecretBox(randomBytes(32));
    const a = box.encrypt('sécret ✓');
    const b = box.encrypt('sécret ✓');
    expect(a).toMatch(/^v1:/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('sécret');
    expect(box.decrypt(a)).toBe('sécret ✓');
    expect(box.decryptJson(box.encryptJson({ n: [1, 2] }))).toEqual({ n: [1, 2] });
    expect(box.decrypt(box.encrypt(''))).toBe('');
    expect(SecretBox.isCiphertext(a)).toBe(true);
    expect(SecretBox.isCiphertext('plain')).toBe(false);
  });

  it('throws SecretDecryptionError for every 1-bit tamper of nonce, ciphertext or tag', () => {
    const box = new SecretBox(randomBytes(32));
    const ct = box.encrypt('the canary value');
    const raw = Buffer.from(ct.slice(3), 'base64');
    for (let bit = 0; bit < raw.length * 8; bit++) {
      const copy = Buffer.from(raw);
      copy[bit >> 3]! ^= 1 << (bit & 7);
      expect(() => box.decrypt(`v1:${copy.toString('base64')}`)).toThrow(SecretDecryptionError);
    }
  });

  it('throws for a wrong key, truncation and foreign strings', () => {
    const box = new SecretBox(randomBytes(32));
    const other = new SecretBox(randomBytes(32));
    const ct = box.encrypt('x');
    expect(() => other.decrypt(ct)).toThrow(SecretDecryptionError);
    expect(() => box.decrypt('v1:AAAA')).toThrow(/truncated/);
    expect(() => box.decrypt('plaintext')).toThrow(SecretDecryptionError);
  });

  it('rotates keys: old ciphertexts re-encrypt under the new key, which the old key cannot read', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const box = new SecretBox(oldKey);
    const ct = box.encrypt('rotate me');
    const reencrypt = box.rotateKey(newKey);
    const fresh = reencrypt(ct);
    expect(box.decrypt(fresh)).toBe('rotate me');
    expect(new SecretBox(newKey).decrypt(fresh)).toBe('rotate me');
    expect(() => new SecretBox(oldKey).decrypt(fresh)).toThrow(SecretDecryptionError);
    expect(box.decrypt(reencrypt(fresh))).toBe('rotate me'); // idempotent
    expect(() => box.decrypt(ct)).toThrow(SecretDecryptionError);
  });
});
