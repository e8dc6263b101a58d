/**
 * An in-memory ChatAdapter for bot tests: records every post, edit and private reply, and lets a test speak as
 * any chat user (`say`) or click any posted button (`click`).
 */
import type {
  ChatAdapter,
  ChatEventHandler,
  ChatIdentity,
  ChatMessage,
  IncomingKind,
  MessageRef,
} from '../../bot/chat-adapter.ts';

export interface PostedMessage {
  ref: MessageRef;
  channel: string;
  /** Every version, first post first. */
  versions: ChatMessage[];
  threadId?: string;
}

export interface PrivateMessage {
  to: string;
  message: ChatMessage;
}

export class MemoryChatAdapter implements ChatAdapter {
  readonly limits: { maxTextLength: number; minEditIntervalMs: number };
  readonly messages: PostedMessage[] = [];
  readonly privates: PrivateMessage[] = [];
  handler: ChatEventHandler | undefined;
  #next = 1;
  #deliveries = 0;
  #waiters: Array<() => void> = [];

  constructor(
    readonly name = 'memory',
    options: { maxTextLength?: number; minEditIntervalMs?: number } = {},
  ) {
    this.limits = {
      maxTextLength: options.maxTextLength ?? 4000,
      minEditIntervalMs: options.minEditIntervalMs ?? 0,
    };
  }

  async start(handler: ChatEventHandler): Promise<void> {
    this.handler = handler;
  }

  async stop(): Promise<void> {
    this.handler = undefined;
  }

  connected(): boolean {
    return this.handler !== undefined;
  }

  #changed(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  async post(channel: string, message: ChatMessage, options?: { threadId?: string }): Promise<MessageRef> {
    const ref: MessageRef = {
      adapter: this.name,
      channel,
      id: String(this.#next++),
      threadId: options?.threadId,
    };
    this.messages.push({ ref, channel, versions: [message], threadId: options?.threadId });
    this.#changed();
    return ref;
  }

  async update(ref: MessageRef, message: ChatMessage): Promise<void> {
    const posted = this.messages.find((m) => m.ref.id === ref.id && m.channel === ref.channel);
    if (!posted) throw new Error(`memory adapter: no message ${ref.id} in ${ref.channel}`);
    posted.versions.push(message);
    this.#changed();
  }

  async postToUser(user: ChatIdentity | string, message: ChatMessage): Promise<void> {
    this.privates.push({ to: typeof user === 'string' ? user : user.userId, message });
    this.#changed();
  }

  /** The latest version of every message in a channel. */
  latest(channel: string): ChatMessage[] {
    return this.messages.filter((m) => m.channel === channel).map((m) => m.versions.at(-1)!);
  }

  /** Speaks as a user; resolves once the bot handled the message. */
  async say(
    text: string,
    options: {
      channel?: string;
      user?: string;
      workspace?: string;
      kind?: IncomingKind;
      isBot?: boolean;
      userName?: string;
      deliveryId?: string;
    } = {},
  ): Promise<void> {
    if (!this.handler) throw new Error('memory adapter: not started');
    const channel = options.channel ?? 'C1';
    const user: ChatIdentity = {
      adapter: this.name,
      workspace: options.workspace,
      userId: options.user ?? 'U1',
      userName: options.userName ?? options.user ?? 'U1',
      isBot: options.isBot,
    };
    await this.handler.onMessage(
      {
        adapter: this.name,
        kind: options.kind ?? 'message',
        workspace: options.workspace,
        channel,
        user,
        text,
        deliveryId: options.deliveryId ?? `d${++this.#deliveries}`,
      },
      {
        post: (m) => this.post(channel, m),
        postPrivately: async (m) => {
          this.privates.push({ to: user.userId, message: m });
          this.#changed();
        },
      },
    );
  }

  /** Clicks button `label` of message `ref` as a user; returns the private replies it got. */
  async click(
    ref: MessageRef,
    label: string,
    options: { user?: string; workspace?: string; buttonId?: string } = {},
  ): Promise<ChatMessage[]> {
    if (!this.handler) throw new Error('memory adapter: not started');
    const posted = this.messages.find((m) => m.ref.id === ref.id);
    const button = posted?.versions.at(-1)?.buttons?.find((b) => b.label === label);
    if (!button && !options.buttonId)
      throw new Error(`memory adapter: no button "${label}" on message ${ref.id}`);
    const replies: ChatMessage[] = [];
    const user: ChatIdentity = {
      adapter: this.name,
      workspace: options.workspace,
      userId: options.user ?? 'U1',
      userName: options.user ?? 'U1',
    };
    await this.handler.onAction({
      adapter: this.name,
      workspace: options.workspace,
      channel: ref.channel,
      user,
      buttonId: options.buttonId ?? button!.id,
      value: button?.value ?? '',
      message: ref,
      respondPrivately: async (m) => {
        replies.push(m);
      },
    });
    return replies;
  }

  /** Waits until `predicate` holds (checked after every post/edit), failing after `timeoutMs`. */
  async waitFor<T>(predicate: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = predicate();
      if (value) return value;
      if (Date.now() > deadline) throw new Error('memory adapter: condition not met in time');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}
