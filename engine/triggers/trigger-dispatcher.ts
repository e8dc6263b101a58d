import type { EventBus } from '../events/event-bus.ts';
import type { Logger } from '../log/logger.ts';
import type { TriggerInstance } from '../model/index.ts';
import { newObjectId } from '../store/object-id.ts';
import type { Store } from '../store/store.ts';

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
 * Turns events into stored trigger instances and hands them to rule processing.
 * The instance is committed (status `pending`) before `dispatch` resolves, so an accepted webhook is never lost:
 * pending instances left by a crash are processed again by `processPending()` on start.
 */
export class TriggerDispatcher {
  readonly #store: Store;
  readonly #events: EventBus;
  readonly #logger: Logger;
  readonly #process: (instance: TriggerInstance) => Promise<void>;
  #inFlight = new Set<Promise<void>>();

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
      occurrence_time: new Date().toISOString(),
      status: 'pending',
      dedupe_key: options.dedupeKey ? `${trigger}:${options.dedupeKey}` : undefined,
    };
    this.#store.insertTriggerInstance(instance);
    this.#events.emit('trigger_instance__create', instance);
    this.#schedule(instance);
    return { instance, duplicate: false };
  }

  #schedule(instance: TriggerInstance): void {
    const work = this.#run(instance);
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work));
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
    for (const instance of pending) this.#schedule(instance);
    return pending.length;
  }

  /** Resolves when everything dispatched so far has been processed. */
  async idle(): Promise<void> {
    while (this.#inFlight.size) await Promise.allSettled([...this.#inFlight]);
  }
}
