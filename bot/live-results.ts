/**
 * Results of executions started from chat: the ack message is edited in place with the live output (throttled
 * to the adapter's minEditIntervalMs, tail-truncated) and replaced by the result when the execution ends. This
 * is the ONE path a chat-started execution reports back by (post_result announcements for it are dropped).
 * State lives in the store, so a new bot instance picks up executions a previous one started.
 */
import type { Engine } from '../engine/engine.ts';
import type { Logger } from '../engine/log/logger.ts';
import type { AliasDefinition } from '../engine/model/alias.ts';
import { type ExecutionRecord, isCompleted, type OutputChunk } from '../engine/model/execution.ts';
import type { ChatAdapter, ChatMessage, MessageRef } from './chat-adapter.ts';
import type { ChatRefs, ExecutionChatRecord } from './chat-refs.ts';
import { elapsedSeconds, executionView } from './render/execution-view.ts';
import { chatStatus, renderResult, renderRunning } from './render/result-message.ts';

/** Output kept per execution for the live view (the tail is what is shown). */
const OUTPUT_KEEP = 256 * 1024;

interface Tracker {
  id: string;
  adapter: ChatAdapter;
  state: ExecutionChatRecord;
  /** First post (a Replier answers in the right thread / after a slash-command ack). */
  post?: (message: ChatMessage) => Promise<MessageRef>;
  output: string;
  status: ExecutionRecord['status'];
  lastEdit: number;
  timer?: NodeJS.Timeout;
  chain: Promise<void>;
  done: boolean;
}

export interface LiveResultsOptions {
  engine: Engine;
  adapters: ReadonlyMap<string, ChatAdapter>;
  refs: ChatRefs;
  logger: Logger;
}

export class LiveResults {
  readonly #trackers = new Map<string, Tracker>();
  /** Executions known not to belong to chat (saves a store read per output chunk). */
  readonly #notOurs = new Set<string>();
  readonly #off: Array<() => void> = [];
  readonly #o: LiveResultsOptions;
  #stopped = false;

  constructor(options: LiveResultsOptions) {
    this.#o = options;
  }

  start(): void {
    const { events } = this.#o.engine;
    this.#off.push(events.on('execution__output', (chunk) => this.#onOutput(chunk)));
    this.#off.push(events.on('execution__update', (record) => this.#onUpdate(record)));
    this.#recover();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const off of this.#off.splice(0)) off();
    for (const t of this.#trackers.values()) if (t.timer) clearTimeout(t.timer);
    await Promise.allSettled([...this.#trackers.values()].map((t) => t.chain));
    this.#trackers.clear();
  }

  /** True when the bot reports this execution's result itself (post_result for it would double-post). */
  owns(executionId: string): boolean {
    return this.#trackers.has(executionId) || this.#o.refs.execution(executionId) !== undefined;
  }

  /**
   * Registers an execution before it is requested (its events may arrive before the ack is posted), then posts
   * the ack once `record` is known.
   */
  begin(
    id: string,
    adapter: ChatAdapter,
    state: ExecutionChatRecord,
    post: (message: ChatMessage) => Promise<MessageRef>,
  ): void {
    this.#notOurs.delete(id);
    this.#trackers.set(id, {
      id,
      adapter,
      state,
      post,
      output: '',
      status: 'requested',
      lastEdit: 0,
      chain: Promise.resolve(),
      done: false,
    });
  }

  /** The request failed: forget the tracker. */
  abandon(id: string): void {
    this.#trackers.delete(id);
  }

  /** The execution is recorded: persist the reference and post the ack (the live message; none when disabled). */
  requested(record: ExecutionRecord, ack: ExecutionChatRecord['ack']): void {
    const t = this.#trackers.get(record.id);
    if (!t) return;
    t.state.ack = ack;
    if (t.status === 'requested') t.status = record.status;
    this.#o.refs.saveExecution(t.id, t.state);
    if (t.state.ack) this.#enqueue(t, () => this.#edit(t));
    if (isCompleted(record.status)) this.#finish(t, record);
  }

  #enqueue(t: Tracker, fn: () => Promise<void>): void {
    t.chain = t.chain.then(fn).catch((err: unknown) => {
      this.#o.logger.warn({ err, execution_id: t.id, adapter: t.adapter.name }, 'chat update failed');
    });
  }

  /** Posts or edits the running message with the current output tail. */
  async #edit(t: Tracker): Promise<void> {
    if (t.done || !t.state.ack) return;
    t.lastEdit = Date.now();
    const message = renderRunning(
      t.state.ack,
      { id: t.id, status: t.status },
      t.output,
      t.adapter.limits.maxTextLength,
    );
    await this.#show(t, message);
  }

  async #show(t: Tracker, message: ChatMessage): Promise<void> {
    if (t.state.ref) {
      await t.adapter.update(t.state.ref, message);
      return;
    }
    const ref = t.post
      ? await t.post(message)
      : await t.adapter.post(t.state.channel, message, { threadId: t.state.threadId });
    t.state.ref = ref;
    this.#o.refs.saveExecution(t.id, t.state);
  }

  #schedule(t: Tracker): void {
    if (t.done || !t.state.ack || t.timer) return;
    const wait = t.lastEdit + t.adapter.limits.minEditIntervalMs - Date.now();
    if (wait <= 0) {
      this.#enqueue(t, () => this.#edit(t));
      return;
    }
    t.timer = setTimeout(() => {
      t.timer = undefined;
      this.#enqueue(t, () => this.#edit(t));
    }, wait);
    t.timer.unref?.();
  }

  #onOutput(chunk: OutputChunk): void {
    if (this.#stopped || chunk.stream === 'log') return;
    const t = this.#tracker(chunk.execution_id);
    if (!t || t.done) return;
    t.output += chunk.data;
    if (t.output.length > OUTPUT_KEEP) t.output = t.output.slice(-OUTPUT_KEEP);
    this.#schedule(t);
  }

  #onUpdate(record: ExecutionRecord): void {
    if (this.#stopped) return;
    if (!record.context?.chat && !this.#trackers.has(record.id)) return;
    const t = this.#tracker(record.id, record);
    if (!t || t.done) return;
    const changed = t.status !== record.status;
    t.status = record.status;
    if (isCompleted(record.status)) this.#finish(t, record);
    else if (changed) this.#schedule(t);
  }

  #finish(t: Tracker, record: ExecutionRecord): void {
    if (t.done) return;
    t.done = true;
    if (t.timer) clearTimeout(t.timer);
    this.#enqueue(t, async () => {
      const full = this.#o.engine.getExecution(record.id) ?? record;
      const message = this.#resultMessage(full, t);
      if (message) await this.#show(t, message);
      t.state.delivered = true;
      this.#o.refs.saveExecution(t.id, t.state);
      this.#trackers.delete(t.id);
    });
  }

  #alias(ref: string | undefined): AliasDefinition | undefined {
    return ref ? this.#o.engine.aliases().find((a) => a.ref === ref) : undefined;
  }

  #resultMessage(record: ExecutionRecord, t: Tracker): ChatMessage | undefined {
    const alias = this.#alias(t.state.aliasRef);
    const view = executionView(
      record,
      this.#o.engine.getAction(record.action),
      webUrl(this.#o.engine, record.id),
    );
    const message = renderResult(alias, view, record, {
      maxTextLength: t.adapter.limits.maxTextLength,
      elapsed: elapsedSeconds(record),
    });
    if (message) return message;
    // Result disabled: the running message still must not say "running" forever.
    if (!t.state.ref || !t.state.ack) return undefined;
    return { ...t.state.ack, status: chatStatus(record.status), footer: `${record.status}` };
  }

  /** The tracker for an execution, rebuilt from the store when another bot instance started it. */
  #tracker(id: string, record?: ExecutionRecord): Tracker | undefined {
    const known = this.#trackers.get(id);
    if (known) return known;
    if (this.#notOurs.has(id)) return undefined;
    const state = this.#o.refs.execution(id);
    const adapter = state ? this.#o.adapters.get(state.adapter) : undefined;
    if (!state || state.delivered || !adapter) {
      this.#notOurs.add(id);
      if (this.#notOurs.size > 50_000) this.#notOurs.clear();
      return undefined;
    }
    const current = record ?? this.#o.engine.getExecution(id);
    const output = this.#o.engine
      .executionOutput(id)
      .filter((c) => c.stream !== 'log')
      .map((c) => c.data)
      .join('');
    const t: Tracker = {
      id,
      adapter,
      state,
      output: output.slice(-OUTPUT_KEEP),
      status: current?.status ?? 'running',
      lastEdit: 0,
      chain: Promise.resolve(),
      done: false,
    };
    this.#trackers.set(id, t);
    return t;
  }

  /** After a restart: deliver results of chat executions that ended while no bot was listening. */
  #recover(): void {
    for (const record of this.#o.engine.listExecutions({ limit: 200 })) {
      if (!record.context?.chat) continue;
      const t = this.#tracker(record.id, record);
      if (t && isCompleted(record.status)) this.#finish(t, record);
    }
  }
}

export function webUrl(engine: Pick<Engine, 'config'>, id: string): string {
  return `${engine.config.http.publicUrl.replace(/\/$/, '')}/api/v1/executions/${id}`;
}
