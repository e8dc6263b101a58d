/**
 * The console over HTTP: `squall chat` against a running server. Each request opens a private channel; what the
 * bot posts or edits there is relayed to that request (POST /api/v1/chat streams it back as SSE).
 */
import { randomUUID } from 'node:crypto';
import type {
  ChatAdapter,
  ChatEventHandler,
  ChatIdentity,
  ChatMessage,
  MessageRef,
} from '../../bot/chat-adapter.ts';

export interface RelayedMessage {
  kind: 'post' | 'update' | 'private';
  id?: string;
  message: ChatMessage;
}

export class ChatRelayAdapter implements ChatAdapter {
  readonly name = 'cli';
  readonly limits = { maxTextLength: 100_000, minEditIntervalMs: 200 };
  #handler: ChatEventHandler | undefined;
  readonly #sinks = new Map<string, (m: RelayedMessage) => void>();
  #next = 1;

  get handler(): ChatEventHandler | undefined {
    return this.#handler;
  }

  async start(handler: ChatEventHandler): Promise<void> {
    this.#handler = handler;
  }

  async stop(): Promise<void> {
    this.#handler = undefined;
    this.#sinks.clear();
  }

  connected(): boolean {
    return this.#handler !== undefined;
  }

  /** A private channel for one request; messages to it go to `sink` until closed. */
  open(sink: (m: RelayedMessage) => void): { channel: string; close(): void } {
    const channel = `cli-${randomUUID()}`;
    this.#sinks.set(channel, sink);
    return { channel, close: () => this.#sinks.delete(channel) };
  }

  async post(channel: string, message: ChatMessage): Promise<MessageRef> {
    const id = String(this.#next++);
    this.#sinks.get(channel)?.({ kind: 'post', id, message });
    return { adapter: this.name, channel, id };
  }

  async update(ref: MessageRef, message: ChatMessage): Promise<void> {
    this.#sinks.get(ref.channel)?.({ kind: 'update', id: ref.id, message });
  }

  async postToUser(
    _user: ChatIdentity | string,
    message: ChatMessage,
    options?: { channel?: string },
  ): Promise<void> {
    if (options?.channel) this.#sinks.get(options.channel)?.({ kind: 'private', message });
  }
}
