import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_WINDOW_SECONDS = 300;

export type SignatureCheck = { ok: true } | { ok: false; status: 401 | 409; reason: string };

/** Remembers signatures seen inside the freshness window, so a captured request cannot be replayed. */
export class ReplayCache {
  readonly #seen = new Map<string, number>();
  readonly #ttlMs: number;

  constructor(ttlSeconds = SIGNATURE_WINDOW_SECONDS * 2) {
    this.#ttlMs = ttlSeconds * 1000;
  }

  /** Returns false when `key` was already seen (a replay); records it otherwise. */
  remember(key: string, now = Date.now()): boolean {
    if (this.#seen.size > 10_000) for (const [k, t] of this.#seen) if (t < now) this.#seen.delete(k);
    const expiry = this.#seen.get(key);
    if (expiry !== undefined && expiry >= now) return false;
    this.#seen.set(key, now + this.#ttlMs);
    return true;
  }
}

export function signWebhook(secret: string, timestamp: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/** Verifies `X-Squall-Signature: sha256=<hex>` over `<timestamp>.<body>` with a ±300 s window and a replay cache. */
export function verifyWebhookSignature(
  secret: string,
  headers: { signature?: string; timestamp?: string },
  rawBody: Buffer,
  replay: ReplayCache,
  nowMs = Date.now(),
): SignatureCheck {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp)
    return { ok: false, status: 401, reason: 'missing X-Squall-Signature or X-Squall-Timestamp' };
  if (!/^\d{1,12}$/.test(timestamp))
    return { ok: false, status: 401, reason: 'X-Squall-Timestamp must be unix seconds' };
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SIGNATURE_WINDOW_SECONDS)
    return { ok: false, status: 401, reason: 'stale X-Squall-Timestamp (outside ±300 s)' };
  const expected = Buffer.from(signWebhook(secret, timestamp, rawBody));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, status: 401, reason: 'bad signature' };
  if (!replay.remember(signature, nowMs)) return { ok: false, status: 409, reason: 'replayed request' };
  return { ok: true };
}
