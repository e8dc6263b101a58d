/**
 * The contract between the platform-neutral bot (bot/) and each chat platform (adapters/slack, adapters/discord,
 * adapters/console). The bot decides WHAT to say; an adapter decides HOW it looks on its platform (Block Kit,
 * embeds, terminal lines) and how it travels (Web API, gateway, HTTP interactions, stdout).
 */

/** Who wrote a message or clicked a button, as the platform knows them. */
export interface ChatIdentity {
  /** `slack`, `discord`, `console`. */
  adapter: string;
  /** Slack team id, Discord guild id (absent for DMs / console). */
  workspace?: string;
  /** Platform user id (Slack U…, Discord snowflake, console identity name). */
  userId: string;
  userName?: string;
  /** Platform role ids/names (Discord roles) that configuration may map to Squall roles. */
  platformRoles?: string[];
  isBot?: boolean;
}

export type IncomingKind = 'message' | 'mention' | 'dm' | 'slash';

/** A chat command as the adapter received it (prefix not yet stripped for `message`). */
export interface IncomingMessage {
  adapter: string;
  kind: IncomingKind;
  workspace?: string;
  channel: string;
  channelName?: string;
  user: ChatIdentity;
  text: string;
  messageId?: string;
  threadId?: string;
  /** Platform event id used to drop retried deliveries (Slack event_id, Discord interaction id). */
  deliveryId?: string;
}

/** Visual status of a message; adapters map it to emoji, colours, embed colours. */
export type ChatStatus = 'info' | 'running' | 'pending' | 'succeeded' | 'failed' | 'warning';

export interface ChatButton {
  /** Stable id the click comes back with, e.g. `inquiry:<id>:approve`. Never trusted for authorization. */
  id: string;
  label: string;
  style?: 'primary' | 'danger';
  value: string;
}

/** A platform-neutral message. Adapters render it within their limits (and must never silently cut it). */
export interface ChatMessage {
  /** Plain text: the whole message on platforms without rich layout, the fallback/notification text elsewhere. */
  text: string;
  /**
   * st2's `A {~} B`: `A` is plain text shown before the rich part (Slack pretext) and `text` holds `B`.
   * Platforms without rich layout print `pretext`, a newline, then `text`.
   */
  pretext?: string;
  title?: string;
  status?: ChatStatus;
  /** Key/value facts (execution id, took, status). */
  fields?: Array<{ title: string; value: string; short?: boolean }>;
  /** Monospace block (live output, result). Adapters move it to a thread reply or file when it is too long. */
  code?: string;
  footer?: string;
  buttons?: ChatButton[];
  /** Platform extras from alias `extra` (e.g. `extra.slack` attachment fields). */
  extra?: Record<string, unknown>;
  /** A file to attach (long output). */
  attachment?: { filename: string; content: string };
}

/** Where a posted message lives; serialisable (stored so updates and buttons work after a restart). */
export interface MessageRef {
  adapter: string;
  channel: string;
  id: string;
  threadId?: string;
  /** Adapter-specific data (Discord interaction token + application id for webhook edits, ...). */
  extra?: Record<string, unknown>;
}

/** A button click. */
export interface IncomingAction {
  adapter: string;
  workspace?: string;
  channel: string;
  user: ChatIdentity;
  buttonId: string;
  value: string;
  message?: MessageRef;
  deliveryId?: string;
  /** Answers only the clicker (Slack ephemeral, Discord ephemeral follow-up, console line). */
  respondPrivately(message: ChatMessage): Promise<void>;
}

/** How the bot answers a message it is handling: in the same channel/thread (adapters know the mechanics). */
export interface Replier {
  /** Posts a new message answering the command (for slash commands: after the platform ack). */
  post(message: ChatMessage): Promise<MessageRef>;
  /** Answers only the sender. */
  postPrivately(message: ChatMessage): Promise<void>;
}

export interface ChatEventHandler {
  onMessage(message: IncomingMessage, reply: Replier): Promise<void>;
  onAction(action: IncomingAction): Promise<void>;
}

export interface ChatAdapter {
  readonly name: string;
  /** Rendering limits the bot streams within (edits are throttled by the adapter too). */
  readonly limits: { maxTextLength: number; minEditIntervalMs: number };
  /** Connects; fails fast with a clear error on bad credentials. */
  start(handler: ChatEventHandler): Promise<void>;
  stop(): Promise<void>;
  /** Posts to a channel by id or name (alerts, announcements, inquiry prompts). */
  post(channel: string, message: ChatMessage, options?: { threadId?: string }): Promise<MessageRef>;
  /** Edits a posted message in place (throttled, honouring the platform's rate limits and Retry-After). */
  update(ref: MessageRef, message: ChatMessage): Promise<void>;
  /** Direct message / ephemeral to one user (whisper). */
  postToUser(
    user: ChatIdentity | string,
    message: ChatMessage,
    options?: { channel?: string },
  ): Promise<void>;
  /** True when connected (for /readyz). */
  connected(): boolean;
}
