import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

const VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** A ciphertext could not be decrypted: tampered, truncated, wrong key or not a Squall ciphertext. */
export class SecretDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretDecryptionError';
  }
}

/** Reads a key file (base64 or hex of 32 bytes). */
export function parseKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) key = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) key = Buffer.from(trimmed, 'base64');
  if (!key || key.length !== KEY_BYTES) {
    throw new Error(`${source}: expected a 32-byte AES-256 key encoded as base64 or 64 hex characters`);
  }
  return key;
}

/** Writes a fresh random key to `path` with mode 0600 (atomically: temp file + rename). */
export function createKeyFile(path: string): Buffer {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const key = randomBytes(KEY_BYTES);
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${key.toString('base64')}\n`);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, 0o600); // umask cannot widen it, but be explicit
  renameSync(tmp, path);
  return key;
}

/** Loads the key at `path`, creating it (0600) on first use. */
export function loadOrCreateKey(path: string): Buffer {
  if (existsSync(path)) return parseKey(readFileSync(path, 'utf8'), path);
  return createKeyFile(path);
}

/**
 * AES-256-GCM with a random 96-bit nonce per encryption. Ciphertexts are `v1:<base64(nonce | ciphertext | tag)>`.
 * Decryption failures throw SecretDecryptionError, never return garbage.
 */
export class SecretBox {
  #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES)
      throw new Error(`SecretBox: key must be ${KEY_BYTES} bytes, got ${key.length}`);
    this.#key = Buffer.from(key);
  }

  /** The box for `<dataDir>/squall.key` or the configured key path. */
  static fromKeyFile(path: string): SecretBox {
    return new SecretBox(loadOrCreateKey(path));
  }

  static isCiphertext(value: unknown): value is string {
    return typeof value === 'string' && value.startsWith(`${VERSION}:`);
  }

  encrypt(plaintext: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64')}`;
  }

  decrypt(ciphertext: string): string {
    return SecretBox.#decryptWith(this.#key, ciphertext);
  }

  static #decryptWith(key: Buffer, ciphertext: string): string {
    if (typeof ciphertext !== 'string' || !ciphertext.startsWith(`${VERSION}:`)) {
      throw new SecretDecryptionError(`not a Squall ciphertext (expected a "${VERSION}:" prefix)`);
    }
    const raw = Buffer.from(ciphertext.slice(VERSION.length + 1), 'base64');
    if (raw.length < NONCE_BYTES + TAG_BYTES) throw new SecretDecryptionError('ciphertext is truncated');
    const nonce = raw.subarray(0, NONCE_BYTES);
    const tag = raw.subarray(raw.length - TAG_BYTES);
    const body = raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptionError(
        'ciphertext failed authentication (tampered or encrypted with another key)',
      );
    }
  }

  /** JSON values (objects, numbers...) as ciphertext; `decryptJson` reverses it. */
  encryptJson(value: unknown): string {
    return this.encrypt(JSON.stringify(value));
  }

  decryptJson(ciphertext: string): unknown {
    const text = this.decrypt(ciphertext);
    try {
      return JSON.parse(text);
    } catch {
      throw new SecretDecryptionError('decrypted value is not JSON');
    }
  }

  /**
   * Switches to `newKey`. Returns `reencrypt(old)`: decrypts with the previous key (or the new one, so it is
   * safe to call twice) and encrypts with the new key — for the datastore to walk its values.
   */
  rotateKey(newKey: Buffer): (ciphertext: string) => string {
    if (newKey.length !== KEY_BYTES) throw new Error(`SecretBox: key must be ${KEY_BYTES} bytes`);
    const oldKey = this.#key;
    this.#key = Buffer.from(newKey);
    return (ciphertext: string) => {
      let plain: string;
      try {
        plain = SecretBox.#decryptWith(oldKey, ciphertext);
      } catch {
        plain = SecretBox.#decryptWith(this.#key, ciphertext);
      }
      return this.encrypt(plain);
    };
  }
}
