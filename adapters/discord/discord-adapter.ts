/**
 * The Discord front door on discord.js v14: the gateway brings messages (prefix in guild channels, mentions,
 * DMs) and interactions (the `/squall` slash command, button clicks); HTTP interactions (POST
 * /discord/interactions, see discord-interactions-plugin.ts) bring the same interactions signed, and both kinds
 * go through ONE path (#onInteraction over raw `APIInteraction`s). Output is REST v10 through the client's REST
 * instance: embeds with a status colour (embeds.ts), edits throttled and coalesced (../shared/edit-throttle.ts) with 429
 * retry_after honoured, what does not fit attached as files.
 */
import { createHash } from 'node:crypto';
import {
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  type Message,
  Partials,
  RateLimitError,
  type RawFile,
} from 'discord.js';
import {
  type APIChatInputApplicationCommandInteraction,
  type APIInteraction,
  type APIInteractionResponse,
  type APIMessage,
  type APIMessageComponentInteraction,
  ApplicationCommandType,
  ComponentType,
  GatewayDispatchEvents,
  InteractionResponseType,
  InteractionType,
  MessageFlags,
  Routes,
} from 'discord-api-types/v10';
import type {
  ChatAdapter,
  ChatButton,
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
import {
  ADAPTER,
  commandOption,
  fromMessage,
  interactionChannel,
  interactionChannelName,
  interactionIdentity,
} from './discord-incoming.ts';
import { DISCORD_LIMITS, type DiscordFile, type DiscordMessageBody, renderMessage } from './embeds.ts';
import { discordPublicKey } from './interaction-signature.ts';

export interface DiscordAdapterOptions {
  /** Bot token. */
  token: string;
  /** Application id (default: the one READY reports). */
  applicationId?: string;
  /** Application public key (hex): enables HTTP interactions at /discord/interactions. */
  publicKey?: string;
  /** REST base URL (default https://discord.com/api); the gateway URL then comes from GET /gateway/bot. */
  apiUrl?: string;
  /** Command prefix for guild channel messages (`!`). */
  prefix: string;
  logger: Logger;
  /** Slash command name (default `squall`). */
  commandName?: string;
  /** Minimum time between two edits of one message (default 1,200 ms; Discord allows about 5 per 5 s). */
  minEditIntervalMs?: number;
  /** Retries of failed REST calls (network resets); 429s are handled separately with retry_after. */
  restRetries?: number;
  /** Per-request timeout in ms (default 15,000). */
  requestTimeoutMs?: number;
  /** How long start() waits for the gateway to be ready (default 30,000 ms). */
  startTimeoutMs?: number;
  /** A button click is acknowledged (deferred update) at the latest after this long (default 2,000 ms; Discord allows 3 s). */
  buttonAckMs?: number;
}

/** Adapter-private data kept in MessageRef.extra: edit through the interaction webhook while its token lives. */
interface RefExtra {
  interaction?: { applicationId: string; token: string; message: string; expiresAt: number };
}

interface Edit {
  ref: MessageRef;
  message: ChatMessage;
}

/** Interaction tokens are valid for 15 minutes; stop using them a little earlier. */
const INTERACTION_TOKEN_MS = 14 * 60_000;

/** How an interaction gets its first (3-second) answer: the REST callback, or the HTTP response body. */
export type InteractionResponder = (response: APIInteractionResponse) => Promise<void>;

export class DiscordAdapter implements ChatAdapter {
  readonly name = ADAPTER;
  readonly limits: { maxTextLength: number; minEditIntervalMs: number };

  readonly #o: DiscordAdapterOptions;
  readonly #log: Logger;
  readonly #commandName: string;
  readonly #edits: EditThrottle<Edit>;
  /** Hash of the files attached to each message, so an unchanged attachment is not uploaded again. */
  readonly #attached = new Map<string, string>();
  readonly #interactions = new Map<string, number>();
  /** Button custom_id → our ChatButton (ids longer than Discord's 100 characters are hashed). */
  readonly #buttons = new Map<string, { id: string; value: string }>();
  readonly #dmChannels = new Map<string, string>();
  #client?: Client;
  #handler?: ChatEventHandler;
  #applicationId?: string;
  #botUserId?: string;

  constructor(options: DiscordAdapterOptions) {
    if (!options.token?.trim()) throw new Error('Discord adapter: discord.token (DISCORD_TOKEN) is empty');
    // A malformed public key is a configuration error now, not a 401 on every interaction later.
    if (options.publicKey) discordPublicKey(options.publicKey);
    this.#o = options;
    this.#log = options.logger.child({ component: 'discord' });
    this.#commandName = (options.commandName ?? 'squall').replace(/^\//, '');
    this.#applicationId = options.applicationId || undefined;
    this.limits = {
      maxTextLength: DISCORD_LIMITS.textBudget,
      minEditIntervalMs: options.minEditIntervalMs ?? 1200,
    };
    this.#edits = new EditThrottle<Edit>({
      minIntervalMs: this.limits.minEditIntervalMs,
      send: (_key, edit) => this.#sendEdit(edit),
      retryAfterSeconds,
      platform: 'Discord',
      onRateLimited: (key, seconds) =>
        this.#log.info(
          { message: key, retry_after_s: seconds },
          'message edit rate limited: waiting retry_after',
        ),
    });
  }

  /** The public key HTTP interactions are verified with (undefined: HTTP interactions are off). */
  get publicKey(): string | undefined {
    return this.#o.publicKey || undefined;
  }

  get applicationId(): string | undefined {
    return this.#applicationId;
  }

  get botUserId(): string | undefined {
    return this.#botUserId;
  }

  /** The discord.js client (after start). */
  get client(): Client | undefined {
    return this.#client;
  }

  connected(): boolean {
    return this.#client?.isReady() ?? false;
  }

  /** True after start(): interactions can be answered over REST even while the gateway reconnects. */
  get started(): boolean {
    return this.#client !== undefined && this.#handler !== undefined;
  }

  #rest() {
    const client = this.#client;
    if (!client) throw new Error('Discord adapter: not started');
    return client.rest;
  }

  async start(handler: ChatEventHandler): Promise<void> {
    if (this.#client) throw new Error('Discord adapter: already started');
    this.#handler = handler;
    const client = new Client({
      intents: [
        GatewayIntentBits.Guilds,
        GatewayIntentBits.GuildMessages,
        GatewayIntentBits.MessageContent,
        GatewayIntentBits.DirectMessages,
      ],
      // DM channels are not in the cache until a message arrives in them.
      partials: [Partials.Channel],
      allowedMentions: { parse: [] },
      rest: {
        ...(this.#o.apiUrl ? { api: normaliseApiUrl(this.#o.apiUrl) } : {}),
        retries: this.#o.restRetries ?? 1,
        timeout: this.#o.requestTimeoutMs ?? 15_000,
        // Edits wait out 429s in our throttle (coalescing newer content); other calls are retried by the
        // REST client after retry_after.
        rejectOnRateLimit: (data) => data.method.toUpperCase() === 'PATCH',
      },
    });
    client.on(Events.MessageCreate, (message) => void this.#onMessage(message));
    client.ws.on(GatewayDispatchEvents.InteractionCreate, (data: APIInteraction) => {
      void this.#onInteraction(data, (response) => this.#callback(data, response));
    });
    client.on(Events.Error, (err) => this.#log.warn({ err: describeError(err) }, 'discord.js client error'));
    client.on(Events.ShardDisconnect, (event) =>
      this.#log.warn({ code: event.code }, 'Discord gateway disconnected and will not reconnect'),
    );
    this.#client = client;
    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    try {
      await withTimeout(
        Promise.all([client.login(this.#o.token), ready]),
        this.#o.startTimeoutMs ?? 30_000,
        'gateway READY',
      );
    } catch (err) {
      this.#client = undefined;
      await client.destroy().catch(() => undefined);
      const reason = describeError(err);
      // Message Content is a privileged intent: the gateway refuses it (4014) until the portal allows it.
      const hint = /disallowed intent/i.test(reason)
        ? 'enable the Message Content intent (Developer Portal → Bot → Privileged Gateway Intents)'
        : `check DISCORD_TOKEN${this.#o.apiUrl ? ` and discord.api_url (${this.#o.apiUrl})` : ''}`;
      throw new Error(`Discord adapter: login failed (${reason}); ${hint}`);
    }
    this.#botUserId = client.user?.id;
    this.#applicationId ??= client.application?.id;
    this.#log.info(
      {
        bot_user_id: this.#botUserId,
        application_id: this.#applicationId,
        guilds: client.guilds.cache.size,
        http_interactions: !!this.publicKey,
      },
      'Discord adapter connected',
    );
  }

  async stop(): Promise<void> {
    await this.#edits.stop();
    const client = this.#client;
    this.#client = undefined;
    if (client)
      await client.destroy().catch((err: unknown) => this.#log.debug({ err: describeError(err) }, 'stop'));
  }

  // ---- incoming: messages ----

  async #onMessage(message: Message): Promise<void> {
    const channel = message.channel as { name?: unknown };
    const incoming = fromMessage(
      {
        id: message.id,
        channelId: message.channelId,
        guildId: message.guildId,
        ...(typeof channel.name === 'string' ? { channelName: channel.name } : {}),
        content: message.content,
        author: { id: message.author.id, username: message.author.username, bot: message.author.bot },
        roleIds: message.member
          ? [...message.member.roles.cache.keys()].filter((id) => id !== message.guildId)
          : undefined,
        webhookId: message.webhookId,
        system: message.system,
      },
      { botUserId: this.#botUserId, prefix: this.#o.prefix },
    );
    if (!incoming) return;
    await this.#dispatch(incoming, this.#messageReplier(incoming, message.guildId));
  }

  #messageReplier(incoming: IncomingMessage, guildId: string | null): Replier {
    const reference = {
      message_id: incoming.messageId as string,
      channel_id: incoming.channel,
      ...(guildId ? { guild_id: guildId } : {}),
      fail_if_not_exists: false,
    };
    return {
      post: (message) => this.#create(incoming.channel, message, { message_reference: reference }),
      postPrivately: async (message) => {
        if (incoming.kind === 'dm') {
          await this.#create(incoming.channel, message, { message_reference: reference });
          return;
        }
        // Channel messages have no ephemeral answers: a DM, or a reply when the user takes no DMs.
        try {
          await this.postToUser(incoming.user, message);
        } catch (err) {
          this.#log.info(
            { err: describeError(err), user: incoming.user.userId },
            'DM refused: answering in the channel',
          );
          await this.#create(incoming.channel, message, { message_reference: reference });
        }
      },
    };
  }

  async #dispatch(message: IncomingMessage, reply: Replier): Promise<void> {
    const handler = this.#handler;
    if (!handler) return;
    try {
      await handler.onMessage(message, reply);
    } catch (err) {
      this.#log.warn(
        { err: describeError(err), channel: message.channel },
        'bot failed to handle a Discord message',
      );
    }
  }

  // ---- incoming: interactions (gateway and HTTP alike) ----

  /** The gateway's way to answer an interaction: POST /interactions/:id/:token/callback. */
  async #callback(interaction: APIInteraction, response: APIInteractionResponse): Promise<void> {
    await this.#rest().post(Routes.interactionCallback(interaction.id, interaction.token), {
      body: response,
      auth: false,
    });
  }

  /**
   * An HTTP interaction (already verified by the plugin): resolves with the body of the HTTP response (PONG,
   * deferred reply, deferred update, ephemeral message). `sent` resolves once that response left, so that the
   * webhook edits that follow reach Discord after it.
   */
  handleHttpInteraction(interaction: APIInteraction, sent?: Promise<void>): Promise<APIInteractionResponse> {
    return new Promise<APIInteractionResponse>((resolve, reject) => {
      let answered = false;
      const respond: InteractionResponder = async (response) => {
        if (answered) throw new Error('Discord interaction answered twice');
        answered = true;
        resolve(response);
        if (sent) await Promise.race([sent, sleep(1000)]);
      };
      this.#onInteraction(interaction, respond).then(
        () => {
          if (!answered) reject(new Error('Discord interaction got no answer'));
        },
        (err: unknown) => {
          if (!answered) reject(err);
        },
      );
    });
  }

  #firstDelivery(id: string): boolean {
    const now = Date.now();
    if (this.#interactions.size > 10_000)
      for (const [k, t] of this.#interactions) if (t < now) this.#interactions.delete(k);
    if (this.#interactions.has(id)) return false;
    this.#interactions.set(id, now + 60 * 60_000);
    return true;
  }

  async #onInteraction(interaction: APIInteraction, respond: InteractionResponder): Promise<void> {
    try {
      if (interaction.type === InteractionType.Ping) {
        await respond({ type: InteractionResponseType.Pong });
        return;
      }
      if (!this.#firstDelivery(interaction.id)) {
        this.#log.debug({ interaction_id: interaction.id }, 'duplicate Discord interaction dropped');
        return;
      }
      if (interaction.type === InteractionType.ApplicationCommand) {
        if (
          interaction.data.type === ApplicationCommandType.ChatInput &&
          interaction.data.name === this.#commandName
        ) {
          await this.#onSlash(interaction as APIChatInputApplicationCommandInteraction, respond);
          return;
        }
        await respond({
          type: InteractionResponseType.ChannelMessageWithSource,
          data: { content: `Unknown command /${interaction.data.name}.`, flags: MessageFlags.Ephemeral },
        });
        return;
      }
      if (interaction.type === InteractionType.MessageComponent) {
        await this.#onComponent(interaction, respond);
        return;
      }
      if (interaction.type === InteractionType.ApplicationCommandAutocomplete) {
        await respond({
          type: InteractionResponseType.ApplicationCommandAutocompleteResult,
          data: { choices: [] },
        });
        return;
      }
      await respond({ type: InteractionResponseType.DeferredMessageUpdate });
    } catch (err) {
      this.#log.warn(
        { err: describeError(err), interaction_id: interaction.id, type: interaction.type },
        'Discord interaction failed',
      );
    }
  }

  /** `/squall command:<text>`: deferred FIRST (Discord allows 3 s), then the bot runs and edits the reply. */
  async #onSlash(
    interaction: APIChatInputApplicationCommandInteraction,
    respond: InteractionResponder,
  ): Promise<void> {
    const user = interactionIdentity(interaction);
    if (!user) {
      await respond({
        type: InteractionResponseType.ChannelMessageWithSource,
        data: { content: 'Squall cannot tell who sent this command.', flags: MessageFlags.Ephemeral },
      });
      return;
    }
    await respond({ type: InteractionResponseType.DeferredChannelMessageWithSource });
    const channel = interactionChannel(interaction);
    const channelName = interactionChannelName(interaction);
    const incoming: IncomingMessage = {
      adapter: ADAPTER,
      kind: 'slash',
      ...(interaction.guild_id ? { workspace: interaction.guild_id } : {}),
      channel,
      ...(channelName ? { channelName } : {}),
      user,
      text: commandOption(interaction.data.options),
      deliveryId: `interaction:${interaction.id}`,
    };
    await this.#dispatch(incoming, this.#interactionReplier(interaction, channel));
  }

  /** Answers after a deferred reply: the first post fills the deferred message, later ones are follow-ups. */
  #interactionReplier(interaction: APIInteraction, channel: string): Replier {
    const applicationId = interaction.application_id;
    const token = interaction.token;
    const expiresAt = Date.now() + INTERACTION_TOKEN_MS;
    let originalUsed = false;
    const refFor = (posted: APIMessage, message: string): MessageRef => ({
      adapter: ADAPTER,
      channel: posted.channel_id ?? channel,
      id: posted.id,
      extra: { interaction: { applicationId, token, message, expiresAt } } satisfies RefExtra,
    });
    return {
      post: async (message) => {
        if (!originalUsed) {
          originalUsed = true;
          const { body, files } = this.#render(message);
          const posted = (await this.#rest().patch(Routes.webhookMessage(applicationId, token, '@original'), {
            ...withFiles(body, files),
            auth: false,
          })) as APIMessage;
          const ref = refFor(posted, '@original');
          this.#attached.set(refKey(ref), filesHash(files));
          return ref;
        }
        const posted = await this.#followUp(interaction, message, false);
        return refFor(posted, posted.id);
      },
      postPrivately: async (message) => {
        if (!originalUsed) {
          // The deferred "thinking…" message is public: it gives way to the private answer.
          originalUsed = true;
          await this.#rest()
            .delete(Routes.webhookMessage(applicationId, token, '@original'), { auth: false })
            .catch((err: unknown) =>
              this.#log.debug({ err: describeError(err) }, 'deferred reply not deleted'),
            );
        }
        await this.#followUp(interaction, message, true);
      },
    };
  }

  async #followUp(
    interaction: APIInteraction,
    message: ChatMessage,
    ephemeral: boolean,
  ): Promise<APIMessage> {
    const { body, files } = this.#render(message);
    return (await this.#rest().post(Routes.webhook(interaction.application_id, interaction.token), {
      ...withFiles(ephemeral ? { ...body, flags: MessageFlags.Ephemeral } : body, files),
      auth: false,
    })) as APIMessage;
  }

  /**
   * A button click. Authorization is the bot's, on the CLICKER (guild + user + roles), never the message or the
   * custom_id. The click is answered with an ephemeral message when the bot answers privately in time, else
   * with a deferred update (the bot then edits the prompt itself).
   */
  async #onComponent(
    interaction: APIMessageComponentInteraction,
    respond: InteractionResponder,
  ): Promise<void> {
    const handler = this.#handler;
    const user = interactionIdentity(interaction);
    if (!handler || !user || interaction.data.component_type !== ComponentType.Button) {
      await respond({ type: InteractionResponseType.DeferredMessageUpdate });
      return;
    }
    let acked = false;
    const ack = async () => {
      if (acked) return;
      acked = true;
      await respond({ type: InteractionResponseType.DeferredMessageUpdate });
    };
    const timer = setTimeout(() => {
      ack().catch((err: unknown) =>
        this.#log.warn({ err: describeError(err) }, 'button click not acknowledged'),
      );
    }, this.#o.buttonAckMs ?? 2000);
    const channel = interactionChannel(interaction);
    const button = this.#buttons.get(interaction.data.custom_id);
    try {
      await handler.onAction({
        adapter: ADAPTER,
        ...(interaction.guild_id ? { workspace: interaction.guild_id } : {}),
        channel,
        user,
        buttonId: button?.id ?? interaction.data.custom_id,
        value: button?.value ?? '',
        message: {
          adapter: ADAPTER,
          channel: interaction.message.channel_id ?? channel,
          id: interaction.message.id,
        },
        deliveryId: `interaction:${interaction.id}`,
        respondPrivately: async (message) => {
          const { body, files } = this.#render(message);
          if (!acked && files.length === 0) {
            acked = true;
            clearTimeout(timer);
            await respond({
              type: InteractionResponseType.ChannelMessageWithSource,
              data: { ...body, flags: MessageFlags.Ephemeral },
            });
            return;
          }
          await ack();
          await this.#followUp(interaction, message, true);
        },
      });
    } catch (err) {
      this.#log.warn({ err: describeError(err), channel }, 'bot failed to handle a Discord button click');
    } finally {
      clearTimeout(timer);
      await ack();
    }
  }

  // ---- outgoing ----

  /** Renders with button ids Discord can carry, remembering them for the click. */
  #render(message: ChatMessage): { body: DiscordMessageBody; files: DiscordFile[] } {
    return renderMessage(message, (b) => this.#customId(b));
  }

  #customId(button: ChatButton): string {
    const id =
      button.id.length <= DISCORD_LIMITS.customId
        ? button.id
        : `sq:${createHash('sha256').update(button.id).digest('base64url').slice(0, 43)}`;
    this.#buttons.delete(id);
    this.#buttons.set(id, { id: button.id, value: button.value });
    if (this.#buttons.size > 5000) this.#buttons.delete(this.#buttons.keys().next().value as string);
    return id;
  }

  async post(channel: string, message: ChatMessage, options?: { threadId?: string }): Promise<MessageRef> {
    // Discord threads are channels: a thread id is where the message goes.
    const target = options?.threadId ?? (await this.#resolveChannel(channel));
    return this.#create(target, message);
  }

  async #create(
    channelId: string,
    message: ChatMessage,
    extra: Record<string, unknown> = {},
  ): Promise<MessageRef> {
    const { body, files } = this.#render(message);
    const posted = (await this.#rest().post(Routes.channelMessages(channelId), {
      ...withFiles({ ...body, ...extra }, files),
    })) as APIMessage;
    const ref: MessageRef = { adapter: ADAPTER, channel: posted.channel_id ?? channelId, id: posted.id };
    this.#attached.set(refKey(ref), filesHash(files));
    return ref;
  }

  update(ref: MessageRef, message: ChatMessage): Promise<void> {
    return this.#edits.submit(refKey(ref), { ref, message });
  }

  async #sendEdit({ ref, message }: Edit): Promise<void> {
    const { body, files } = this.#render(message);
    const key = refKey(ref);
    const hash = filesHash(files);
    // Unchanged files stay as they are (no `attachments` field); changed ones replace the old set.
    const same = this.#attached.get(key) === hash;
    const request = same ? { body } : withFiles(body, files);
    const hook = (ref.extra as RefExtra | undefined)?.interaction;
    if (hook && hook.expiresAt > Date.now()) {
      try {
        await this.#rest().patch(Routes.webhookMessage(hook.applicationId, hook.token, hook.message), {
          ...request,
          auth: false,
        });
        this.#attached.set(key, hash);
        return;
      } catch (err) {
        // An expired or unknown interaction token: the bot may still edit its own message.
        if (!(err instanceof DiscordAPIError) || ![401, 404].includes(err.status)) throw err;
      }
    }
    await this.#rest().patch(Routes.channelMessage(ref.channel, ref.id), request);
    this.#attached.set(key, hash);
  }

  async postToUser(
    user: ChatIdentity | string,
    message: ChatMessage,
    _options?: { channel?: string },
  ): Promise<void> {
    // Discord has no ephemeral messages outside interactions: a whisper is a DM.
    const userId = typeof user === 'string' ? this.#resolveUser(user) : user.userId;
    const channel = await this.#dmChannel(userId);
    await this.#create(channel, message);
  }

  async #dmChannel(userId: string): Promise<string> {
    const known = this.#dmChannels.get(userId);
    if (known) return known;
    const dm = (await this.#rest().post(Routes.userChannels(), { body: { recipient_id: userId } })) as {
      id: string;
    };
    this.#dmChannels.set(userId, dm.id);
    return dm.id;
  }

  /** A snowflake, `<@id>`, an identity key (`discord:G:U`, `discord:U`) or a user name seen by the bot. */
  #resolveUser(ref: string): string {
    const t = ref.trim();
    const mention = /^<@!?(\d+)>$/.exec(t);
    if (mention) return mention[1] as string;
    const last = t.includes(':') ? (t.split(':').pop() ?? t) : t;
    const bare = last.replace(/^@/, '');
    if (/^\d{5,21}$/.test(bare)) return bare;
    const name = bare.toLowerCase();
    const found = this.#client?.users.cache.find(
      (u) => u.username.toLowerCase() === name || u.globalName?.toLowerCase() === name,
    );
    if (!found) throw new Error(`Discord: no user named "@${name}" seen by the bot (use the user id)`);
    return found.id;
  }

  /** A channel id, `<#id>`, `#name` or `name` (guild channel cache), or `@user` (their DM). */
  async #resolveChannel(target: string): Promise<string> {
    const t = target.trim();
    const link = /^<#(\d+)>$/.exec(t);
    if (link) return link[1] as string;
    if (/^\d{5,21}$/.test(t)) return t;
    if (t.startsWith('@') || t.startsWith('<@')) return this.#dmChannel(this.#resolveUser(t));
    const name = t.replace(/^#/, '').toLowerCase();
    const client = this.#client;
    if (!client) throw new Error('Discord adapter: not started');
    const matches = [...client.channels.cache.values()].filter(
      (c) =>
        !c.isDMBased() &&
        c.isTextBased() &&
        'name' in c &&
        typeof c.name === 'string' &&
        c.name.toLowerCase() === name,
    );
    if (matches.length === 1) return (matches[0] as { id: string }).id;
    if (matches.length === 0)
      throw new Error(`Discord: no text channel named "#${name}" in the bot's guilds`);
    const guilds = matches.map((c) => ('guildId' in c ? String(c.guildId) : '?')).join(', ');
    throw new Error(`Discord: "#${name}" exists in several guilds (${guilds}): use the channel id`);
  }
}

function refKey(ref: MessageRef): string {
  return `${ref.channel}:${ref.id}`;
}

function filesHash(files: DiscordFile[]): string {
  if (files.length === 0) return '';
  const h = createHash('sha256');
  for (const f of files) h.update(f.filename).update('\0').update(f.content).update('\0');
  return h.digest('hex');
}

/** A REST request with files: `attachments` names them (and, on edits, replaces the previous set). */
function withFiles(body: object, files: DiscordFile[]): { body: object; files?: RawFile[] } {
  if (files.length === 0) return { body: { ...body, attachments: [] } };
  return {
    body: { ...body, attachments: files.map((f, i) => ({ id: i, filename: f.filename })) },
    files: files.map((f) => ({
      name: f.filename,
      data: Buffer.from(f.content, 'utf8'),
      contentType: 'text/plain; charset=utf-8',
    })),
  };
}

/** `http://host/api`, also accepting a trailing `/` or `/v10` (discord.js appends the version). */
export function normaliseApiUrl(url: string): string {
  return url
    .trim()
    .replace(/\/+$/, '')
    .replace(/\/v\d+$/, '');
}

/** Seconds to wait when `err` is a rate-limit answer (a 429 or a bucket known to be empty). */
export function retryAfterSeconds(err: unknown): number | undefined {
  if (!(err instanceof RateLimitError)) return undefined;
  const ms = err.retryAfter > 0 ? err.retryAfter : err.timeToReset;
  return Math.max(0, ms) / 1000;
}

export function describeError(err: unknown): string {
  if (err instanceof DiscordAPIError) return `HTTP ${err.status} ${err.code}: ${err.message}`;
  const e = err as { message?: string; code?: unknown; cause?: { code?: string } } | undefined;
  const cause = e?.cause?.code;
  const message = e?.message ?? String(err);
  // discord.js puts the token nowhere in its messages; strip anything that looks like one anyway.
  return `${message}${cause ? ` (${cause})` : ''}`.replace(/[\w-]{24,}\.[\w-]{6}\.[\w-]{27,}/g, '[token]');
}
