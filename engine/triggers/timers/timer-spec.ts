import { Cron } from 'croner';

/**
 * Timer trigger parameters (st2 core.st2.IntervalTimer / DateTimer / CronTimer, APScheduler semantics)
 * turned into a schedule that answers "when is the next run after t".
 */
export interface TimerSchedule {
  kind: 'interval' | 'date' | 'cron';
  /** Next run strictly after `afterMs` (epoch ms), or null when there is none (a past DateTimer). */
  next(afterMs: number): number | null;
}

const INTERVAL_UNIT_MS: Record<string, number> = {
  seconds: 1000,
  minutes: 60_000,
  hours: 3_600_000,
  days: 86_400_000,
  weeks: 604_800_000,
};

export const DEFAULT_TIMER_TIMEZONE = 'UTC';

export class TimerSpecError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'TimerSpecError';
  }
}

export function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Builds the schedule for a timer trigger type; throws TimerSpecError naming the bad field. */
export function timerSchedule(
  typeRef: string,
  params: Record<string, unknown>,
  defaultTimezone = DEFAULT_TIMER_TIMEZONE,
): TimerSchedule {
  const tz =
    params.timezone === undefined || params.timezone === null ? defaultTimezone : String(params.timezone);
  if (!isValidTimezone(tz))
    throw new TimerSpecError(
      `unknown timezone "${tz}" (expected an IANA name like UTC or Europe/Paris)`,
      'timezone',
    );
  if (typeRef.endsWith('IntervalTimer')) {
    const unitMs = INTERVAL_UNIT_MS[String(params.unit)];
    if (!unitMs)
      throw new TimerSpecError(
        `expected unit to be one of ${Object.keys(INTERVAL_UNIT_MS).join(', ')}`,
        'unit',
      );
    const delta = Number(params.delta);
    if (!Number.isInteger(delta) || delta <= 0)
      throw new TimerSpecError('expected delta to be a positive integer', 'delta');
    const every = delta * unitMs;
    return { kind: 'interval', next: (after) => after + every };
  }
  if (typeRef.endsWith('DateTimer')) {
    const at = parseTimerDate(params.date, tz);
    return { kind: 'date', next: (after) => (at > after ? at : null) };
  }
  if (typeRef.endsWith('CronTimer')) return cronSchedule(params, tz);
  throw new TimerSpecError(`${typeRef} is not a timer trigger type`);
}

/** The first problem with a timer's parameters, in validateTriggerParameters' shape; undefined when fine. */
export function timerScheduleProblem(
  typeRef: string,
  params: Record<string, unknown>,
): { path: string; message: string } | undefined {
  try {
    timerSchedule(typeRef, params);
    return undefined;
  } catch (err) {
    const e = err as TimerSpecError;
    return { path: e.field ? `/${e.field}` : '', message: e.message };
  }
}

// ---------- DateTimer ----------

/** st2 dates: '2014-12-31 23:59:59[.ffffff]' in the timer's timezone, or ISO 8601 with an offset. */
export function parseTimerDate(value: unknown, tz: string): number {
  const text = value instanceof Date ? value.toISOString() : String(value ?? '').trim();
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(
      text,
    );
  if (!m)
    throw new TimerSpecError(
      `expected date like "2030-12-31 23:59:59", got ${JSON.stringify(value)}`,
      'date',
    );
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', offset] = m;
  const ms = Number(`0.${frac}`) * 1000;
  const wall = Date.UTC(
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h),
    Number(mi),
    Number(s),
    Math.floor(ms),
  );
  if (Number.isNaN(wall)) throw new TimerSpecError(`invalid date ${JSON.stringify(value)}`, 'date');
  if (offset) {
    if (/^z$/i.test(offset)) return wall;
    const sign = offset.startsWith('-') ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    return wall - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return zonedWallTimeToEpoch(wall, tz);
}

/** `wall` is a wall-clock time encoded as if UTC; returns the instant it denotes in `tz`. */
export function zonedWallTimeToEpoch(wall: number, tz: string): number {
  let guess = wall - tzOffsetMs(wall, tz);
  // A second pass settles DST transitions.
  guess = wall - tzOffsetMs(guess, tz);
  return guess;
}

function tzOffsetMs(instant: number, tz: string): number {
  const p = zonedParts(instant, tz);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

const partFormatters = new Map<string, Intl.DateTimeFormat>();

export function zonedParts(
  instant: number,
  tz: string,
): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  let f = partFormatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partFormatters.set(tz, f);
  }
  const out: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(instant))) {
    if (part.type !== 'literal') out[part.type] = Number(part.value);
  }
  return {
    year: out.year!,
    month: out.month!,
    day: out.day!,
    hour: out.hour! % 24,
    minute: out.minute!,
    second: out.second!,
  };
}

// ---------- CronTimer ----------

const CRON_FIELDS = ['year', 'month', 'day', 'week', 'day_of_week', 'hour', 'minute', 'second'] as const;
type CronField = (typeof CRON_FIELDS)[number];
/** APScheduler's DEFAULT_VALUES for fields less significant than the last one given. */
const CRON_DEFAULTS: Record<CronField, string> = {
  year: '*',
  month: '1',
  day: '1',
  week: '*',
  day_of_week: '*',
  hour: '0',
  minute: '0',
  second: '0',
};

/**
 * APScheduler's CronTrigger field defaults: fields more significant than the least significant one given
 * are '*', less significant ones take their minimum (so `{hour: 5}` runs at 05:00:00 every day).
 */
export function apschedulerCronFields(params: Record<string, unknown>): Record<CronField, string> {
  const given = CRON_FIELDS.filter((f) => params[f] !== undefined && params[f] !== null);
  const last = given.length ? CRON_FIELDS.indexOf(given[given.length - 1]!) : -1;
  const out = {} as Record<CronField, string>;
  CRON_FIELDS.forEach((f, i) => {
    if (params[f] !== undefined && params[f] !== null) out[f] = String(params[f]).trim().toLowerCase();
    else out[f] = last >= 0 && i > last ? CRON_DEFAULTS[f] : '*';
  });
  return out;
}

const SIMPLE_EXPR = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;
const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** Expands an APScheduler field expression ('*', '*\/2', '1-5', '1-9/2', 'a,b', names) into values. */
export function expandCronExpression(
  expr: string,
  field: string,
  min: number,
  max: number,
  names: string[] = [],
): number[] {
  const values = new Set<number>();
  const toNum = (t: string): number => {
    const idx = names.indexOf(t);
    const n = idx >= 0 ? idx + min : /^\d+$/.test(t) ? Number(t) : Number.NaN;
    if (Number.isNaN(n) || n < min || n > max) {
      throw new TimerSpecError(
        `invalid ${field} value "${t}" (expected ${min}-${max}${names.length ? ` or ${names.join('/')}` : ''})`,
        field,
      );
    }
    return n;
  };
  for (const part of expr.split(',')) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(part.trim());
    if (!m) throw new TimerSpecError(`invalid ${field} expression "${expr}"`, field);
    const [, range, stepText] = m;
    const step = stepText ? Number(stepText) : 1;
    if (step <= 0) throw new TimerSpecError(`invalid step in ${field} expression "${expr}"`, field);
    let lo: number;
    let hi: number;
    if (range === '*') {
      lo = min;
      hi = max;
    } else if (range!.includes('-')) {
      const [a, b] = range!.split('-');
      lo = toNum(a!);
      hi = toNum(b!);
      if (hi < lo) throw new TimerSpecError(`invalid ${field} range "${range}" (start after end)`, field);
    } else {
      lo = toNum(range!);
      hi = stepText ? max : lo;
    }
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

/**
 * Converts st2/APScheduler cron parameters into a croner 7-part pattern (sec min hour dom month dow year)
 * plus an ISO-week filter croner does not have. APScheduler's day_of_week is 0=Monday; croner's 0=Sunday.
 */
export function toCronerPattern(params: Record<string, unknown>): { pattern: string; weeks?: Set<number> } {
  const f = apschedulerCronFields(params);
  const simple = (field: CronField, min: number, max: number): string => {
    const v = f[field];
    if (!SIMPLE_EXPR.test(v)) throw new TimerSpecError(`invalid ${field} expression "${v}"`, field);
    expandCronExpression(v, field, min, max); // range check
    return v;
  };
  const second = simple('second', 0, 59);
  const minute = simple('minute', 0, 59);
  const hour = simple('hour', 0, 23);
  const day = f.day === 'last' ? 'L' : simple('day', 1, 31);
  const month = f.month === '*' ? '*' : expandCronExpression(f.month, 'month', 1, 12, MONTH_NAMES).join(',');
  const year = f.year === '*' ? '*' : expandCronExpression(f.year, 'year', 1970, 9999).join(',');
  let dow = '*';
  if (f.day_of_week !== '*') {
    const days = expandCronExpression(f.day_of_week, 'day_of_week', 0, 6, DAY_NAMES);
    dow = days.length === 7 ? '*' : days.map((d) => (d + 1) % 7).join(',');
  }
  const weeks = f.week === '*' ? undefined : new Set(expandCronExpression(f.week, 'week', 1, 53));
  return { pattern: `${second} ${minute} ${hour} ${day} ${month} ${dow} ${year}`, weeks };
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function cronSchedule(params: Record<string, unknown>, tz: string): TimerSchedule {
  const { pattern, weeks } = toCronerPattern(params);
  let cron: Cron;
  try {
    // APScheduler requires every field to match (day AND day_of_week), hence domAndDow.
    cron = new Cron(pattern, { timezone: tz, paused: true, mode: '7-part', domAndDow: true });
  } catch (err) {
    throw new TimerSpecError(`invalid cron schedule: ${(err as Error).message}`);
  }
  return {
    kind: 'cron',
    next(after) {
      let from = after;
      // Skip whole local days while the ISO week does not match (bounded: ~3 years of days).
      for (let i = 0; i < 1200; i++) {
        const run = cron.nextRun(new Date(from));
        if (!run) return null;
        const t = run.getTime();
        if (!weeks) return t;
        const p = zonedParts(t, tz);
        if (weeks.has(isoWeek(p.year, p.month, p.day))) return t;
        const secondsLeftToday = 86_400 - (p.hour * 3600 + p.minute * 60 + p.second);
        from = t + secondsLeftToday * 1000 - 1000;
      }
      return null;
    },
  };
}

/** ISO 8601 week number of a calendar date. */
export function isoWeek(year: number, month: number, day: number): number {
  const d = new Date(Date.UTC(year, month - 1, day));
  const dayNum = (d.getUTCDay() + 6) % 7; // 0 = Monday
  d.setUTCDate(d.getUTCDate() - dayNum + 3); // Thursday of this week
  const firstThursday = new Date(Date.UTC(d.getUTCFullYear(), 0, 4));
  return (
    1 +
    Math.round(
      ((d.getTime() - firstThursday.getTime()) / 86_400_000 - 3 + ((firstThursday.getUTCDay() + 6) % 7)) / 7,
    )
  );
}
