/**
 * Discord HTTP interactions: Ed25519 over `X-Signature-Timestamp + rawBody` with the application's public key
 * (node:crypto, no extra dependency). Discord documents no freshness window and keeps probing endpoints with
 * invalid signatures, so we also enforce ±300 s on the timestamp and a replay cache on the interaction id.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';

export const DISCORD_SIGNATURE_WINDOW_SECONDS = 300;

/** SPKI DER prefix of an Ed25519 public key: the raw 32 bytes follow it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export type DiscordSignatureCheck = { ok: true } | { ok: false; reason: string };

/** The application public key (64 hex characters, as the Developer Portal shows it) as a KeyObject. */
export function discordPublicKey(hex: string): KeyObject {
  const trimmed = hex.trim();
  if (!/^[0-9a-f]{64}$/i.test(trimmed))
    throw new Error('Discord adapter: discord.public_key (DISCORD_PUBLIC_KEY) must be 64 hex characters');
  return createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(trimmed, 'hex')]),
    format: 'der',
    type: 'spki',
  });
}

export function verifyDiscordSignature(
  key: KeyObject,
  headers: { signature?: string; timestamp?: string },
  rawBody: Buffer,
  nowMs = Date.now(),
): DiscordSignatureCheck {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp)
    return { ok: false, reason: 'missing X-Signature-Ed25519 or X-Signature-Timestamp' };
  if (!/^\d{1,12}$/.test(timestamp))
    return { ok: false, reason: 'X-Signature-Timestamp is not unix seconds' };
  if (!/^[0-9a-f]{128}$/i.test(signature))
    return { ok: false, reason: 'X-Signature-Ed25519 is not 64 hex bytes' };
  let valid = false;
  try {
    valid = verify(
      null,
      Buffer.concat([Buffer.from(timestamp, 'utf8'), rawBody]),
      key,
      Buffer.from(signature, 'hex'),
    );
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'bad signature' };
  // Checked after the signature so that an unsigned probe learns nothing about our clock.
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > DISCORD_SIGNATURE_WINDOW_SECONDS)
    return { ok: false, reason: 'X-Signature-Timestamp outside ±300 s' };
  return { ok: true };
}

/** Interaction ids seen recently; a second delivery of one id is a replay. */
export class InteractionReplayCache {
  readonly #seen = new Map<string, number>();

  constructor(private readonly ttlMs = 2 * DISCORD_SIGNATURE_WINDOW_SECONDS * 1000 + 60_000) {}

  /** False when `id` was already seen within the window; records it otherwise. */
  remember(id: string, nowMs = Date.now()): boolean {
    if (this.#seen.size > 10_000)
      for (const [k, until] of this.#seen) if (until < nowMs) this.#seen.delete(k);
    const until = this.#seen.get(id);
    if (until !== undefined && until >= nowMs) return false;
    this.#seen.set(id, nowMs + this.ttlMs);
    return true;
  }
}
