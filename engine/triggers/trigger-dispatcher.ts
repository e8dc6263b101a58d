import type { EventBus } from '../events/event-bus.ts';
import type { Logger } from '../log/logger.ts';
import type { TriggerInstance } from '../model/index.ts';
import { newObjectId } from '../store/object-id.ts';
import type { Store } from '../store/store.ts';
import { isoNow } from '../time/iso-now.ts';

export interface DispatchOptions {
  /** Trigger parameters the instance was fired for (webhook `{url}`), used to pick rules. */
  parameters?: Record<string, unknown>;
  /** A retried delivery with the same key fires once. */
  dedupeKey?: string;
}

export interface DispatchResult {
  instance: TriggerInstance;
  /** True when the dedupe key was seen before: nothing new was fired. */
  duplicate: boolean;
}

/**
 * Processing time per event-loop turn while webhooks may be waiting to be answered (their latency bound). 1.2 ms
 * rather than the 0.55 chosen before the writer thread: each turn also pays for its batch, read transaction and
 * answers, and with commits off the thread the longer slice gave a lower p99 in four alternating pairs of bench
 * runs (e.g. 3.3 against 4.8 ms); 0.3 ms was worse.
 */
const SLICE_BUDGET_MS = 1.2;
/** Fewest instances started per turn (keeps a backlog moving when processing waits on I/O). */
const MIN_SLICE = 4;
/** Past this many waiting instances, a turn processes the excess too: accepting slows down (backpressure). */
const MAX_BACKLOG = 50_000;

/**
 * Turns events into stored trigger instances and hands them to rule processing.
 * The instance is committed (status `pending`) before `dispatch` resolves, so an accepted webhook is never lost:
 * pending instances left by a crash are processed again by `processPending()` on start.
 *
 * Accept first, process next (st2 splits its API and rules engine the same way): instances wait in a FIFO and are
 * processed after the commit that answers the webhooks of the turn (with ordered commits: from the next turn on),
 * about SLICE_BUDGET_MS of them per turn, so a burst is answered at once and worked off right after; a backlog past
 * MAX_BACKLOG slows accepting instead.
 */
export class TriggerDispatcher {
  readonly #store: Store;
  readonly #events: EventBus;
  readonly #logger: Logger;
  readonly #process: (instance: TriggerInstance) => Promise<void>;
  #inFlight = new Set<Promise<void>>();
  #queue: TriggerInstance[] = [];
  #head = 0;
  #pumpScheduled = false;
  #stopped = false;
  /** Measured cost of processing one instance (EWMA), which sizes the slices. */
  #instanceMs = 0.1;

  constructor(deps: {
    store: Store;
    events: EventBus;
    logger: Logger;
    process: (instance: TriggerInstance) => Promise<void>;
  }) {
    this.#store = deps.store;
    this.#events = deps.events;
    this.#logger = deps.logger;
    this.#process = deps.process;
  }

  dispatch(trigger: string, payload: Record<string, unknown>, options: DispatchOptions = {}): DispatchResult {
    if (options.dedupeKey) {
      const seen = this.#store.findTriggerInstanceByDedupeKey(`${trigger}:${options.dedupeKey}`);
      if (seen) return { instance: seen, duplicate: true };
    }
    const instance: TriggerInstance = {
      id: newObjectId(),
      trigger,
      trigger_parameters: options.parameters,
      payload,
      occurrence_time: isoNow(),
      status: 'pending',
      dedupe_key: options.dedupeKey ? `${trigger}:${options.dedupeKey}` : undefined,
    };
    this.#store.insertTriggerInstance(instance);
    this.#events.emit('trigger_instance__create', instance);
    this.#enqueue(instance);
    return { instance, duplicate: false };
  }

  #enqueue(instance: TriggerInstance): void {
    if (this.#stopped) return; // committed as pending: the next start processes it
    this.#queue.push(instance);
    this.#schedulePump();
  }

  /**
   * The next slice starts once the open commit (this turn's webhooks, the last slice's writes) is done — or, when
   * commits are ordered off this thread, on the next turn while the writer commits (its writes cannot land first).
   */
  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    const durable = this.#store.orderedCommits ? undefined : this.#store.whenDurable?.();
    if (durable) void durable.then(() => this.#pump());
    else setImmediate(() => this.#pump());
  }

  #pump(): void {
    this.#pumpScheduled = false;
    if (this.#stopped) return;
    const waiting = this.#queue.length - this.#head;
    if (waiting === 0) return;
    // The webhooks of this turn are answered when their instances commit: that starts before the slice runs.
    this.#store.startCommit?.();
    let count = Math.max(MIN_SLICE, Math.floor(SLICE_BUDGET_MS / this.#instanceMs));
    if (waiting - count > MAX_BACKLOG) count = waiting - MAX_BACKLOG;
    const end = Math.min(this.#queue.length, this.#head + count);
    const started: Promise<void>[] = [];
    const t0 = performance.now();
    while (this.#head < end) started.push(this.#schedule(this.#queue[this.#head++]!));
    const n = started.length;
    void Promise.all(started).then(() => {
      const each = (performance.now() - t0) / n;
      this.#instanceMs = this.#instanceMs * 0.8 + Math.min(each, 10) * 0.2;
    });
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
      return;
    }
    if (this.#head > 4096) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    // The rest waits for the next turn, after this slice's writes have committed with the next webhooks.
    this.#pumpScheduled = true;
    setImmediate(() => {
      this.#pumpScheduled = false;
      this.#schedulePump();
    });
  }

  #schedule(instance: TriggerInstance): Promise<void> {
    const work = this.#run(instance);
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work));
    return work;
  }

  async #run(instance: TriggerInstance): Promise<void> {
    try {
      await this.#process(instance);
      this.#store.setTriggerInstanceStatus(instance.id, 'processed');
    } catch (err) {
      this.#logger.error(
        { err, trigger_instance_id: instance.id, trigger: instance.trigger },
        'trigger instance processing failed',
      );
      this.#store.setTriggerInstanceStatus(instance.id, 'processing_failed');
    }
  }

  /** Processes instances a previous process accepted but did not finish (crash recovery). */
  processPending(): number {
    const pending = [
      ...this.#store.listTriggerInstances({ status: 'pending', limit: 100_000 }),
      ...this.#store.listTriggerInstances({ status: 'processing', limit: 100_000 }),
    ];
    for (const instance of pending) this.#enqueue(instance);
    return pending.length;
  }

  /** Resolves when everything dispatched so far has been processed. */
  async idle(): Promise<void> {
    while (this.#inFlight.size || this.#head < this.#queue.length) {
      if (this.#inFlight.size) await Promise.allSettled([...this.#inFlight]);
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Shutdown: nothing more is started. Instances still waiting stay `pending` in the Store and are processed by the
   * next start (processPending); the ones already started finish (idle()).
   */
  stop(): void {
    this.#stopped = true;
    this.#queue = [];
    this.#head = 0;
  }

  /** Accepted instances not yet started (a gauge for operators and tests). */
  get backlog(): number {
    return this.#queue.length - this.#head;
  }
}
