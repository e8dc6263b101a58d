/**
 * The Slack front door on @slack/bolt: Socket Mode when an app token is configured, otherwise HTTP mode
 * (events, commands and interactivity at POST /slack/events on Squall's HTTP server, see
 * slack-events-plugin.ts). The bot decides what to say; this adapter renders it in Block Kit (block-kit.ts),
 * throttles edits (../shared/edit-throttle.ts), honours 429 Retry-After and moves what does not fit into the thread.
 */
import { createHash } from 'node:crypto';
import { App, SocketModeReceiver, webApi } from '@slack/bolt';
import type {
  ChatAdapter,
  ChatEventHandler,
  ChatIdentity,
  ChatMessage,
  IncomingMessage,
  MessageRef,
  Replier,
} from '../../bot/chat-adapter.ts';
import type { Logger } from '../../engine/log/logger.ts';
import { EditThrottle } from '../shared/edit-throttle.ts';
import { sleep, withTimeout } from '../shared/timing.ts';
import { type Overflow, renderMessage, SLACK_LIMITS, type SlackPayload } from './block-kit.ts';
import { boltLogger, scrubSecrets } from './bolt-logger.ts';
import { retryAfterSeconds, withRetryAfter } from './retry-after.ts';
import { looksLikeChannelId, SlackDirectory } from './slack-directory.ts';
import { SlackHttpReceiver } from './slack-http-receiver.ts';
import {
  ADAPTER,
  type BlockActionBody,
  type ButtonActionPayload,
  fromMessageEvent,
  fromSlashCommand,
  identity,
  type MessageEventBody,
  type SlashCommandBody,
} from './slack-incoming.ts';

export interface SlackAdapterOptions {
  /** Bot token (xoxb-…). */
  botToken: string;
  /** App-level token (xapp-…): Socket Mode. */
  appToken?: string;
  /** Signing secret: HTTP mode (required when there is no app token). */
  signingSecret?: string;
  /** Web API base URL (default https://slack.com/api/); reaches every WebClient Bolt creates. */
  apiUrl?: string;
  /** Slash command name, default `/squall`. */
  slashCommand?: string;
  /** Command prefix for channel messages (`!`). */
  prefix: string;
  logger: Logger;
  /** Minimum time between two edits of one message (default 1,500 ms; Slack allows about one a second). */
  minEditIntervalMs?: number;
  /** Retries of failed Web API calls (network errors, 5xx); 429s are handled separately with Retry-After. */
  retryConfig?: webApi.RetryOptions;
  /** Per-request timeout in ms (default 15,000). */
  requestTimeoutMs?: number;
  /** How long start() waits for Socket Mode's `hello` (default 30,000 ms). */
  startTimeoutMs?: number;
}

/** Fails fast: a bad URL or token is reported in seconds, not after the WebClient's 30-minute default policy. */
const DEFAULT_RETRY: webApi.RetryOptions = { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 3000 };

/** Adapter-private data kept in MessageRef.extra. */
interface RefExtra {
  /** Messages posted through a slash command's response_url (the bot is not in that channel). */
  responseUrl?: string;
  /** Who ran the command (long output of response_url messages goes to their DM). */
  userId?: string;
}

interface Edit {
  ref: MessageRef;
  message: ChatMessage;
}

export class SlackAdapter implements ChatAdapter {
  readonly name = ADAPTER;
  readonly limits: { maxTextLength: number; minEditIntervalMs: number };
  readonly mode: 'socket' | 'http';

  readonly #o: SlackAdapterOptions;
  readonly #log: Logger;
  readonly #slashCommand: string;
  readonly #directory: SlackDirectory;
  readonly #edits: EditThrottle<Edit>;
  readonly #uploaded = new Set<string>();
  readonly #events = new Map<string, number>();
  #client: webApi.WebClient;
  #app?: App;
  #socket?: SocketModeReceiver;
  #httpReceiver?: SlackHttpReceiver;
  #handler?: ChatEventHandler;
  #connected = false;
  #botUserId?: string;
  #botId?: string;
  #teamId?: string;

  constructor(options: SlackAdapterOptions) {
    if (!options.botToken) throw new Error('Slack adapter: slack.bot_token (SLACK_BOT_TOKEN) is empty');
    if (!options.appToken && !options.signingSecret)
      throw new Error(
        'Slack adapter: set slack.app_token (SLACK_APP_TOKEN) for Socket Mode, or slack.signing_secret (SLACK_SIGNING_SECRET) for HTTP mode at /slack/events',
      );
    this.#o = options;
    this.#log = options.logger.child({ component: 'slack' });
    this.mode = options.appToken ? 'socket' : 'http';
    this.#slashCommand = normaliseCommand(options.slashCommand ?? '/squall');
    this.limits = {
      maxTextLength: SLACK_LIMITS.codeBudget,
      minEditIntervalMs: options.minEditIntervalMs ?? 1500,
    };
    this.#client = new webApi.WebClient(options.botToken, this.#clientOptions());
    this.#directory = new SlackDirectory(() => this.#client);
    this.#edits = new EditThrottle<Edit>({
      minIntervalMs: this.limits.minEditIntervalMs,
      send: (_key, edit) => this.#sendEdit(edit),
      retryAfterSeconds,
      platform: 'Slack',
      onRateLimited: (key, seconds) =>
        this.#log.info(
          { message: key, retry_after_s: seconds },
          'chat.update rate limited: waiting Retry-After',
        ),
    });
    if (this.mode === 'http') this.#httpReceiver = new SlackHttpReceiver(this.#log);
  }

  /** Options for every WebClient (ours, Bolt's, Socket Mode's): the API URL must reach all of them. */
  #clientOptions(): webApi.WebClientOptions {
    return {
      ...(this.#o.apiUrl ? { slackApiUrl: withTrailingSlash(this.#o.apiUrl) } : {}),
      retryConfig: this.#o.retryConfig ?? DEFAULT_RETRY,
      rejectRateLimitedCalls: true,
      timeout: this.#o.requestTimeoutMs ?? 15_000,
      logger: boltLogger(this.#log),
    };
  }

  /** The receiver the HTTP plugin feeds (HTTP mode only). */
  get httpReceiver(): SlackHttpReceiver | undefined {
    return this.#httpReceiver;
  }

  /** The signing secret the HTTP plugin verifies with (HTTP mode only). */
  get signingSecret(): string | undefined {
    return this.#o.signingSecret;
  }

  /** The bot's own user id (after start). */
  get botUserId(): string | undefined {
    return this.#botUserId;
  }

  connected(): boolean {
    return this.#connected;
  }

  async start(handler: ChatEventHandler): Promise<void> {
    if (this.#app) throw new Error('Slack adapter: already started');
    this.#handler = handler;
    let auth: webApi.AuthTestResponse;
    try {
      auth = await this.#client.auth.test();
    } catch (err) {
      throw new Error(
        `Slack adapter: auth.test failed with slack.bot_token (${describeError(err)}); check SLACK_BOT_TOKEN${
          this.#o.apiUrl ? ` and slack.api_url (${this.#o.apiUrl})` : ''
        }`,
      );
    }
    this.#botUserId = auth.user_id;
    this.#botId = auth.bot_id;
    this.#teamId = auth.team_id;

    const clientOptions = this.#clientOptions();
    const logger = boltLogger(this.#log);
    if (this.#o.appToken)
      this.#socket = new SocketModeReceiver({
        appToken: this.#o.appToken,
        logger,
        installerOptions: { clientOptions },
      });
    const app = new App({
      token: this.#o.botToken,
      // Known from our auth.test: Bolt then makes no second call.
      ...(auth.bot_id ? { botId: auth.bot_id } : {}),
      ...(auth.user_id ? { botUserId: auth.user_id } : {}),
      logger,
      clientOptions,
      ignoreSelf: true,
      convoStore: false,
      ...(this.#socket
        ? { socketMode: true, appToken: this.#o.appToken, receiver: this.#socket }
        : { receiver: this.#httpReceiver }),
    });
    this.#client = app.client;
    this.#register(app);
    this.#app = app;

    if (this.#socket) {
      const client = this.#socket.client;
      client.on('connected', () => {
        this.#connected = true;
      });
      client.on('disconnected', () => {
        this.#connected = false;
      });
      client.on('reconnecting', () => {
        this.#connected = false;
      });
      try {
        await withTimeout(app.start(), this.#o.startTimeoutMs ?? 30_000, 'Socket Mode hello');
      } catch (err) {
        await client.disconnect().catch(() => undefined);
        this.#app = undefined;
        throw new Error(
          `Slack adapter: Socket Mode could not connect (${describeError(err)}); check SLACK_APP_TOKEN (xapp-…, connections:write)`,
        );
      }
    } else await app.start();
    this.#connected = true;
    this.#log.info(
      { mode: this.mode, team_id: this.#teamId, bot_user_id: this.#botUserId },
      'Slack adapter connected',
    );
  }

  async stop(): Promise<void> {
    await this.#edits.stop();
    const app = this.#app;
    this.#app = undefined;
    this.#connected = false;
    if (app) await app.stop().catch((err: unknown) => this.#log.debug({ err: describeError(err) }, 'stop'));
  }

  // ---- incoming ----

  #register(app: App): void {
    // Events API retries (same event_id, Socket Mode or HTTP) never run a command twice.
    app.use(async ({ body, next }) => {
      const eventId = (body as { event_id?: unknown }).event_id;
      if (typeof eventId === 'string' && !this.#firstDelivery(eventId)) {
        this.#log.debug({ event_id: eventId }, 'duplicate Slack event delivery dropped');
        return;
      }
      await next();
    });

    app.command(this.#slashCommand, async ({ ack, command }) => {
      // Acknowledge first (Slack allows 3 s); the execution then lives in a channel message.
      await ack();
      const body = command as unknown as SlashCommandBody;
      this.#directory.sawChannel(body.channel_id, body.channel_name);
      this.#directory.rememberUserName(body.user_id, body.user_name);
      await this.#dispatch(fromSlashCommand(body), this.#slashReplier(body));
    });

    const onEvent = async ({ event, body }: { event: unknown; body: unknown }) => {
      const e = event as MessageEventBody;
      const incoming = fromMessageEvent(e, {
        botUserId: this.#botUserId,
        botId: this.#botId,
        prefix: this.#o.prefix,
        teamId: (body as { team_id?: string }).team_id ?? this.#teamId,
        eventId: (body as { event_id?: string }).event_id,
      });
      if (!incoming) return;
      const userName = await this.#directory.userName(incoming.user.userId);
      if (userName) incoming.user.userName = userName;
      await this.#dispatch(incoming, this.#eventReplier(incoming));
    };
    app.event('app_mention', onEvent);
    app.event('message', onEvent);

    app.action({ type: 'block_actions' }, async ({ ack, body, action }) => {
      await ack();
      await this.#onBlockAction(body as unknown as BlockActionBody, action as unknown as ButtonActionPayload);
    });

    app.error(async (err) => {
      this.#log.warn({ err: scrubSecrets(describeError(err)) }, 'Slack listener failed');
    });
  }

  #firstDelivery(eventId: string): boolean {
    const now = Date.now();
    if (this.#events.size > 10_000) for (const [k, t] of this.#events) if (t < now) this.#events.delete(k);
    const until = this.#events.get(eventId);
    if (until !== undefined && until > now) return false;
    // Slack retries for about 5 minutes after the first delivery.
    this.#events.set(eventId, now + 60 * 60_000);
    return true;
  }

  async #dispatch(message: IncomingMessage, reply: Replier): Promise<void> {
    const handler = this.#handler;
    if (!handler) return;
    try {
      await handler.onMessage(message, reply);
    } catch (err) {
      this.#log.warn(
        { err: describeError(err), channel: message.channel },
        'bot failed to handle a Slack message',
      );
    }
  }

  async #onBlockAction(body: BlockActionBody, action: ButtonActionPayload): Promise<void> {
    const handler = this.#handler;
    if (!handler || body.type !== 'block_actions') return;
    // Authorization uses the CLICKER (user.id + team.id), never the message author or the button value.
    const workspace = body.team?.id ?? body.user.team_id ?? this.#teamId;
    const channel = body.channel?.id ?? body.container?.channel_id ?? '';
    const ts = body.container?.message_ts ?? body.message?.ts;
    const userName = body.user.username ?? body.user.name;
    this.#directory.rememberUserName(body.user.id, userName);
    const responseUrl = body.response_url;
    try {
      await handler.onAction({
        adapter: ADAPTER,
        ...(workspace ? { workspace } : {}),
        channel,
        user: identity(body.user.id, workspace, userName),
        buttonId: action.action_id,
        value: action.value ?? '',
        ...(ts
          ? {
              message: {
                adapter: ADAPTER,
                channel,
                id: ts,
                ...(body.message?.thread_ts ? { threadId: body.message.thread_ts } : {}),
              },
            }
          : {}),
        ...(body.trigger_id ? { deliveryId: body.trigger_id } : {}),
        respondPrivately: async (message) => {
          if (responseUrl)
            await this.#respond(responseUrl, message, { ephemeral: true, userId: body.user.id });
          else if (channel) await this.#postEphemeral(channel, body.user.id, message);
        },
      });
    } catch (err) {
      this.#log.warn({ err: describeError(err), channel }, 'bot failed to handle a Slack button click');
    }
  }

  #slashReplier(body: SlashCommandBody): Replier {
    return {
      post: (message) => this.#postFromSlash(body, message),
      postPrivately: (message) =>
        this.#respond(body.response_url, message, { ephemeral: true, userId: body.user_id }),
    };
  }

  #eventReplier(incoming: IncomingMessage): Replier {
    const threadId = incoming.threadId;
    return {
      post: (message) => this.post(incoming.channel, message, threadId ? { threadId } : undefined),
      postPrivately: async (message) => {
        if (incoming.kind === 'dm')
          await this.post(incoming.channel, message, threadId ? { threadId } : undefined);
        else await this.#postEphemeral(incoming.channel, incoming.user.userId, message, threadId);
      },
    };
  }

  /**
   * A slash command's answer: a channel message (so it can be edited while the execution runs). In a channel the
   * bot has not joined it joins (public channels); where it cannot, the answer goes through response_url.
   */
  async #postFromSlash(body: SlashCommandBody, message: ChatMessage): Promise<MessageRef> {
    try {
      return await this.post(body.channel_id, message);
    } catch (err) {
      const code = platformError(err);
      if (code !== 'not_in_channel' && code !== 'channel_not_found') throw err;
      if (code === 'not_in_channel' && body.channel_id.startsWith('C')) {
        try {
          await this.#client.conversations.join({ channel: body.channel_id });
          return await this.post(body.channel_id, message);
        } catch {
          // fall through to response_url
        }
      }
      await this.#respond(body.response_url, message, { ephemeral: false, userId: body.user_id });
      return {
        adapter: ADAPTER,
        channel: body.channel_id,
        id: `response:${body.trigger_id ?? Date.now()}`,
        extra: { responseUrl: body.response_url, userId: body.user_id } satisfies RefExtra,
      };
    }
  }

  // ---- outgoing ----

  async post(channel: string, message: ChatMessage, options?: { threadId?: string }): Promise<MessageRef> {
    const channelId = await this.#resolveTarget(channel);
    const { payload, overflow } = renderMessage(message);
    const r = await withRetryAfter(() =>
      this.#client.chat.postMessage({
        channel: channelId,
        ...payloadArgs(payload),
        ...(options?.threadId ? { thread_ts: options.threadId } : {}),
        unfurl_links: false,
        unfurl_media: false,
      } as webApi.ChatPostMessageArguments),
    );
    const ts = r.ts ?? '';
    const postedChannel = r.channel ?? channelId;
    await this.#overflow(postedChannel, options?.threadId ?? ts, overflow);
    return {
      adapter: ADAPTER,
      channel: postedChannel,
      id: ts,
      ...(options?.threadId ? { threadId: options.threadId } : {}),
    };
  }

  update(ref: MessageRef, message: ChatMessage): Promise<void> {
    return this.#edits.submit(`${ref.channel}:${ref.id}`, { ref, message });
  }

  async #sendEdit({ ref, message }: Edit): Promise<void> {
    const extra = (ref.extra ?? {}) as RefExtra;
    if (extra.responseUrl) {
      await this.#respond(extra.responseUrl, message, {
        ephemeral: false,
        replace: true,
        userId: extra.userId,
      });
      return;
    }
    const { payload, overflow } = renderMessage(message);
    await this.#client.chat.update({
      channel: ref.channel,
      ts: ref.id,
      text: payload.text,
      // Explicit empties: chat.update keeps the old blocks/attachments otherwise.
      blocks: payload.blocks ?? [],
      attachments: payload.attachments ?? [],
    } as unknown as webApi.ChatUpdateArguments);
    await this.#overflow(ref.channel, ref.threadId ?? ref.id, overflow);
  }

  async postToUser(
    user: ChatIdentity | string,
    message: ChatMessage,
    options?: { channel?: string },
  ): Promise<void> {
    const userId = typeof user === 'string' ? await this.#directory.userId(user) : user.userId;
    const rendered = renderMessage(message);
    if (options?.channel && rendered.overflow.length === 0) {
      const channel = await this.#resolveTarget(options.channel);
      await this.#postEphemeral(channel, userId, message);
      return;
    }
    // A DM (an ephemeral cannot carry a thread for long output).
    const dm = await withRetryAfter(() => this.#client.conversations.open({ users: userId }));
    const channel = dm.channel?.id;
    if (!channel) throw new Error(`Slack: conversations.open returned no DM channel for ${userId}`);
    await this.post(channel, message);
  }

  async #postEphemeral(
    channel: string,
    user: string,
    message: ChatMessage,
    threadTs?: string,
  ): Promise<void> {
    const { payload, overflow } = renderMessage(message);
    if (overflow.length > 0) {
      // An ephemeral cannot carry a file: the long version goes to the user's DM.
      await this.postToUser(user, message);
      return;
    }
    await withRetryAfter(() =>
      this.#client.chat.postEphemeral({
        channel,
        user,
        ...payloadArgs(payload),
        ...(threadTs ? { thread_ts: threadTs } : {}),
      } as webApi.ChatPostEphemeralArguments),
    );
  }

  /** Posts to a response_url (ephemeral answers, messages in channels the bot cannot post to). */
  async #respond(
    url: string,
    message: ChatMessage,
    options: { ephemeral: boolean; replace?: boolean; userId?: string },
  ): Promise<void> {
    const first = renderMessage(message);
    const overflow = first.overflow;
    let payload = first.payload;
    if (overflow.length > 0) {
      // A response_url message cannot carry files: the whole answer goes to the user's DM, and this one says so.
      const note = options.userId
        ? 'the whole text was sent to you as a direct message'
        : `too long for Slack: ${overflow.map((o) => o.filename).join(', ')} could not be attached`;
      if (options.userId) await this.postToUser(options.userId, message);
      else
        this.#log.warn(
          { files: overflow.map((o) => o.filename) },
          'response_url answer too long, no user to DM',
        );
      payload = renderMessage({
        ...message,
        attachment: undefined,
        footer: [message.footer, note].filter(Boolean).join(' · '),
      }).payload;
    }
    const body = {
      ...payloadArgs(payload),
      response_type: options.ephemeral ? 'ephemeral' : 'in_channel',
      ...(options.replace ? { replace_original: true } : { replace_original: false }),
    };
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.#o.requestTimeoutMs ?? 15_000),
      });
      if (res.status === 429 && attempt < 4) {
        await sleep(Number(res.headers.get('retry-after') ?? '1') * 1000);
        continue;
      }
      if (!res.ok) throw new Error(`Slack response_url answered HTTP ${res.status}`);
      return;
    }
  }

  async #resolveTarget(target: string): Promise<string> {
    const t = target.trim();
    if (t.startsWith('@')) {
      const userId = await this.#directory.userId(t);
      const dm = await withRetryAfter(() => this.#client.conversations.open({ users: userId }));
      if (!dm.channel?.id) throw new Error(`Slack: conversations.open returned no DM channel for ${t}`);
      return dm.channel.id;
    }
    if (looksLikeChannelId(t) || /^[UW][A-Z0-9]{2,}$/.test(t)) return t;
    return this.#directory.channelId(t);
  }

  /** Uploads what did not fit into the message's thread, once per content; thread replies when uploads fail. */
  async #overflow(channel: string, threadTs: string, items: Overflow[]): Promise<void> {
    for (const item of items) {
      const key = `${channel}:${threadTs}:${item.filename}:${createHash('sha256').update(item.content).digest('hex')}`;
      if (this.#uploaded.has(key)) continue;
      this.#uploaded.add(key);
      if (this.#uploaded.size > 5000) this.#uploaded.delete(this.#uploaded.values().next().value as string);
      try {
        await this.#uploadFile(channel, threadTs, item);
      } catch (err) {
        this.#log.warn(
          { err: describeError(err), channel },
          'file upload failed (files:write scope?): long output goes to thread replies',
        );
        await this.#threadReplies(channel, threadTs, item);
      }
    }
  }

  async #uploadFile(channel: string, threadTs: string, item: Overflow): Promise<void> {
    const bytes = Buffer.from(item.content, 'utf8');
    const target = await withRetryAfter(() =>
      this.#client.files.getUploadURLExternal({ filename: item.filename, length: bytes.length }),
    );
    if (!target.upload_url || !target.file_id)
      throw new Error('files.getUploadURLExternal returned no upload_url');
    const res = await fetch(target.upload_url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: bytes,
      signal: AbortSignal.timeout(this.#o.requestTimeoutMs ?? 15_000),
    });
    if (!res.ok) throw new Error(`file upload answered HTTP ${res.status}`);
    await withRetryAfter(() =>
      this.#client.files.completeUploadExternal({
        files: [{ id: target.file_id as string, title: item.filename }],
        channel_id: channel,
        thread_ts: threadTs,
        initial_comment: item.comment,
      }),
    );
  }

  /** The whole text as code-block replies in the thread (at most 30; the rest is named, not dropped silently). */
  async #threadReplies(channel: string, threadTs: string, item: Overflow): Promise<void> {
    const perMessage = SLACK_LIMITS.section * 3 - 100;
    const total = Math.ceil(item.content.length / perMessage);
    const shown = Math.min(total, 30);
    for (let i = 0; i < shown; i++) {
      const part = item.content.slice(i * perMessage, (i + 1) * perMessage);
      const rest =
        i === shown - 1 && total > shown
          ? ` (${item.content.length - shown * perMessage} more characters not posted)`
          : '';
      const { payload } = renderMessage({
        text: `${item.filename} part ${i + 1}/${total}${rest}`,
        code: part,
      });
      await withRetryAfter(() =>
        this.#client.chat.postMessage({
          channel,
          thread_ts: threadTs,
          ...payloadArgs(payload),
        } as webApi.ChatPostMessageArguments),
      );
    }
  }
}

function payloadArgs(payload: SlackPayload): Record<string, unknown> {
  return {
    ...(payload.text ? { text: payload.text } : {}),
    ...(payload.blocks ? { blocks: payload.blocks } : {}),
    ...(payload.attachments ? { attachments: payload.attachments } : {}),
  };
}

function normaliseCommand(command: string): string {
  const c = command.trim();
  return c.startsWith('/') ? c : `/${c}`;
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** Slack's error code (`invalid_auth`, `not_in_channel`) when `err` is a platform error. */
export function platformError(err: unknown): string | undefined {
  const data = (err as { data?: { error?: unknown } } | undefined)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

function describeError(err: unknown): string {
  const code = platformError(err);
  if (code) return code;
  const e = err as
    | { message?: string; original?: { message?: string; cause?: { code?: string } } }
    | undefined;
  const cause = e?.original?.cause?.code;
  return scrubSecrets(`${e?.message ?? String(err)}${cause ? ` (${cause})` : ''}`);
}
