import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type TimerPayload,
  type TimerRule,
  TimerScheduler,
} from '../../engine/triggers/timers/timer-scheduler.ts';
import { apschedulerCronFields, toCronerPattern } from '../../engine/triggers/timers/timer-spec.ts';
import { validateTriggerParameters } from '../../engine/triggers/trigger-types.ts';

interface Fired {
  ref: string;
  params: Record<string, unknown>;
  payload: TimerPayload;
}

function rule(ref: string, type: string, parameters: Record<string, unknown>, enabled = true): TimerRule {
  return { ref, enabled, trigger: { type, parameters } };
}

describe('TimerScheduler (fake clock)', () => {
  let fired: Fired[];
  let scheduler: TimerScheduler;

  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-01-05T10:00:00Z')); // a Monday
    fired = [];
    scheduler = new TimerScheduler({
      fire: (ref, params, payload) => void fired.push({ ref, params, payload }),
    });
  });
  afterEach(() => {
    scheduler.stop();
    vi.useRealTimers();
  });

  it('fires an IntervalTimer every delta units, first run one interval after start', () => {
    scheduler.update([rule('p.every5', 'core.st2.IntervalTimer', { unit: 'seconds', delta: 5 })]);
    vi.advanceTimersByTime(4_999);
    expect(fired).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(fired).toHaveLength(1);
    expect(fired[0]!.ref).toBe('core.st2.IntervalTimer');
    expect(fired[0]!.params).toEqual({ unit: 'seconds', delta: 5 });
    expect(fired[0]!.payload).toEqual({
      executed_at: '2026-01-05T10:00:05.000Z',
      schedule: { unit: 'seconds', delta: 5 },
    });
    vi.advanceTimersByTime(10_000);
    expect(fired.map((f) => f.payload.executed_at)).toEqual([
      '2026-01-05T10:00:05.000Z',
      '2026-01-05T10:00:10.000Z',
      '2026-01-05T10:00:15.000Z',
    ]);
  });

  it('fires a DateTimer once at its wall-clock time in its timezone, and never for a past date', () => {
    scheduler.update([
      rule('p.once', 'core.st2.DateTimer', { date: '2026-01-05 12:30:00', timezone: 'Europe/Paris' }),
      rule('p.past', 'core.st2.DateTimer', { date: '2020-01-01 00:00:00' }),
    ]);
    vi.advanceTimersByTime(90 * 60_000 - 1); // 11:29:59.999Z
    expect(fired).toHaveLength(0);
    vi.advanceTimersByTime(1); // 11:30Z = 12:30 Paris (UTC+1 in January)
    expect(fired.map((f) => f.payload.executed_at)).toEqual(['2026-01-05T11:30:00.000Z']);
    vi.advanceTimersByTime(7 * 86_400_000);
    expect(fired).toHaveLength(1);
  });

  it('fires a CronTimer with a timezone; APScheduler day_of_week 0 is Monday', () => {
    // day_of_week 0 (Monday) at 09:00 New York = 14:00Z in January.
    scheduler.update([
      rule('p.cron', 'core.st2.CronTimer', { day_of_week: 0, hour: 9, timezone: 'America/New_York' }),
    ]);
    expect(scheduler.list()[0]!.nextRunAt).toBe('2026-01-05T14:00:00.000Z');
    vi.advanceTimersByTime(4 * 3_600_000);
    expect(fired.map((f) => f.payload.executed_at)).toEqual(['2026-01-05T14:00:00.000Z']);
    vi.advanceTimersByTime(7 * 86_400_000);
    expect(fired.map((f) => f.payload.executed_at)).toEqual([
      '2026-01-05T14:00:00.000Z',
      '2026-01-12T14:00:00.000Z',
    ]);
  });

  it('supports cron expression strings like */15 and day names', () => {
    scheduler.update([rule('p.q', 'core.st2.CronTimer', { minute: '*/15', day_of_week: 'sat-sun' })]);
    // Next weekend run: Saturday 2026-01-10 00:00Z.
    expect(scheduler.list()[0]!.nextRunAt).toBe('2026-01-10T00:00:00.000Z');
    vi.advanceTimersByTime(5 * 86_400_000 - 10 * 3_600_000 + 30 * 60_000);
    expect(fired.map((f) => f.payload.executed_at)).toEqual([
      '2026-01-10T00:00:00.000Z',
      '2026-01-10T00:15:00.000Z',
      '2026-01-10T00:30:00.000Z',
    ]);
  });

  it('shares one timer between rules with the same trigger and ignores disabled and non-timer rules', () => {
    scheduler.update([
      rule('p.a', 'core.st2.IntervalTimer', { unit: 'minutes', delta: 1 }),
      rule('p.b', 'core.st2.IntervalTimer', { delta: 1, unit: 'minutes' }),
      rule('p.off', 'core.st2.IntervalTimer', { unit: 'seconds', delta: 1 }, false),
      rule('p.hook', 'core.st2.webhook', { url: 'x' }),
    ]);
    expect(scheduler.list()).toEqual([
      expect.objectContaining({ triggerRef: 'core.st2.IntervalTimer', rules: ['p.a', 'p.b'] }),
    ]);
    vi.advanceTimersByTime(60_000);
    expect(fired).toHaveLength(1);
  });

  it('reschedules on update: removed timers stop, unchanged ones keep their phase, new ones start', () => {
    scheduler.update([
      rule('p.a', 'core.st2.IntervalTimer', { unit: 'seconds', delta: 10 }),
      rule('p.b', 'core.st2.IntervalTimer', { unit: 'seconds', delta: 7 }),
    ]);
    vi.advanceTimersByTime(6_000);
    scheduler.update([
      rule('p.a', 'core.st2.IntervalTimer', { unit: 'seconds', delta: 10 }),
      rule('p.c', 'core.st2.IntervalTimer', { unit: 'seconds', delta: 3 }),
    ]);
    vi.advanceTimersByTime(4_000); // t = 10s
    const at = (delta: number) =>
      fired.filter((f) => f.params.delta === delta).map((f) => f.payload.executed_at);
    expect(at(7)).toEqual([]);
    expect(at(10)).toEqual(['2026-01-05T10:00:10.000Z']);
    expect(at(3)).toEqual(['2026-01-05T10:00:09.000Z']);
  });

  it('stop() cancels everything', () => {
    scheduler.update([rule('p.a', 'core.st2.IntervalTimer', { unit: 'seconds', delta: 1 })]);
    vi.advanceTimersByTime(2_000);
    scheduler.stop();
    vi.advanceTimersByTime(60_000);
    expect(fired).toHaveLength(2);
    expect(scheduler.list()).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reports rules whose timer parameters cannot be scheduled and keeps the others', () => {
    const problems = scheduler.update([
      rule('p.badtz', 'core.st2.CronTimer', { hour: 1, timezone: 'Mars/Olympus' }),
      rule('p.baddow', 'core.st2.CronTimer', { day_of_week: 7 }),
      rule('p.ok', 'core.st2.IntervalTimer', { unit: 'hours', delta: 1 }),
    ]);
    expect(problems.map((p) => [p.rule, p.field])).toEqual([
      ['p.badtz', 'timezone'],
      ['p.baddow', 'day_of_week'],
    ]);
    expect(scheduler.list().map((t) => t.rules)).toEqual([['p.ok']]);
  });

  it('waits longer than setTimeout allows (weeks) without firing early', () => {
    scheduler.update([rule('p.w', 'core.st2.IntervalTimer', { unit: 'weeks', delta: 5 })]);
    vi.advanceTimersByTime(35 * 86_400_000 - 1);
    expect(fired).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(fired).toHaveLength(1);
  });

  it('keeps firing when the fire callback throws or rejects', () => {
    let calls = 0;
    const s = new TimerScheduler({
      fire: () => {
        calls++;
        if (calls === 1) throw new Error('boom');
        return Promise.reject(new Error('later'));
      },
    });
    s.update([rule('p.a', 'core.st2.IntervalTimer', { unit: 'seconds', delta: 1 })]);
    vi.advanceTimersByTime(3_000);
    s.stop();
    expect(calls).toBe(3);
  });

  it('uses an injected clock', () => {
    let now = Date.parse('2030-06-01T00:00:00Z');
    const pending: Array<{ at: number; fn: () => void }> = [];
    const s = new TimerScheduler({
      fire: (ref, params, payload) => void fired.push({ ref, params, payload }),
      clock: {
        now: () => now,
        setTimeout: (fn, ms) => {
          const t = { at: now + ms, fn };
          pending.push(t);
          return t;
        },
        clearTimeout: (h) => {
          const i = pending.indexOf(h as (typeof pending)[number]);
          if (i >= 0) pending.splice(i, 1);
        },
      },
    });
    s.update([rule('p.c', 'core.st2.CronTimer', { hour: 6 })]);
    expect(pending.map((p) => new Date(p.at).toISOString())).toEqual(['2030-06-01T06:00:00.000Z']);
    now = pending[0]!.at;
    pending.shift()!.fn();
    expect(fired[0]!.payload.executed_at).toBe('2030-06-01T06:00:00.000Z');
    expect(pending.map((p) => new Date(p.at).toISOString())).toEqual(['2030-06-02T06:00:00.000Z']);
    s.stop();
    expect(pending).toHaveLength(0);
  });
});

describe('APScheduler cron fields', () => {
  it('defaults fields below the least significant given one to their minimum, above to *', () => {
    expect(apschedulerCronFields({ hour: 5 })).toMatchObject({
      year: '*',
      day: '*',
      hour: '5',
      minute: '0',
      second: '0',
    });
    expect(apschedulerCronFields({ month: 6 })).toMatchObject({
      month: '6',
      day: '1',
      hour: '0',
      day_of_week: '*',
    });
    expect(apschedulerCronFields({})).toMatchObject({ second: '*', minute: '*', hour: '*' });
  });

  it('converts day_of_week from Monday=0 to croner Sunday=0', () => {
    expect(toCronerPattern({ day_of_week: '0-4' }).pattern).toBe('0 0 0 * * 1,2,3,4,5 *');
    expect(toCronerPattern({ day_of_week: 6 }).pattern).toBe('0 0 0 * * 0 *');
    expect(toCronerPattern({ day_of_week: 'mon,sun' }).pattern).toBe('0 0 0 * * 1,0 *');
  });
});

describe('validateTriggerParameters', () => {
  it('checks built-in trigger parameters against their schema', () => {
    expect(validateTriggerParameters('core.st2.webhook', { url: 'sample' })).toEqual([]);
    expect(validateTriggerParameters('core.st2.webhook', {})).toEqual([
      { path: '/url', message: 'missing required field "url"' },
    ]);
    expect(
      validateTriggerParameters('core.st2.IntervalTimer', { unit: 'fortnights', delta: 1 })[0],
    ).toMatchObject({
      path: '/unit',
    });
    expect(validateTriggerParameters('core.st2.DateTimer', { date: 'tomorrow' })[0]).toMatchObject({
      path: '/date',
    });
    expect(validateTriggerParameters('core.st2.CronTimer', { minute: '*/5', hour: 3 })).toEqual([]);
    expect(validateTriggerParameters('core.st2.CronTimer', { hour: 25 })[0]).toMatchObject({ path: '/hour' });
  });

  it('accepts draft-3 style `required: true` in pack trigger parameters_schema', () => {
    const type = {
      ref: 'linux.file_watch.line',
      name: 'file_watch.line',
      pack: 'linux',
      parameters_schema: {
        type: 'object',
        properties: { file_path: { type: 'string', required: true } },
        additionalProperties: false,
      },
    };
    expect(validateTriggerParameters(type.ref, { file_path: '/tmp/x' }, type)).toEqual([]);
    expect(validateTriggerParameters(type.ref, {}, type)).toEqual([
      { path: '/file_path', message: 'missing required field "file_path"' },
    ]);
  });
});
