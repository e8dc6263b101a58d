/** Signs HTTP interactions the way Discord does: Ed25519 over `timestamp + rawBody`, with a local key pair. */
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';

export class DiscordSigner {
  readonly #privateKey: KeyObject;
  /** The raw public key as hex (what the Developer Portal shows and DISCORD_PUBLIC_KEY holds). */
  readonly publicKey: string;

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    this.#privateKey = privateKey;
    // The raw key is the last 32 bytes of the SPKI DER encoding.
    this.publicKey = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
  }

  signature(timestamp: string, raw: string): string {
    return sign(null, Buffer.from(timestamp + raw, 'utf8'), this.#privateKey).toString('hex');
  }

  /** Headers + raw body of a signed request; `timestamp` defaults to now (unix seconds). */
  sign(
    body: unknown,
    timestamp: number = Math.floor(Date.now() / 1000),
  ): { payload: string; headers: Record<string, string> } {
    const payload = JSON.stringify(body);
    const ts = String(timestamp);
    return {
      payload,
      headers: {
        'content-type': 'application/json',
        'x-signature-timestamp': ts,
        'x-signature-ed25519': this.signature(ts, payload),
      },
    };
  }
}
