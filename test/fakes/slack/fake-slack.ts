/**
 * A fake Slack on 127.0.0.1 speaking the real wire protocols, so tests drive the real Bolt app with only the
 * API URL changed: the Web API (`POST /api/<method>`, form or JSON), a Socket Mode websocket (`hello`,
 * envelopes, acks), a response_url sink and the external file-upload URL. Every call is recorded.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export interface ApiCall {
  method: string;
  /** Parsed arguments; `blocks`/`attachments` sent as JSON strings inside a form are decoded. */
  params: Record<string, unknown>;
  /** The bearer token (or `token` argument) the call carried. */
  token?: string;
  /** What the fake answered (status 429 for a forced rate limit). */
  status: number;
  response: Record<string, unknown>;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
  attachments?: Array<Record<string, unknown>>;
  thread_ts?: string;
  /** Every version of the message, oldest first (the post, then each chat.update). */
  history: Array<Record<string, unknown>>;
}

export interface FakeChannel {
  id: string;
  name: string;
  is_private?: boolean;
}

export interface FakeUser {
  id: string;
  name: string;
  real_name?: string;
}

export interface FakeSlackOptions {
  botToken?: string;
  appToken?: string;
  teamId?: string;
  botUserId?: string;
  botId?: string;
  channels?: FakeChannel[];
  users?: FakeUser[];
  /** Page size of conversations.list (to exercise cursors). */
  pageSize?: number;
}

export interface Envelope {
  envelope_id: string;
  type: 'slash_commands' | 'events_api' | 'interactive';
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
  retry_attempt?: number;
  retry_reason?: string;
}

export interface SocketAck {
  envelope_id: string;
  payload?: unknown;
}

type Override = (
  params: Record<string, unknown>,
  call: { token?: string },
) => { status?: number; headers?: Record<string, string>; body: Record<string, unknown> } | undefined;

const JSON_ARGS = new Set(['blocks', 'attachments', 'metadata', 'unfurl_links', 'files']);

export class FakeSlack {
  readonly calls: ApiCall[] = [];
  readonly messages = new Map<string, FakeMessage>();
  readonly ephemerals: Array<Record<string, unknown>> = [];
  readonly responses: Array<{ id: string; body: Record<string, unknown> }> = [];
  readonly uploads = new Map<
    string,
    { filename?: string; content?: string; shared?: Record<string, unknown> }
  >();
  readonly acks: SocketAck[] = [];
  /** Socket Mode connections opened so far (reconnects add more). */
  connections = 0;

  readonly botToken: string;
  readonly appToken: string;
  readonly teamId: string;
  readonly botUserId: string;
  readonly botId: string;
  channels: FakeChannel[];
  users: FakeUser[];

  readonly #server: Server;
  readonly #wss: WebSocketServer;
  readonly #sockets = new Set<WebSocket>();
  readonly #overrides = new Map<string, Override[]>();
  readonly #waiters = new Set<() => void>();
  readonly #pendingAcks = new Map<string, (ack: SocketAck) => void>();
  readonly #pageSize: number;
  #tsCounter = 0;
  #port = 0;

  private constructor(options: FakeSlackOptions) {
    this.botToken = options.botToken ?? 'xoxb-fake-bot-token';
    this.appToken = options.appToken ?? 'xapp-fake-app-token';
    this.teamId = options.teamId ?? 'T0001';
    this.botUserId = options.botUserId ?? 'UBOT';
    this.botId = options.botId ?? 'BBOT';
    this.channels = options.channels ?? [
      { id: 'C0GENERAL', name: 'general' },
      { id: 'C0OPS', name: 'ops' },
      { id: 'C0ALERTS', name: 'alerts' },
    ];
    this.users = options.users ?? [
      { id: 'U0ALICE', name: 'alice', real_name: 'Alice A' },
      { id: 'U0BOB', name: 'bob', real_name: 'Bob B' },
      { id: 'U0MALLORY', name: 'mallory', real_name: 'Mallory M' },
    ];
    this.#pageSize = options.pageSize ?? 100;
    this.#server = createServer((req, res) => {
      void this.#route(req, res).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
    this.#wss = new WebSocketServer({ noServer: true });
    this.#server.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/link')) {
        socket.destroy();
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onSocket(ws));
    });
  }

  static async start(options: FakeSlackOptions = {}): Promise<FakeSlack> {
    const fake = new FakeSlack(options);
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.#port = (fake.#server.address() as AddressInfo).port;
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** What production reads from SLACK_API_URL. */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  /** A fresh response_url pointing at the sink. */
  responseUrl(id: string = randomUUID()): string {
    return `${this.baseUrl}/response/${id}`;
  }

  async close(): Promise<void> {
    for (const ws of this.#sockets) ws.terminate();
    this.#wss.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // ---- configuring answers ----

  /** Answers `method` with `override` while it returns a body (first registered wins; return undefined to pass). */
  on(method: string, override: Override): () => void {
    const list = this.#overrides.get(method) ?? [];
    list.push(override);
    this.#overrides.set(method, list);
    return () => list.splice(list.indexOf(override), 1);
  }

  /** The next `times` calls of `method` get HTTP 429 with `Retry-After: retryAfterSeconds`. */
  rateLimit(method: string, retryAfterSeconds: number, times = 1): void {
    let left = times;
    const off = this.on(method, () => {
      if (left <= 0) return undefined;
      left -= 1;
      if (left === 0) queueMicrotask(off);
      return {
        status: 429,
        headers: { 'retry-after': String(retryAfterSeconds) },
        body: { ok: false, error: 'ratelimited' },
      };
    });
  }

  // ---- observing ----

  callsOf(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Resolves with the first recorded value `pred` returns truthy for, re-checking after every change. */
  async waitFor<T>(pred: (fake: FakeSlack) => T | undefined | false | null, timeoutMs = 10_000): Promise<T> {
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
          new Error(`FakeSlack.waitFor: condition not met within ${timeoutMs} ms; calls: ${this.#summary()}`),
        );
      }, timeoutMs);
      // Predicates may look beyond the fake (adapter state, engine records): poll as well.
      const poll = setInterval(check, 25);
      const cleanup = () => {
        clearTimeout(timer);
        clearInterval(poll);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
    });
  }

  /** The first call of `method` whose params satisfy `pred`. */
  waitForCall(
    method: string,
    pred: (params: Record<string, unknown>) => boolean = () => true,
    timeoutMs?: number,
  ): Promise<ApiCall> {
    return this.waitFor(
      (f) => f.calls.find((c) => c.method === method && c.status === 200 && pred(c.params)),
      timeoutMs,
    );
  }

  /** All text of a message (top-level text, blocks and attachment blocks), for assertions. */
  static textOf(message: Record<string, unknown> | FakeMessage | undefined): string {
    if (!message) return '';
    const parts: string[] = [];
    const walk = (v: unknown) => {
      if (typeof v === 'string') parts.push(v);
      else if (Array.isArray(v)) for (const x of v) walk(x);
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v))
          if (k !== 'type' && k !== 'style' && k !== 'action_id') walk(x);
    };
    walk([message.text, message.blocks, message.attachments]);
    return parts.join('\n');
  }

  #changed(): void {
    for (const check of [...this.#waiters]) check();
  }

  #summary(): string {
    return this.calls
      .slice(-20)
      .map((c) => `${c.method}(${c.status})`)
      .join(', ');
  }

  // ---- Socket Mode ----

  #onSocket(ws: WebSocket): void {
    this.#sockets.add(ws);
    this.connections += 1;
    ws.on('message', (data) => {
      let parsed: SocketAck;
      try {
        parsed = JSON.parse(String(data)) as SocketAck;
      } catch {
        return;
      }
      if (!parsed.envelope_id) return;
      this.acks.push(parsed);
      this.#pendingAcks.get(parsed.envelope_id)?.(parsed);
      this.#pendingAcks.delete(parsed.envelope_id);
      this.#changed();
    });
    ws.on('close', () => {
      this.#sockets.delete(ws);
      this.#changed();
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.#sockets.size,
        debug_info: { host: 'fake-slack', approximate_connection_time: 3600 },
        connection_info: { app_id: 'A0FAKE' },
      }),
    );
    this.#changed();
  }

  get socketConnected(): boolean {
    return [...this.#sockets].some((ws) => ws.readyState === ws.OPEN);
  }

  /** Asks every connected client to reconnect (`{"type":"disconnect"}`, as Slack does on refresh). */
  requestReconnect(reason = 'refresh_requested'): void {
    for (const ws of this.#sockets)
      if (ws.readyState === ws.OPEN)
        ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'fake' } }));
  }

  /** Drops every Socket Mode connection without a goodbye (network loss). */
  dropSockets(): void {
    for (const ws of this.#sockets) ws.terminate();
  }

  /** Sends an envelope over the newest socket and resolves with the app's ack (`{envelope_id, payload}`). */
  async sendEnvelope(
    type: Envelope['type'],
    payload: Record<string, unknown>,
    options: { retryAttempt?: number; timeoutMs?: number } = {},
  ): Promise<SocketAck> {
    await this.waitFor((f) => f.socketConnected);
    const ws = [...this.#sockets].reverse().find((s) => s.readyState === s.OPEN);
    if (!ws) throw new Error('FakeSlack: no Socket Mode connection');
    const envelope: Envelope = {
      envelope_id: randomUUID(),
      type,
      payload,
      accepts_response_payload: type !== 'events_api',
      retry_attempt: options.retryAttempt ?? 0,
      retry_reason: options.retryAttempt ? 'timeout' : '',
    };
    const acked = new Promise<SocketAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pendingAcks.delete(envelope.envelope_id);
        reject(new Error(`FakeSlack: no ack for ${type} envelope within ${options.timeoutMs ?? 10_000} ms`));
      }, options.timeoutMs ?? 10_000);
      this.#pendingAcks.set(envelope.envelope_id, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
    });
    ws.send(JSON.stringify(envelope));
    return acked;
  }

  // ---- HTTP ----

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const raw = await readBody(req);
    if (req.method === 'POST' && url.pathname.startsWith('/api/')) {
      await this.#api(url.pathname.slice('/api/'.length), req, raw, res);
      return;
    }
    if (req.method === 'POST' && url.pathname.startsWith('/response/')) {
      const body = parseBody(req.headers['content-type'], raw);
      this.responses.push({ id: url.pathname.slice('/response/'.length), body });
      this.#changed();
      send(res, 200, { ok: true });
      return;
    }
    if (req.method === 'POST' && url.pathname.startsWith('/upload/')) {
      const id = url.pathname.slice('/upload/'.length);
      const entry = this.uploads.get(id);
      if (!entry) {
        send(res, 404, { ok: false });
        return;
      }
      entry.content = raw.toString('utf8');
      this.#changed();
      res.statusCode = 200;
      res.end(`OK - ${raw.length}`);
      return;
    }
    send(res, 404, { ok: false, error: 'unknown_path' });
  }

  async #api(method: string, req: IncomingMessage, raw: Buffer, res: ServerResponse): Promise<void> {
    const params = parseBody(req.headers['content-type'], raw);
    for (const key of JSON_ARGS) {
      const v = params[key];
      if (typeof v === 'string' && /^[[{]/.test(v)) {
        try {
          params[key] = JSON.parse(v);
        } catch {
          // leave the string: a malformed argument is recorded as sent
        }
      }
    }
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ')
      ? auth.slice(7)
      : typeof params.token === 'string'
        ? params.token
        : undefined;
    let status = 200;
    let headers: Record<string, string> = {};
    let body: Record<string, unknown> | undefined;
    for (const override of this.#overrides.get(method) ?? []) {
      const answer = override(params, { token });
      if (answer) {
        status = answer.status ?? 200;
        headers = answer.headers ?? {};
        body = answer.body;
        break;
      }
    }
    body ??= this.#default(method, params, token);
    const call: ApiCall = { method, params, token, status, response: body };
    this.calls.push(call);
    res.statusCode = status;
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(body));
    this.#changed();
  }

  #channelId(ref: unknown): string | undefined {
    if (typeof ref !== 'string' || !ref) return undefined;
    const name = ref.replace(/^#/, '');
    const byName = this.channels.find((c) => c.name === name);
    if (byName) return byName.id;
    if (/^[CGD][A-Z0-9]+$/.test(ref)) return ref;
    return undefined;
  }

  #nextTs(): string {
    this.#tsCounter += 1;
    return `1700000000.${String(this.#tsCounter).padStart(6, '0')}`;
  }

  #default(method: string, params: Record<string, unknown>, token?: string): Record<string, unknown> {
    if (method === 'apps.connections.open') {
      if (token !== this.appToken) return { ok: false, error: 'invalid_auth' };
      return { ok: true, url: `ws://127.0.0.1:${this.#port}/link/?ticket=${randomUUID()}` };
    }
    if (token !== this.botToken) return { ok: false, error: 'invalid_auth' };
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://fake.slack.test/',
          team: 'Fake Team',
          user: 'squall',
          team_id: this.teamId,
          user_id: this.botUserId,
          bot_id: this.botId,
        };
      case 'chat.postMessage': {
        const channel = this.#channelId(params.channel);
        if (!channel) return { ok: false, error: 'channel_not_found' };
        const ts = this.#nextTs();
        const version = pickMessage(params);
        const message: FakeMessage = {
          channel,
          ts,
          ...version,
          ...(typeof params.thread_ts === 'string' ? { thread_ts: params.thread_ts } : {}),
          history: [version],
        };
        this.messages.set(`${channel}:${ts}`, message);
        return {
          ok: true,
          channel,
          ts,
          message: { ...version, ts, user: this.botUserId, bot_id: this.botId },
        };
      }
      case 'chat.update': {
        const channel = this.#channelId(params.channel);
        const message = channel && this.messages.get(`${channel}:${String(params.ts)}`);
        if (!message) return { ok: false, error: 'message_not_found' };
        const version = pickMessage(params);
        Object.assign(message, version);
        message.history.push(version);
        return { ok: true, channel, ts: message.ts, text: message.text };
      }
      case 'chat.postEphemeral': {
        const channel = this.#channelId(params.channel);
        if (!channel) return { ok: false, error: 'channel_not_found' };
        this.ephemerals.push({ ...params, channel });
        return { ok: true, message_ts: this.#nextTs() };
      }
      case 'conversations.list': {
        const start = Number(params.cursor ?? 0) || 0;
        const limit = Math.min(Number(params.limit ?? this.#pageSize) || this.#pageSize, this.#pageSize);
        const page = this.channels.slice(start, start + limit);
        const next = start + limit < this.channels.length ? String(start + limit) : '';
        return {
          ok: true,
          channels: page.map((c) => ({
            id: c.id,
            name: c.name,
            is_channel: true,
            is_private: !!c.is_private,
          })),
          response_metadata: { next_cursor: next },
        };
      }
      case 'conversations.open': {
        const users = String(params.users ?? '');
        if (!users) return { ok: false, error: 'users_list_not_supplied' };
        return { ok: true, channel: { id: `D${users.replace(/^U/, '')}` } };
      }
      case 'conversations.join':
        return { ok: true, channel: { id: params.channel } };
      case 'users.info': {
        const user = this.users.find((u) => u.id === params.user);
        return user
          ? { ok: true, user: { ...user, team_id: this.teamId, profile: { display_name: user.name } } }
          : { ok: false, error: 'user_not_found' };
      }
      case 'users.list':
        return {
          ok: true,
          members: this.users.map((u) => ({ ...u, team_id: this.teamId, profile: { display_name: u.name } })),
          response_metadata: { next_cursor: '' },
        };
      case 'files.getUploadURLExternal': {
        const id = `F${randomUUID().slice(0, 8).toUpperCase()}`;
        this.uploads.set(id, { filename: String(params.filename ?? '') });
        return { ok: true, upload_url: `${this.baseUrl}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal': {
        const files = (Array.isArray(params.files) ? params.files : []) as Array<{
          id: string;
          title?: string;
        }>;
        for (const f of files) {
          const entry = this.uploads.get(f.id);
          if (!entry) return { ok: false, error: 'file_not_found' };
          entry.shared = {
            channel_id: params.channel_id,
            thread_ts: params.thread_ts,
            initial_comment: params.initial_comment,
            title: f.title,
          };
        }
        return { ok: true, files: files.map((f) => ({ id: f.id, title: f.title })) };
      }
      default:
        return { ok: true };
    }
  }
}

function pickMessage(params: Record<string, unknown>): Record<string, unknown> & {
  text?: string;
  blocks?: unknown[];
  attachments?: Array<Record<string, unknown>>;
} {
  const out: Record<string, unknown> = {};
  if (typeof params.text === 'string') out.text = params.text;
  if (Array.isArray(params.blocks)) out.blocks = params.blocks;
  if (Array.isArray(params.attachments)) out.attachments = params.attachments;
  return out;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseBody(contentType: string | undefined, raw: Buffer): Record<string, unknown> {
  const text = raw.toString('utf8');
  if (!text) return {};
  if (contentType?.includes('application/json')) return JSON.parse(text) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(text));
}

function send(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}
