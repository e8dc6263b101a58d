/**
 * The terminal chat: each line typed is a command (no prefix needed, a DM); replies are printed. Live output is
 * printed as it grows (only the new lines on each edit); approval prompts show numbered choices and typing the
 * number answers. Speaks as `console:<user>` (`console:local`, the local admin, unless configured otherwise).
 */
import { createInterface, type Interface } from 'node:readline';
import type {
  ChatAdapter,
  ChatEventHandler,
  ChatIdentity,
  ChatMessage,
  ChatStatus,
  MessageRef,
} from '../../bot/chat-adapter.ts';
import { headerLines, indent, renderText, tailLines } from './render-text.ts';

export interface ConsoleAdapterOptions {
  /** Lines typed here become commands (omit for a send()-only console, e.g. `squall chat`). */
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** Console identity (`console:<user>`); default `local`. */
  user?: string;
  /** Show a `squall> ` prompt (interactive terminals). */
  prompt?: boolean;
}

const CHANNEL = 'console';

interface Shown {
  message: ChatMessage;
}

export class ConsoleAdapter implements ChatAdapter {
  readonly name = 'console';
  readonly limits = { maxTextLength: 100_000, minEditIntervalMs: 200 };
  readonly user: string;
  #handler: ChatEventHandler | undefined;
  #rl: Interface | undefined;
  readonly #out: NodeJS.WritableStream;
  readonly #shown = new Map<string, Shown>();
  /** The latest message with buttons (numbers answer it). */
  #prompt: { ref: MessageRef; message: ChatMessage } | undefined;
  #next = 1;
  #worst: ChatStatus | undefined;
  #pending = new Set<Promise<void>>();

  constructor(private readonly options: ConsoleAdapterOptions = {}) {
    this.user = options.user ?? 'local';
    this.#out = options.output ?? process.stdout;
  }

  /** The most severe status printed so far (`squall chat` turns it into an exit code). */
  get worstStatus(): ChatStatus | undefined {
    return this.#worst;
  }

  get identity(): ChatIdentity {
    return { adapter: this.name, userId: this.user, userName: this.user };
  }

  async start(handler: ChatEventHandler): Promise<void> {
    this.#handler = handler;
    if (!this.options.input) return;
    this.#rl = createInterface({
      input: this.options.input,
      output: this.options.prompt ? this.#out : undefined,
      terminal: this.options.prompt === true,
    });
    if (this.options.prompt) {
      this.#rl.setPrompt('squall> ');
      this.#rl.prompt();
    }
    this.#rl.on('line', (line) => {
      const p = this.handle(line).finally(() => {
        this.#pending.delete(p);
        if (this.options.prompt) this.#rl?.prompt();
      });
      this.#pending.add(p);
    });
  }

  async stop(): Promise<void> {
    this.#rl?.close();
    this.#rl = undefined;
    await Promise.allSettled([...this.#pending]);
    this.#handler = undefined;
  }

  connected(): boolean {
    return this.#handler !== undefined;
  }

  #write(text: string): void {
    if (text) this.#out.write(`${text}\n`);
  }

  #note(status: ChatStatus | undefined): void {
    const rank = (s: ChatStatus | undefined) => (s === 'failed' ? 3 : s === 'warning' ? 2 : s ? 1 : 0);
    if (rank(status) > rank(this.#worst)) this.#worst = status;
  }

  /** One typed line: a number answers the open prompt, anything else is a command. */
  async handle(line: string): Promise<void> {
    const text = line.trim();
    if (!text || !this.#handler) return;
    const choice = /^\d+$/.test(text) ? this.#prompt?.message.buttons?.[Number(text) - 1] : undefined;
    if (choice && this.#prompt) {
      await this.#handler.onAction({
        adapter: this.name,
        channel: CHANNEL,
        user: this.identity,
        buttonId: choice.id,
        value: choice.value,
        message: this.#prompt.ref,
        respondPrivately: async (m) => this.#print(m),
      });
      return;
    }
    await this.send(text);
  }

  /** Sends one command as the console user; resolves when the bot has handled it (not when it finished). */
  async send(text: string): Promise<void> {
    if (!this.#handler) throw new Error('console adapter: not started');
    await this.#handler.onMessage(
      { adapter: this.name, kind: 'dm', channel: CHANNEL, channelName: CHANNEL, user: this.identity, text },
      {
        post: (m) => this.post(CHANNEL, m),
        postPrivately: async (m) => this.#print(m),
      },
    );
  }

  /** Prints a message that is not kept for edits (private replies, relayed notes). */
  print(message: ChatMessage): void {
    this.#print(message);
  }

  #print(message: ChatMessage): void {
    this.#note(message.status);
    this.#write(renderText(message));
  }

  async post(channel: string, message: ChatMessage, _options?: { threadId?: string }): Promise<MessageRef> {
    const ref: MessageRef = { adapter: this.name, channel, id: String(this.#next++) };
    this.#shown.set(ref.id, { message });
    this.#print(channel === CHANNEL ? message : { ...message, text: `[${channel}] ${message.text}` });
    if (message.buttons?.length) this.#prompt = { ref, message };
    return ref;
  }

  /** Prints what changed: new output lines while running, then the final header. */
  async update(ref: MessageRef, message: ChatMessage): Promise<void> {
    const shown = this.#shown.get(ref.id);
    const before = shown?.message;
    this.#shown.set(ref.id, { message });
    if (this.#prompt?.ref.id === ref.id && !message.buttons?.length) this.#prompt = undefined;
    // Output is compared without trailing newlines: the result message carries the same output trimmed, and
    // that must not print it all a second time.
    const oldCode = (before?.code ?? '').trimEnd();
    const newCode = (message.code ?? '').trimEnd();
    const lines: string[] = [];
    if (newCode && newCode !== oldCode && !message.attachment) {
      lines.push(
        indent(newCode.startsWith(oldCode) ? newCode.slice(oldCode.length).replace(/^\n/, '') : newCode),
      );
    }
    const headerChanged =
      !before ||
      before.text !== message.text ||
      before.status !== message.status ||
      before.title !== message.title;
    if (headerChanged) {
      this.#note(message.status);
      lines.push(...headerLines(message), ...tailLines(message));
    }
    this.#write(lines.filter((l) => l.trim() !== '').join('\n'));
  }

  async postToUser(user: ChatIdentity | string, message: ChatMessage): Promise<void> {
    const name = typeof user === 'string' ? user : user.userId;
    this.#print({ ...message, text: `(to ${name}) ${message.text}` });
  }
}
