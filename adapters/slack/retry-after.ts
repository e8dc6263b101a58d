/**
 * Slack's HTTP 429 answers: the WebClient is built with `rejectRateLimitedCalls`, so a 429 surfaces here as
 * WebAPIRateLimitedError carrying Retry-After, and the adapter decides (edits coalesce while they wait; other
 * calls simply wait and retry).
 */
import { webApi } from '@slack/bolt';
import { sleep } from '../shared/timing.ts';

/** Seconds Slack asked us to wait, when `err` is a rate-limit answer. */
export function retryAfterSeconds(err: unknown): number | undefined {
  if (err instanceof webApi.WebAPIRateLimitedError) return err.retryAfter;
  const e = err as { code?: string; retryAfter?: unknown } | undefined;
  if (e?.code === webApi.ErrorCode.RateLimitedError && typeof e.retryAfter === 'number') return e.retryAfter;
  return undefined;
}

/** Runs `call`, waiting out Retry-After on 429 up to `attempts` times. */
export async function withRetryAfter<T>(
  call: () => Promise<T>,
  options: { attempts?: number; maxWaitSeconds?: number; onWait?: (seconds: number) => void } = {},
): Promise<T> {
  const attempts = options.attempts ?? 4;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const wait = retryAfterSeconds(err);
      if (wait === undefined || attempt >= attempts || wait > (options.maxWaitSeconds ?? 120)) throw err;
      options.onWait?.(wait);
      await sleep(Math.max(0, wait) * 1000);
    }
  }
}
