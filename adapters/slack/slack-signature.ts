/**
 * Slack request signatures (v0): `X-Slack-Signature = v0=hex(HMAC_SHA256(secret, "v0:" + ts + ":" + rawBody))`,
 * timestamp within ±300 s, constant-time compare, and a replay cache for the window (Bolt keeps none, so a
 * captured request could otherwise be replayed for five minutes).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SLACK_SIGNATURE_WINDOW_SECONDS = 300;

export type SlackSignatureCheck = { ok: true } | { ok: false; reason: string };

/** Signatures seen inside the window; a second sighting is a replay. */
export class SlackReplayCache {
  readonly #seen = new Map<string, number>();

  /** False when `signature` was already seen within its window; records it otherwise. */
  remember(signature: string, timestampSeconds: number, nowMs = Date.now()): boolean {
    if (this.#seen.size > 10_000)
      for (const [k, until] of this.#seen) if (until < nowMs) this.#seen.delete(k);
    const until = this.#seen.get(signature);
    if (until !== undefined && until >= nowMs) return false;
    // Remember until the timestamp itself leaves the window: after that, the freshness check rejects it.
    this.#seen.set(signature, (timestampSeconds + SLACK_SIGNATURE_WINDOW_SECONDS + 1) * 1000);
    return true;
  }
}

export function computeSlackSignature(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(rawBody).digest('hex')}`;
}

export function verifySlackSignature(
  secret: string,
  headers: { signature?: string; timestamp?: string },
  rawBody: Buffer,
  replay: SlackReplayCache,
  nowMs = Date.now(),
): SlackSignatureCheck {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp)
    return { ok: false, reason: 'missing X-Slack-Signature or X-Slack-Request-Timestamp' };
  if (!/^\d{1,12}$/.test(timestamp))
    return { ok: false, reason: 'X-Slack-Request-Timestamp is not unix seconds' };
  const ts = Number(timestamp);
  if (Math.abs(nowMs / 1000 - ts) > SLACK_SIGNATURE_WINDOW_SECONDS)
    return { ok: false, reason: 'X-Slack-Request-Timestamp outside ±300 s' };
  if (!signature.startsWith('v0=')) return { ok: false, reason: 'unknown signature version' };
  const expected = Buffer.from(computeSlackSignature(secret, timestamp, rawBody));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: 'bad signature' };
  if (!replay.remember(signature, ts, nowMs)) return { ok: false, reason: 'replayed request' };
  return { ok: true };
}
