/**
 * A fake Discord on 127.0.0.1 speaking the real wire protocols, so tests drive the real discord.js client with
 * only `rest.api` changed: REST v10 (`/api/v10/...`, JSON or multipart with `payload_json` + `files[n]`) and a
 * gateway websocket (HELLO → IDENTIFY → READY → GUILD_CREATE, heartbeats ACKed, dispatches on demand), whose
 * URL the client learns from `GET /gateway/bot`. Every REST call is recorded; `waitFor` re-checks on change.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type APIActionRowComponent,
  type APIComponentInMessageActionRow,
  type APIEmbed,
  type APIGuild,
  type APIInteraction,
  type APIInteractionResponse,
  type APIMessage,
  type APIMessageReference,
  type APIRole,
  type ApplicationFlags,
  ChannelType,
  GatewayDispatchEvents,
  type GatewayGuildCreateDispatchData,
  type GatewayIdentifyData,
  GatewayOpcodes,
  type GatewayReadyDispatchData,
  type GuildSystemChannelFlags,
  InteractionResponseType,
  MessageFlags,
  MessageType,
  type RoleFlags,
} from 'discord-api-types/v10';
import { type WebSocket, WebSocketServer } from 'ws';
import { apiUser, type FakeUserRef, snowflake } from './payloads.ts';

export interface RestCall {
  method: string;
  /** Decoded path after `/api/v10` (`/webhooks/1/tok/messages/@original`). */
  path: string;
  query: Record<string, string>;
  /** JSON body, or `payload_json` of a multipart body. */
  body: Record<string, unknown>;
  files: FakeFile[];
  /** The Authorization header (`Bot <token>`), if any. */
  auth?: string;
  status: number;
  response?: unknown;
}

export interface FakeFile {
  field: string;
  name: string;
  content: string;
}

export interface FakeMessage {
  id: string;
  channel_id: string;
  content: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIComponentInMessageActionRow>[];
  files: FakeFile[];
  flags: number;
  message_reference?: Record<string, unknown>;
  /** Interaction id when the message is an interaction response or follow-up. */
  interaction?: string;
  deleted?: boolean;
  /** Every version (the post, then each edit), oldest first. */
  history: Array<Pick<FakeMessage, 'content' | 'embeds' | 'components'> & { files: string[] }>;
}

export interface FakeChannel {
  id: string;
  name: string;
  type?: ChannelType.GuildText;
}

export interface FakeGuild {
  id: string;
  name: string;
  channels: FakeChannel[];
  roles: Array<{ id: string; name: string }>;
}

export interface FakeInteraction {
  interaction: APIInteraction;
  /** Initial responses (REST callback or the HTTP answer). */
  responses: APIInteractionResponse[];
  /** Delivered over HTTP: edits wait until the HTTP answer is in (as Discord processes it first). */
  http: boolean;
  original?: string;
  followups: string[];
}

export interface FakeDiscordOptions {
  token?: string;
  applicationId?: string;
  botUser?: FakeUserRef;
  guilds?: FakeGuild[];
  /** Gateway heartbeat interval (default 45 s: no heartbeat during most tests). */
  heartbeatIntervalMs?: number;
  /** Privileged intents the application may use (default all); others close IDENTIFY with 4014. */
  allowedIntents?: number;
}

type Override = (call: {
  method: string;
  path: string;
  body: Record<string, unknown>;
}) => { status: number; body?: unknown; headers?: Record<string, string> } | undefined;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export class FakeDiscord {
  readonly calls: RestCall[] = [];
  readonly messages = new Map<string, FakeMessage>();
  readonly interactions = new Map<string, FakeInteraction>();
  readonly commands: Array<{ guildId?: string; body: Record<string, unknown> }> = [];
  readonly identifies: GatewayIdentifyData[] = [];
  /** Heartbeats received (each answered with op 11). */
  heartbeats = 0;
  readonly dmChannels = new Map<string, string>();

  readonly token: string;
  readonly applicationId: string;
  readonly botUser: FakeUserRef;
  readonly guilds: FakeGuild[];

  readonly #server: Server;
  readonly #wss: WebSocketServer;
  readonly #sockets = new Set<WebSocket>();
  readonly #ready = new Set<WebSocket>();
  readonly #overrides: Array<{ method: string; path: RegExp; fn: Override }> = [];
  readonly #waiters = new Set<() => void>();
  readonly #heartbeatMs: number;
  readonly #allowedIntents: number;
  #seq = 0;
  #port = 0;

  private constructor(options: FakeDiscordOptions) {
    this.token = options.token ?? 'fake-bot-token.discord.test';
    this.applicationId = options.applicationId ?? '1100000000000000001';
    this.botUser = options.botUser ?? { id: '1100000000000000002', username: 'squall', bot: true };
    this.guilds = options.guilds ?? [
      {
        id: '1200000000000000001',
        name: 'Ops Guild',
        channels: [
          { id: '1210000000000000001', name: 'general' },
          { id: '1210000000000000002', name: 'ops' },
          { id: '1210000000000000003', name: 'alerts' },
        ],
        roles: [
          { id: '1220000000000000001', name: 'operators' },
          { id: '1220000000000000002', name: 'viewers' },
        ],
      },
    ];
    this.#heartbeatMs = options.heartbeatIntervalMs ?? 45_000;
    this.#allowedIntents = options.allowedIntents ?? 0xffffffff;
    this.#server = createServer((req, res) => {
      void this.#route(req, res).catch((err: unknown) => {
        const e = err instanceof HttpError ? err : new HttpError(500, 0, String(err));
        if (!res.headersSent) json(res, e.status, { message: e.message, code: e.code });
      });
    });
    this.#wss = new WebSocketServer({ noServer: true });
    this.#server.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/gateway')) {
        socket.destroy();
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onSocket(ws));
    });
  }

  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const fake = new FakeDiscord(options);
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.#port = (fake.#server.address() as AddressInfo).port;
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** What production reads from DISCORD_API_URL (discord.js appends `/v10`). */
  get apiUrl(): string {
    return `${this.baseUrl}/api`;
  }

  get guild(): FakeGuild {
    return this.guilds[0] as FakeGuild;
  }

  /** A channel id of the first guild by name. */
  channel(name: string): string {
    const c = this.guilds.flatMap((g) => g.channels).find((x) => x.name === name);
    if (!c) throw new Error(`FakeDiscord: no channel ${name}`);
    return c.id;
  }

  role(name: string): string {
    const r = this.guilds.flatMap((g) => g.roles).find((x) => x.name === name);
    if (!r) throw new Error(`FakeDiscord: no role ${name}`);
    return r.id;
  }

  async close(): Promise<void> {
    for (const ws of this.#sockets) ws.terminate();
    this.#wss.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // ---- configuring answers ----

  /** Answers `method path` with `fn` while it returns an answer (first registered wins). */
  on(method: string, path: RegExp, fn: Override): () => void {
    const entry = { method: method.toUpperCase(), path, fn };
    this.#overrides.push(entry);
    return () => {
      const i = this.#overrides.indexOf(entry);
      if (i >= 0) this.#overrides.splice(i, 1);
    };
  }

  /** The next `times` calls of `method path` get HTTP 429 with retry_after (header and body, as Discord). */
  rateLimit(method: string, path: RegExp, retryAfterSeconds: number, times = 1): void {
    let left = times;
    const off = this.on(method, path, () => {
      if (left <= 0) return undefined;
      left -= 1;
      if (left === 0) queueMicrotask(off);
      return {
        status: 429,
        headers: { 'retry-after': String(retryAfterSeconds), 'x-ratelimit-scope': 'user' },
        body: { message: 'You are being rate limited.', retry_after: retryAfterSeconds, global: false },
      };
    });
  }

  // ---- observing ----

  callsTo(method: string, path: RegExp): RestCall[] {
    return this.calls.filter((c) => c.method === method.toUpperCase() && path.test(c.path));
  }

  messagesIn(channelId: string): FakeMessage[] {
    return [...this.messages.values()].filter((m) => m.channel_id === channelId && !m.deleted);
  }

  /** Resolves with the first value `pred` returns truthy for, re-checking after every change (and every 25 ms). */
  async waitFor<T>(
    pred: (fake: FakeDiscord) => T | undefined | false | null,
    timeoutMs = 10_000,
  ): Promise<T> {
    const first = pred(this);
    if (first) return first;
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        let value: T | undefined | false | null;
        try {
          value = pred(this);
        } catch (err) {
          cleanup();
          reject(err);
          return;
        }
        if (value) {
          cleanup();
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `FakeDiscord.waitFor: condition not met within ${timeoutMs} ms; calls: ${this.#summary()}`,
          ),
        );
      }, timeoutMs);
      // Also polled: predicates may read state outside the fake (handler records, engine state).
      const poll = setInterval(check, 25);
      const cleanup = () => {
        clearTimeout(timer);
        clearInterval(poll);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
    });
  }

  /** All visible text of a message (content, embed title/description/fields/footer, button labels). */
  static textOf(
    message: Partial<Pick<FakeMessage, 'content' | 'embeds' | 'components'>> | undefined,
  ): string {
    if (!message) return '';
    const parts: string[] = [message.content ?? ''];
    for (const e of message.embeds ?? []) {
      parts.push(e.title ?? '', e.description ?? '');
      for (const f of e.fields ?? []) parts.push(f.name, f.value);
      parts.push(e.footer?.text ?? '');
    }
    for (const row of message.components ?? [])
      for (const c of row.components) if ('label' in c && c.label) parts.push(c.label);
    return parts.filter(Boolean).join('\n');
  }

  /** The message as the REST API returns it (also what a button interaction carries). */
  apiMessage(id: string): APIMessage {
    const m = this.messages.get(id);
    if (!m) throw new Error(`FakeDiscord: no message ${id}`);
    return {
      id: m.id,
      channel_id: m.channel_id,
      author: apiUser(this.botUser),
      content: m.content,
      timestamp: new Date().toISOString(),
      edited_timestamp: m.history.length > 1 ? new Date().toISOString() : null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: m.files.map((f, i) => ({
        id: `${m.id}${i}`,
        filename: f.name,
        size: Buffer.byteLength(f.content),
        url: `${this.baseUrl}/attachments/${m.id}/${i}/${f.name}`,
        proxy_url: `${this.baseUrl}/attachments/${m.id}/${i}/${f.name}`,
      })),
      embeds: m.embeds,
      components: m.components,
      pinned: false,
      type: m.message_reference ? MessageType.Reply : MessageType.Default,
      flags: m.flags,
      ...(m.message_reference
        ? { message_reference: m.message_reference as unknown as APIMessageReference }
        : {}),
    };
  }

  #changed(): void {
    for (const check of [...this.#waiters]) check();
  }

  #summary(): string {
    return this.calls
      .slice(-20)
      .map((c) => `${c.method} ${c.path} (${c.status})`)
      .join(', ');
  }

  // ---- gateway ----

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.#port}/gateway`;
  }

  /** True once a client got READY and its guilds. */
  get gatewayReady(): boolean {
    return [...this.#ready].some((ws) => ws.readyState === ws.OPEN);
  }

  #send(ws: WebSocket, payload: Record<string, unknown>): void {
    ws.send(JSON.stringify(payload));
  }

  #onSocket(ws: WebSocket): void {
    this.#sockets.add(ws);
    ws.on('message', (data) => {
      let packet: { op: number; d: unknown };
      try {
        packet = JSON.parse(String(data)) as { op: number; d: unknown };
      } catch {
        return;
      }
      this.#onPacket(ws, packet);
    });
    ws.on('close', () => {
      this.#sockets.delete(ws);
      this.#ready.delete(ws);
      this.#changed();
    });
    this.#send(ws, {
      op: GatewayOpcodes.Hello,
      d: { heartbeat_interval: this.#heartbeatMs },
      s: null,
      t: null,
    });
  }

  #onPacket(ws: WebSocket, packet: { op: number; d: unknown }): void {
    if (packet.op === GatewayOpcodes.Heartbeat) {
      this.heartbeats += 1;
      this.#send(ws, { op: GatewayOpcodes.HeartbeatAck, d: null, s: null, t: null });
      this.#changed();
      return;
    }
    if (packet.op !== GatewayOpcodes.Identify) return;
    const identify = packet.d as GatewayIdentifyData;
    this.identifies.push(identify);
    if (identify.token !== this.token) {
      ws.close(4004, 'Authentication failed.');
      return;
    }
    if ((identify.intents & ~this.#allowedIntents) !== 0) {
      ws.close(4014, 'Disallowed intent(s).');
      return;
    }
    const ready: GatewayReadyDispatchData = {
      v: 10,
      user: { ...apiUser(this.botUser), bot: true },
      guilds: this.guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: randomUUID().replace(/-/g, ''),
      resume_gateway_url: this.gatewayUrl,
      shard: [0, 1],
      application: { id: this.applicationId, flags: 0 as ApplicationFlags, flags_new: '0' },
    };
    this.#dispatchTo(ws, GatewayDispatchEvents.Ready, ready);
    for (const g of this.guilds)
      this.#dispatchTo(ws, GatewayDispatchEvents.GuildCreate, this.#guildCreate(g));
    this.#ready.add(ws);
    this.#changed();
  }

  #guildCreate(g: FakeGuild): GatewayGuildCreateDispatchData {
    const role = (id: string, name: string, position: number): APIRole => ({
      id,
      name,
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      position,
      permissions: '0',
      managed: false,
      mentionable: false,
      flags: 0 as RoleFlags,
    });
    const guild: APIGuild = {
      id: g.id,
      name: g.name,
      icon: null,
      splash: null,
      discovery_splash: null,
      owner_id: '1000000000000000001',
      region: 'us-west',
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [role(g.id, '@everyone', 0), ...g.roles.map((r, i) => role(r.id, r.name, i + 1))],
      emojis: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: null,
      system_channel_flags: 0 as GuildSystemChannelFlags,
      rules_channel_id: null,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      preferred_locale: 'en-US' as APIGuild['preferred_locale'],
      public_updates_channel_id: null,
      nsfw_level: 0,
      stickers: [],
      premium_progress_bar_enabled: false,
      hub_type: null,
      safety_alerts_channel_id: null,
      incidents_data: null,
    };
    return {
      ...guild,
      joined_at: '2024-01-01T00:00:00.000Z',
      large: false,
      unavailable: false,
      member_count: 3,
      voice_states: [],
      members: [],
      channels: g.channels.map((c, i) => ({
        id: c.id,
        type: ChannelType.GuildText,
        name: c.name,
        guild_id: g.id,
        position: i,
        permission_overwrites: [],
        nsfw: false,
        parent_id: null,
        topic: null,
        last_message_id: null,
        rate_limit_per_user: 0,
        flags: 0,
      })),
      threads: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    } as unknown as GatewayGuildCreateDispatchData;
  }

  #dispatchTo(ws: WebSocket, t: string, d: unknown): void {
    this.#seq += 1;
    this.#send(ws, { op: GatewayOpcodes.Dispatch, t, s: this.#seq, d });
  }

  /** Sends a dispatch (MESSAGE_CREATE, INTERACTION_CREATE, ...) to every ready client. */
  async dispatch(t: string, d: unknown): Promise<void> {
    await this.waitFor((f) => f.gatewayReady);
    for (const ws of this.#ready) if (ws.readyState === ws.OPEN) this.#dispatchTo(ws, t, d);
  }

  /** Registers an interaction (so its token works) and dispatches it as INTERACTION_CREATE. */
  async sendInteraction(interaction: APIInteraction): Promise<FakeInteraction> {
    const record = this.#register(interaction, false);
    await this.dispatch(GatewayDispatchEvents.InteractionCreate, interaction);
    return record;
  }

  /**
   * Delivers an interaction over HTTP as Discord does: `post` sends the (signed) request to the app and returns
   * its answer; a 200 answer is recorded as the interaction's initial response.
   */
  async deliverHttpInteraction(
    interaction: APIInteraction,
    post: () => Promise<{ status: number; body: unknown }>,
  ): Promise<{ status: number; body: unknown; record: FakeInteraction }> {
    const record = this.#register(interaction, true);
    const answer = await post();
    if (answer.status === 200 && answer.body && typeof answer.body === 'object')
      this.#respond(record, answer.body as APIInteractionResponse);
    return { ...answer, record };
  }

  #register(interaction: APIInteraction, http: boolean): FakeInteraction {
    // A redelivery (same token) is the same interaction.
    const known = this.interactions.get(interaction.token);
    if (known) return known;
    const record: FakeInteraction = { interaction, responses: [], http, followups: [] };
    this.interactions.set(interaction.token, record);
    return record;
  }

  /** The interaction's initial response (callback type 4/5 create the "original" message). */
  #respond(record: FakeInteraction, response: APIInteractionResponse): void {
    if (record.responses.length > 0 && response.type !== InteractionResponseType.Pong)
      throw new HttpError(400, 40060, 'Interaction has already been acknowledged.');
    record.responses.push(response);
    const channel = record.interaction.channel_id ?? record.interaction.channel?.id ?? '';
    if (
      response.type === InteractionResponseType.ChannelMessageWithSource ||
      response.type === InteractionResponseType.DeferredChannelMessageWithSource
    ) {
      const data = (response.data ?? {}) as Record<string, unknown>;
      const flags =
        Number(data.flags ?? 0) |
        (response.type === InteractionResponseType.DeferredChannelMessageWithSource
          ? MessageFlags.Loading
          : 0);
      const m = this.#store(channel, { ...data, flags }, [], record.interaction.id);
      record.original = m.id;
    }
    if (response.type === InteractionResponseType.UpdateMessage && record.interaction.message) {
      const m = this.messages.get(record.interaction.message.id);
      if (m) this.#edit(m, (response.data ?? {}) as Record<string, unknown>, []);
    }
    this.#changed();
  }

  // ---- REST ----

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const raw = await readBody(req);
    if (!url.pathname.startsWith('/api/v10/')) throw new HttpError(404, 0, '404: Not Found');
    const path = decodeURIComponent(url.pathname.slice('/api/v10'.length));
    const method = (req.method ?? 'GET').toUpperCase();
    const { body, files } = await parseBody(req.headers['content-type'], raw);
    const call: RestCall = {
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      body,
      files,
      ...(req.headers.authorization ? { auth: req.headers.authorization } : {}),
      status: 0,
    };
    this.calls.push(call);
    let status = 200;
    let headers: Record<string, string> = {};
    let answer: unknown;
    const override = this.#overrides
      .find((o) => o.method === method && o.path.test(path))
      ?.fn({ method, path, body });
    try {
      if (override) {
        status = override.status;
        headers = override.headers ?? {};
        answer = override.body;
      } else answer = await this.#default(method, path, body, files, req.headers.authorization);
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError(500, 0, String(err));
      status = e.status;
      answer = { message: e.message, code: e.code };
    }
    call.status = answer === undefined && status === 200 ? 204 : status;
    call.response = answer;
    res.statusCode = call.status;
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    // A 204 carries no content-type: discord.js would parse an empty JSON body otherwise.
    if (call.status === 204) res.end();
    else {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer ?? {}));
    }
    this.#changed();
  }

  #requireBot(auth: string | undefined): void {
    if (auth !== `Bot ${this.token}`) throw new HttpError(401, 0, '401: Unauthorized');
  }

  #interaction(token: string, applicationId?: string): FakeInteraction {
    const record = this.interactions.get(token);
    if (!record || (applicationId && applicationId !== this.applicationId))
      throw new HttpError(404, 10015, 'Unknown Webhook');
    return record;
  }

  /** Waits (as Discord would have processed it first) for the HTTP answer of an HTTP interaction. */
  async #answered(record: FakeInteraction): Promise<void> {
    if (!record.http || record.responses.length > 0) return;
    await this.waitFor(() => record.responses.length > 0, 5000).catch(() => {
      throw new HttpError(404, 10062, 'Unknown interaction');
    });
  }

  async #default(
    method: string,
    path: string,
    body: Record<string, unknown>,
    files: FakeFile[],
    auth: string | undefined,
  ): Promise<unknown> {
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/gateway/bot') {
      this.#requireBot(auth);
      return {
        url: this.gatewayUrl,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 },
      };
    }
    if (method === 'GET' && path === '/gateway') return { url: this.gatewayUrl };
    if (method === 'GET' && path === '/users/@me') {
      this.#requireBot(auth);
      return { ...apiUser(this.botUser), bot: true };
    }
    if (method === 'GET' && (path === '/applications/@me' || path === '/oauth2/applications/@me')) {
      this.#requireBot(auth);
      return { id: this.applicationId, name: 'Squall', bot_public: false, verify_key: '', flags: 0 };
    }
    m = /^\/channels\/(\d+)\/messages$/.exec(path);
    if (m && method === 'POST') {
      this.#requireBot(auth);
      const channel = m[1] as string;
      if (!this.#knownChannel(channel)) throw new HttpError(404, 10003, 'Unknown Channel');
      return this.apiMessage(this.#store(channel, body, files).id);
    }
    m = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(path);
    if (m) {
      this.#requireBot(auth);
      const message = this.messages.get(m[2] as string);
      if (!message || message.channel_id !== m[1] || message.deleted)
        throw new HttpError(404, 10008, 'Unknown Message');
      if (method === 'PATCH') this.#edit(message, body, files);
      if (method === 'DELETE') {
        message.deleted = true;
        return undefined;
      }
      return this.apiMessage(message.id);
    }
    if (path === '/users/@me/channels' && method === 'POST') {
      this.#requireBot(auth);
      const user = String(body.recipient_id ?? '');
      if (!/^\d+$/.test(user)) throw new HttpError(400, 50035, 'Invalid Form Body');
      let id = this.dmChannels.get(user);
      if (!id) {
        id = snowflake();
        this.dmChannels.set(user, id);
      }
      return { id, type: ChannelType.DM, recipients: [{ id: user, username: user, discriminator: '0' }] };
    }
    m = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path);
    if (m && method === 'POST') {
      const record = this.interactions.get(m[2] as string);
      if (!record || record.interaction.id !== m[1]) throw new HttpError(404, 10062, 'Unknown interaction');
      this.#respond(record, body as unknown as APIInteractionResponse);
      return undefined;
    }
    m = /^\/webhooks\/(\d+)\/([^/]+)\/messages\/(@original|\d+)$/.exec(path);
    if (m) {
      const record = this.#interaction(m[2] as string, m[1]);
      await this.#answered(record);
      const id = m[3] === '@original' ? record.original : m[3];
      const message = id ? this.messages.get(id) : undefined;
      if (!message || message.deleted) throw new HttpError(404, 10008, 'Unknown Message');
      if (method === 'DELETE') {
        message.deleted = true;
        return undefined;
      }
      if (method === 'PATCH') this.#edit(message, body, files);
      return this.apiMessage(message.id);
    }
    m = /^\/webhooks\/(\d+)\/([^/]+)$/.exec(path);
    if (m && method === 'POST') {
      const record = this.#interaction(m[2] as string, m[1]);
      await this.#answered(record);
      if (record.responses.length === 0) throw new HttpError(404, 10062, 'Unknown interaction');
      const channel = record.interaction.channel_id ?? '';
      const message = this.#store(channel, body, files, record.interaction.id);
      record.followups.push(message.id);
      return this.apiMessage(message.id);
    }
    m = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(path);
    if (m) {
      this.#requireBot(auth);
      if (m[1] !== this.applicationId) throw new HttpError(403, 50001, 'Missing Access');
      const guildId = m[2];
      if (method === 'GET') return this.commands.filter((c) => c.guildId === guildId).map((c) => c.body);
      const list = method === 'PUT' ? (body as unknown as Array<Record<string, unknown>>) : [body];
      if (method === 'PUT')
        for (let i = this.commands.length - 1; i >= 0; i--)
          if (this.commands[i]?.guildId === guildId) this.commands.splice(i, 1);
      const created = list.map((c) => {
        const existing = this.commands.find((x) => x.guildId === guildId && x.body.name === c.name);
        const stored = { ...c, id: existing?.body.id ?? snowflake(), application_id: this.applicationId };
        if (existing) existing.body = stored;
        else this.commands.push({ ...(guildId ? { guildId } : {}), body: stored });
        return stored;
      });
      return method === 'PUT' ? created : created[0];
    }
    throw new HttpError(404, 0, `404: Not Found (${method} ${path})`);
  }

  #knownChannel(id: string): boolean {
    return (
      this.guilds.some((g) => g.channels.some((c) => c.id === id)) ||
      [...this.dmChannels.values()].includes(id)
    );
  }

  #store(
    channel: string,
    body: Record<string, unknown>,
    files: FakeFile[],
    interaction?: string,
  ): FakeMessage {
    const id = snowflake();
    const message: FakeMessage = {
      id,
      channel_id: channel,
      content: typeof body.content === 'string' ? body.content : '',
      embeds: Array.isArray(body.embeds) ? (body.embeds as APIEmbed[]) : [],
      components: Array.isArray(body.components)
        ? (body.components as APIActionRowComponent<APIComponentInMessageActionRow>[])
        : [],
      files,
      flags: Number(body.flags ?? 0),
      ...(body.message_reference
        ? { message_reference: body.message_reference as Record<string, unknown> }
        : {}),
      ...(interaction ? { interaction } : {}),
      history: [],
    };
    message.history.push(version(message));
    this.messages.set(id, message);
    return message;
  }

  #edit(message: FakeMessage, body: Record<string, unknown>, files: FakeFile[]): void {
    if ('content' in body) message.content = typeof body.content === 'string' ? body.content : '';
    if ('embeds' in body) message.embeds = Array.isArray(body.embeds) ? (body.embeds as APIEmbed[]) : [];
    if ('components' in body)
      message.components = Array.isArray(body.components)
        ? (body.components as APIActionRowComponent<APIComponentInMessageActionRow>[])
        : [];
    // `attachments` lists what stays (by id) and names the new files; absent: attachments unchanged.
    if ('attachments' in body) {
      const keep = (Array.isArray(body.attachments) ? body.attachments : []) as Array<{ id: unknown }>;
      const kept = message.files.filter((_f, i) => keep.some((a) => String(a.id) === `${message.id}${i}`));
      message.files = [...kept, ...files];
    }
    message.flags &= ~MessageFlags.Loading;
    message.history.push(version(message));
  }
}

function version(m: FakeMessage) {
  return {
    content: m.content,
    embeds: m.embeds,
    components: m.components,
    files: m.files.map((f) => f.name),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** JSON, or multipart/form-data with `payload_json` and `files[n]` (how discord.js sends attachments). */
async function parseBody(
  contentType: string | undefined,
  raw: Buffer,
): Promise<{ body: Record<string, unknown>; files: FakeFile[] }> {
  if (raw.length === 0) return { body: {}, files: [] };
  if (contentType?.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    const files: FakeFile[] = [];
    let body: Record<string, unknown> = {};
    for (const [field, value] of form.entries()) {
      if (field === 'payload_json' && typeof value === 'string')
        body = JSON.parse(value) as Record<string, unknown>;
      else if (typeof value !== 'string')
        files.push({ field, name: value.name, content: await value.text() });
    }
    return { body, files };
  }
  const parsed: unknown = JSON.parse(raw.toString('utf8'));
  return {
    body: (Array.isArray(parsed) ? parsed : parsed && typeof parsed === 'object' ? parsed : {}) as Record<
      string,
      unknown
    >,
    files: [],
  };
}
