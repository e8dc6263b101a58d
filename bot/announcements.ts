/**
 * Announcements (chatops.post_message / post_result, st2's announcement runner): delivered to the named channel,
 * or to the user directly for whisper. A post_result for an execution the bot already reports (started from chat)
 * is dropped, so each chat execution reports back exactly once.
 */
import type { Engine } from '../engine/engine.ts';
import type { Announcement } from '../engine/events/event-bus.ts';
import type { Logger } from '../engine/log/logger.ts';
import type { ChatMessage } from './chat-adapter.ts';
import type { ChatTargets } from './chat-targets.ts';
import type { LiveResults } from './live-results.ts';
import { webUrl } from './live-results.ts';
import { elapsedSeconds, executionView } from './render/execution-view.ts';
import { renderResult } from './render/result-message.ts';
import { splitMessage } from './render/split-message.ts';

export interface AnnouncementsOptions {
  engine: Engine;
  targets: ChatTargets;
  live: LiveResults;
  logger: Logger;
  routes: string[];
}

export class Announcements {
  #off: (() => void) | undefined;
  readonly #pending = new Set<Promise<void>>();

  constructor(private readonly o: AnnouncementsOptions) {}

  start(): void {
    this.#off = this.o.engine.events.on('announcement', (a) => {
      if (!this.o.routes.includes(a.route)) return;
      const p = this.deliver(a).catch((err: unknown) =>
        this.o.logger.warn(
          { err, execution_id: a.execution_id, route: a.route },
          'announcement not delivered',
        ),
      );
      this.#pending.add(p);
      void p.finally(() => this.#pending.delete(p));
    });
  }

  async stop(): Promise<void> {
    this.#off?.();
    await Promise.allSettled([...this.#pending]);
  }

  #message(a: Announcement): ChatMessage | undefined {
    const payload = a.payload;
    const extra = payload.extra && typeof payload.extra === 'object' ? payload.extra : undefined;
    const executionId = typeof payload.execution_id === 'string' ? payload.execution_id : undefined;
    if (executionId) {
      // post_result: our formatter, with the alias result template when the execution came from an alias.
      const record = this.o.engine.getExecution(executionId);
      if (!record) return { text: `execution ${executionId} not found`, status: 'warning' };
      const chat = record.context.chat as { channel?: string; channel_name?: string } | undefined;
      const channel = typeof payload.channel === 'string' ? payload.channel.replace(/^[a-z]+:/, '') : '';
      const source = [chat?.channel, chat?.channel_name, record.context.source_channel].filter(Boolean);
      if (this.o.live.owns(executionId) && (!channel || source.includes(channel))) return undefined;
      const aliasRef = record.context.action_alias_ref?.ref;
      const alias = aliasRef ? this.o.engine.aliases().find((x) => x.ref === aliasRef) : undefined;
      const view = executionView(
        record,
        this.o.engine.getAction(record.action),
        webUrl(this.o.engine, record.id),
      );
      return renderResult(alias, view, record, { maxTextLength: 4000, elapsed: elapsedSeconds(record) });
    }
    const text =
      typeof payload.message === 'string' ? payload.message : JSON.stringify(payload.message ?? '');
    return { ...splitMessage(text), ...(extra ? { extra } : {}) };
  }

  async deliver(a: Announcement): Promise<void> {
    const payload = a.payload;
    const channel = typeof payload.channel === 'string' ? payload.channel : '';
    const adapterName =
      typeof payload.adapter === 'string'
        ? payload.adapter
        : typeof payload.extra?.adapter === 'string'
          ? (payload.extra.adapter as string)
          : undefined;
    const message = this.#message(a);
    if (!message) return;
    const user = typeof payload.user === 'string' && payload.user ? payload.user : undefined;
    const target = this.o.targets.resolve(channel, adapterName);
    if (!target) {
      this.o.logger.warn({ channel, adapter: adapterName }, 'announcement names no known chat adapter');
      return;
    }
    if (payload.whisper === true && user) {
      await target.adapter.postToUser(user, message, channel ? { channel: target.channel } : undefined);
      return;
    }
    if (!channel) {
      this.o.logger.warn({ execution_id: a.execution_id }, 'announcement without a channel: not posted');
      return;
    }
    const shown = user ? { ...message, text: `@${user}: ${message.text}` } : message;
    await target.adapter.post(target.channel, shown);
  }
}
