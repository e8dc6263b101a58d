/**
 * Per-message edit throttle shared by the chat adapters: at most one edit per message every `minIntervalMs`,
 * coalescing (only the newest content is sent; callers whose content was superseded resolve when the newer one
 * lands), and on HTTP 429 every message waits out the platform's retry delay before the newest content is
 * retried. Each adapter injects how its platform reports a rate limit and names itself in errors.
 */

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

interface Slot<M> {
  latest?: M;
  waiters: Waiter[];
  lastSent: number;
  timer?: NodeJS.Timeout;
  sending: boolean;
  rateLimited: number;
}

export interface EditThrottleOptions<M> {
  minIntervalMs: number;
  send(key: string, message: M): Promise<void>;
  /** Seconds to wait when `err` is a rate-limit answer, else undefined. */
  retryAfterSeconds(err: unknown): number | undefined;
  /** Platform name used in errors, e.g. `Slack` → "Slack adapter stopped: edit not sent". */
  platform: string;
  /** Consecutive 429s on one message before its pending edit fails. */
  maxRateLimitRetries?: number;
  onRateLimited?(key: string, seconds: number): void;
  now?(): number;
}

export class EditThrottle<M> {
  readonly #slots = new Map<string, Slot<M>>();
  readonly #o: EditThrottleOptions<M>;
  /**
   * A 429 pauses every message's edits: Slack's limits are per method and workspace; for Discord (buckets per
   * route and channel) this is conservative.
   */
  #pausedUntil = 0;
  #stopped = false;

  constructor(options: EditThrottleOptions<M>) {
    this.#o = options;
  }

  #stoppedError(): Error {
    return new Error(`${this.#o.platform} adapter stopped: edit not sent`);
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }

  /** Queues `message` as the newest content for `key`; resolves once it (or newer content) is on the platform. */
  submit(key: string, message: M): Promise<void> {
    if (this.#stopped) return Promise.reject(this.#stoppedError());
    let slot = this.#slots.get(key);
    if (!slot) {
      this.#prune();
      slot = { waiters: [], lastSent: 0, sending: false, rateLimited: 0 };
      this.#slots.set(key, slot);
    }
    slot.latest = message;
    const done = new Promise<void>((resolve, reject) => slot.waiters.push({ resolve, reject }));
    this.#schedule(key, slot);
    return done;
  }

  /** Number of messages with an edit waiting (for tests and metrics). */
  get pending(): number {
    let n = 0;
    for (const slot of this.#slots.values()) if (slot.latest !== undefined) n++;
    return n;
  }

  #schedule(key: string, slot: Slot<M>): void {
    if (slot.sending || slot.timer || slot.latest === undefined) return;
    const due = Math.max(slot.lastSent + this.#o.minIntervalMs, this.#pausedUntil);
    const delay = Math.max(0, due - this.#now());
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      void this.#flush(key, slot);
    }, delay);
  }

  async #flush(key: string, slot: Slot<M>): Promise<void> {
    const message = slot.latest;
    if (message === undefined || slot.sending) return;
    const waiters = slot.waiters;
    slot.latest = undefined;
    slot.waiters = [];
    slot.sending = true;
    try {
      await this.#o.send(key, message);
      slot.lastSent = this.#now();
      slot.rateLimited = 0;
      for (const w of waiters) w.resolve();
    } catch (err) {
      const wait = this.#o.retryAfterSeconds(err);
      slot.rateLimited += 1;
      if (wait !== undefined && !this.#stopped && slot.rateLimited <= (this.#o.maxRateLimitRetries ?? 5)) {
        this.#o.onRateLimited?.(key, wait);
        this.#pausedUntil = Math.max(this.#pausedUntil, this.#now() + wait * 1000);
        // Retry with the newest content: newer submissions replace this one, their waiters join ours.
        if (slot.latest === undefined) slot.latest = message;
        slot.waiters = [...waiters, ...slot.waiters];
      } else {
        for (const w of waiters) w.reject(err);
      }
    } finally {
      slot.sending = false;
    }
    this.#schedule(key, slot);
  }

  #prune(): void {
    if (this.#slots.size < 1000) return;
    const old = this.#now() - 10 * 60_000;
    for (const [key, slot] of this.#slots)
      if (!slot.sending && !slot.timer && slot.latest === undefined && slot.lastSent < old)
        this.#slots.delete(key);
  }

  /** Sends what is still waiting once, right away (no final result is lost on shutdown), then refuses edits. */
  async stop(): Promise<void> {
    const flushes: Promise<void>[] = [];
    for (const [key, slot] of this.#slots) {
      if (slot.timer) clearTimeout(slot.timer);
      slot.timer = undefined;
      if (slot.latest !== undefined && !slot.sending) flushes.push(this.#flush(key, slot));
    }
    this.#stopped = true;
    await Promise.allSettled(flushes);
    for (const slot of this.#slots.values()) {
      if (slot.timer) clearTimeout(slot.timer);
      for (const w of slot.waiters.splice(0)) w.reject(this.#stoppedError());
    }
  }
}
