import type { Logger } from '../../log/logger.ts';
import type { RuleDefinition } from '../../model/rule.ts';
import { isTimerTriggerType } from '../trigger-types.ts';
import {
  DEFAULT_TIMER_TIMEZONE,
  type TimerSchedule,
  type TimerSpecError,
  timerSchedule,
} from './timer-spec.ts';

/** Time source and timer primitive, injectable so tests run on a fake clock. */
export interface TimerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: TimerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface TimerPayload {
  executed_at: string;
  schedule: Record<string, unknown>;
}

export type TimerFire = (
  triggerRef: string,
  triggerParameters: Record<string, unknown>,
  payload: TimerPayload,
) => void | Promise<void>;

/** What the scheduler needs of a rule; pass rules with enable/disable overrides already applied. */
export type TimerRule = Pick<RuleDefinition, 'ref' | 'enabled' | 'trigger'>;

export interface TimerSchedulerOptions {
  fire: TimerFire;
  clock?: TimerClock;
  /** Timezone for DateTimer/CronTimer parameters without one (default UTC). */
  defaultTimezone?: string;
  logger?: Logger;
}

/** A timer rule whose parameters cannot be scheduled. */
export interface TimerRuleProblem {
  rule: string;
  triggerRef: string;
  field?: string;
  message: string;
}

export interface ScheduledTimer {
  triggerRef: string;
  parameters: Record<string, unknown>;
  rules: string[];
  nextRunAt: string | null;
}

interface Job {
  key: string;
  triggerRef: string;
  parameters: Record<string, unknown>;
  schedule: TimerSchedule;
  rules: string[];
  nextAt: number | null;
  handle?: unknown;
}

// setTimeout's limit (~24.8 days); longer waits are chained.
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Runs core.st2.IntervalTimer / DateTimer / CronTimer triggers for the rules that use them. Like st2, one
 * timer per distinct (trigger type, parameters): rules sharing a trigger share its firings.
 */
export class TimerScheduler {
  private readonly jobs = new Map<string, Job>();
  private readonly clock: TimerClock;
  private readonly fireFn: TimerFire;
  private readonly defaultTimezone: string;
  private readonly logger?: Logger;
  private stopped = false;

  constructor(options: TimerSchedulerOptions) {
    this.clock = options.clock ?? systemClock;
    this.fireFn = options.fire;
    this.defaultTimezone = options.defaultTimezone ?? DEFAULT_TIMER_TIMEZONE;
    this.logger = options.logger;
  }

  /**
   * Schedules the enabled timer rules among `rules` (others are ignored); call again after a reload.
   * Unchanged timers keep their phase; removed ones are cancelled. Returns rules that could not be scheduled.
   */
  update(rules: readonly TimerRule[]): TimerRuleProblem[] {
    this.stopped = false;
    const problems: TimerRuleProblem[] = [];
    const wanted = new Map<
      string,
      { triggerRef: string; parameters: Record<string, unknown>; schedule?: TimerSchedule; rules: string[] }
    >();
    for (const rule of rules) {
      if (!rule.enabled || !isTimerTriggerType(rule.trigger.type)) continue;
      const parameters = rule.trigger.parameters ?? {};
      const key = `${rule.trigger.type} ${stableStringify(parameters)}`;
      const entry = wanted.get(key);
      if (entry) {
        entry.rules.push(rule.ref);
        continue;
      }
      let schedule: TimerSchedule | undefined;
      if (!this.jobs.has(key)) {
        try {
          schedule = timerSchedule(rule.trigger.type, parameters, this.defaultTimezone);
        } catch (err) {
          const e = err as TimerSpecError;
          problems.push({
            rule: rule.ref,
            triggerRef: rule.trigger.type,
            field: e.field,
            message: e.message,
          });
          this.logger?.warn({ rule: rule.ref, err: e.message }, 'timer rule not scheduled');
          continue;
        }
      }
      wanted.set(key, { triggerRef: rule.trigger.type, parameters, schedule, rules: [rule.ref] });
    }
    for (const [key, job] of this.jobs) {
      if (!wanted.has(key)) {
        this.cancel(job);
        this.jobs.delete(key);
      }
    }
    for (const [key, w] of wanted) {
      const existing = this.jobs.get(key);
      if (existing) {
        existing.rules = w.rules;
        continue;
      }
      const job: Job = {
        key,
        triggerRef: w.triggerRef,
        parameters: w.parameters,
        schedule: w.schedule!,
        rules: w.rules,
        nextAt: w.schedule!.next(this.clock.now()),
      };
      this.jobs.set(key, job);
      this.arm(job);
    }
    return problems;
  }

  /** Cancels every timer; `update` starts again. */
  stop(): void {
    this.stopped = true;
    for (const job of this.jobs.values()) this.cancel(job);
    this.jobs.clear();
  }

  /** The timers currently scheduled, for status views. */
  list(): ScheduledTimer[] {
    return [...this.jobs.values()].map((j) => ({
      triggerRef: j.triggerRef,
      parameters: j.parameters,
      rules: [...j.rules],
      nextRunAt: j.nextAt === null ? null : new Date(j.nextAt).toISOString(),
    }));
  }

  private cancel(job: Job): void {
    if (job.handle !== undefined) this.clock.clearTimeout(job.handle);
    job.handle = undefined;
  }

  private arm(job: Job): void {
    this.cancel(job);
    if (job.nextAt === null || this.stopped) return;
    const delay = Math.max(0, job.nextAt - this.clock.now());
    job.handle = this.clock.setTimeout(() => this.wake(job), Math.min(delay, MAX_DELAY_MS));
  }

  private wake(job: Job): void {
    job.handle = undefined;
    if (this.stopped || this.jobs.get(job.key) !== job || job.nextAt === null) return;
    const now = this.clock.now();
    if (now < job.nextAt) {
      this.arm(job); // a chained long wait, or an early wake-up
      return;
    }
    this.fire(job, now);
    let next = job.schedule.next(job.nextAt);
    // After a long pause (suspend, clock jump) do not replay every missed run: continue from now.
    if (next !== null && next <= now) next = job.schedule.next(now);
    job.nextAt = next;
    if (next === null) this.jobs.delete(job.key);
    else this.arm(job);
  }

  private fire(job: Job, now: number): void {
    const payload: TimerPayload = {
      executed_at: new Date(now).toISOString(),
      schedule: { ...job.parameters },
    };
    const log = (err: unknown) =>
      this.logger?.error(
        { trigger: job.triggerRef, rules: job.rules, err: (err as Error)?.message ?? String(err) },
        'timer fire failed',
      );
    try {
      const result = this.fireFn(job.triggerRef, { ...job.parameters }, payload);
      if (result && typeof (result as Promise<void>).catch === 'function')
        (result as Promise<void>).catch(log);
    } catch (err) {
      log(err);
    }
  }
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
