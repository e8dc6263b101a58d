import { EngineRequestError } from '../engine/engine.ts';

/**
 * Query-string values of the list endpoints, checked: a typo (`limit=1O`, `status=sucess`) answers 400 saying what
 * was expected instead of silently returning the default page or an empty list.
 */

const WHOLE_NUMBER = /^\d+$/;

/** The most rows one page of a list endpoint returns. */
export const LIST_LIMIT_MAX = 1000;

/** `limit`: a whole number from 1; above `max` it is capped (the response's X-Limit header says so where set). */
export function limitParam(raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (!WHOLE_NUMBER.test(raw) || Number(raw) < 1)
    throw new EngineRequestError(
      `query parameter "limit" must be a whole number from 1 to ${max}, got "${raw}"`,
    );
  return Math.min(Number(raw), max);
}

/** `offset` (or another position such as `after`): a whole number from 0. */
export function positionParam(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!WHOLE_NUMBER.test(raw))
    throw new EngineRequestError(`query parameter "${name}" must be a whole number from 0, got "${raw}"`);
  return Number(raw);
}

/** A comma list of statuses, each one of `allowed`. */
export function statusesParam<T extends string>(
  raw: string | undefined,
  allowed: readonly T[],
): T[] | undefined {
  if (raw === undefined || raw === '') return undefined;
  const values = raw.split(',').map((s) => s.trim());
  const unknown = values.filter((v) => !(allowed as readonly string[]).includes(v));
  if (unknown.length > 0)
    throw new EngineRequestError(
      `query parameter "status": unknown ${unknown.map((u) => `"${u}"`).join(', ')}; expected one of ${allowed.join(', ')}`,
    );
  return values as T[];
}

/** A single status, one of `allowed`. */
export function statusParam<T extends string>(raw: string | undefined, allowed: readonly T[]): T | undefined {
  const values = statusesParam(raw, allowed);
  if (values && values.length > 1)
    throw new EngineRequestError(`query parameter "status" takes one status here, got "${raw}"`);
  return values?.[0];
}

const DURATION = /^(\d+)\s*(s|m|h|d)$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** A date with a time; a zone-less time is read as UTC (how start_timestamp is shown). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A point in time as an ISO-8601 UTC string: a timestamp (`2026-12-06T19:00:00Z`, `2026-12-06`), or a duration back
 * from `now` (`30s`, `15m`, `2h`, `7d`) — "what ran in the last hour" is `since=1h`.
 */
export function timeParam(name: string, raw: string | undefined, now = Date.now()): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const given = raw.trim();
  const duration = DURATION.exec(given);
  if (duration)
    return new Date(now - Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS]).toISOString();
  if (ISO_TIME.test(given)) {
    const text = given.replace(' ', 'T');
    const zoned = /T.*(Z|[+-]\d{2}:?\d{2})$/.test(text) || !text.includes('T') ? text : `${text}Z`;
    const ms = Date.parse(zoned);
    if (!Number.isNaN(ms)) return new Date(ms).toISOString();
  }
  throw new EngineRequestError(
    `query parameter "${name}" must be an ISO-8601 time (2026-12-06T19:00:00Z) or a duration back from now (30m, 2h, 7d), got "${raw}"`,
  );
}
