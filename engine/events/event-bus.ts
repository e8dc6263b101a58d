import { EventEmitter } from 'node:events';
import type { ExecutionRecord, InquiryRecord, OutputChunk, TriggerInstance } from '../model/index.ts';

/** An announcement published by the `announcement` runner (chatops.post_message) for chat to deliver. */
export interface Announcement {
  route: string;
  execution_id?: string;
  payload: {
    channel?: string;
    message?: string;
    user?: string;
    whisper?: boolean;
    extra?: Record<string, unknown>;
    context?: Record<string, unknown>;
    [key: string]: unknown;
  };
}

/** Every event that crosses the engine boundary. Names follow st2's stream `<resource>__<verb>`. */
export interface EngineEvents {
  execution__create: ExecutionRecord;
  execution__update: ExecutionRecord;
  execution__output: OutputChunk;
  trigger_instance__create: TriggerInstance;
  inquiry__create: InquiryRecord;
  inquiry__update: InquiryRecord;
  announcement: Announcement;
  packs__reload: { packs: string[] };
}

export type EngineEventName = keyof EngineEvents;

/** In-process event bus (the Redis pub/sub implementation is a later swap). Views are masked by publishers. */
export class EventBus {
  readonly #emitter = new EventEmitter();

  constructor() {
    this.#emitter.setMaxListeners(0);
  }

  emit<K extends EngineEventName>(name: K, payload: EngineEvents[K]): void {
    this.#emitter.emit(name, payload);
  }

  /** True when someone listens: publishers skip building a view nobody reads. */
  has(name: EngineEventName): boolean {
    return this.#emitter.listenerCount(name) > 0;
  }

  on<K extends EngineEventName>(name: K, listener: (payload: EngineEvents[K]) => void): () => void {
    this.#emitter.on(name, listener);
    return () => this.#emitter.off(name, listener);
  }
}
