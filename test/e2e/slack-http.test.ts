/**
 * HTTP mode: POST /slack/events on a fastify server (as Squall's API server mounts it) through the real Bolt
 * app. Signed requests run; bad signatures, stale or future timestamps, other schemes and replays get 401 and
 * run nothing; Events API retries run once.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SlackAdapter } from '../../adapters/slack/slack-adapter.ts';
import { slackEventsPlugin } from '../../adapters/slack/slack-events-plugin.ts';
import type { ChatEventHandler, IncomingAction, IncomingMessage } from '../../bot/chat-adapter.ts';
import { silentLogger } from '../../engine/log/logger.ts';
import {
  blockActionPayload,
  eventCallback,
  FakeSlack,
  messageEvent,
  type SlackBody,
  signSlackRequest,
  slackSignature,
  slashCommandPayload,
} from '../fakes/slack.ts';

const SECRET = 'test-signing-secret';
const ALICE = { userId: 'U0ALICE', userName: 'alice', teamId: 'T0001' };

let fake: FakeSlack;
let adapter: SlackAdapter;
let server: FastifyInstance;
let messages: IncomingMessage[];
let actions: IncomingAction[];
/** The scripted bot waits for this before answering (to show the ack does not wait for the work). */
let gate: Promise<void>;

beforeEach(async () => {
  fake = await FakeSlack.start();
  messages = [];
  actions = [];
  gate = Promise.resolve();
  const handler: ChatEventHandler = {
    async onMessage(message, reply) {
      messages.push(message);
      await gate;
      await reply.post({ text: `ran: ${message.text}` });
    },
    async onAction(action) {
      actions.push(action);
    },
  };
  adapter = new SlackAdapter({
    botToken: fake.botToken,
    signingSecret: SECRET,
    apiUrl: fake.apiUrl,
    prefix: '!',
    logger: silentLogger(),
    retryConfig: { retries: 0 },
  });
  await adapter.start(handler);
  server = Fastify();
  // Other routes keep fastify's normal JSON parsing (the plugin's raw-body parser is encapsulated).
  server.post('/echo', async (request) => request.body);
  await server.register(slackEventsPlugin(adapter));
  await server.ready();
});

afterEach(async () => {
  await adapter.stop();
  await server.close();
  await fake.close();
});

function send(
  body: SlackBody,
  options: { timestamp?: number; secret?: string; headers?: Record<string, string> } = {},
) {
  const signed = signSlackRequest(options.secret ?? SECRET, body, options.timestamp);
  return {
    signed,
    response: server.inject({
      method: 'POST',
      url: '/slack/events',
      payload: signed.payload,
      headers: { ...signed.headers, ...options.headers },
    }),
  };
}

function slash(text: string) {
  return {
    kind: 'form',
    fields: slashCommandPayload({ text, user: ALICE, responseUrl: fake.responseUrl() }),
  } as const;
}

describe('Slack HTTP mode', () => {
  it('starts without a socket, with auth.test only', async () => {
    expect(adapter.mode).toBe('http');
    expect(adapter.connected()).toBe(true);
    expect(fake.callsOf('apps.connections.open')).toHaveLength(0);
    expect(fake.callsOf('auth.test')).toHaveLength(1);
  });

  it('a correctly signed slash command is acked with 200 and runs', async () => {
    const { response } = send(slash('run demo'));
    const res = await response;
    expect(res.statusCode).toBe(200);
    const post = await fake.waitForCall('chat.postMessage');
    expect(post.params.text).toBe('ran: run demo');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ kind: 'slash', user: { userId: 'U0ALICE', workspace: 'T0001' } });
  });

  it('the HTTP response (the ack) does not wait for the work', async () => {
    let release!: () => void;
    gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const res = await send(slash('slow work')).response;
    expect(res.statusCode).toBe(200);
    expect(messages.map((m) => m.text)).toEqual(['slow work']);
    expect(fake.callsOf('chat.postMessage')).toHaveLength(0);
    release();
    await fake.waitForCall('chat.postMessage', (p) => p.text === 'ran: slow work');
  });

  it('answers url_verification with the challenge (signed)', async () => {
    const res = await send({
      kind: 'json',
      body: { type: 'url_verification', challenge: 'abc123', token: 't' },
    }).response;
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ challenge: 'abc123' });
  });

  it('a bad signature, a one-byte body change, another scheme, stale or future timestamps: 401 and nothing runs', async () => {
    const now = Math.floor(Date.now() / 1000);
    const attempts = [
      send(slash('bad secret'), { secret: 'wrong' }).response,
      send(slash('stale'), { timestamp: now - 3600 }).response,
      send(slash('future'), { timestamp: now + 3600 }).response,
      server.inject({
        method: 'POST',
        url: '/slack/events',
        payload: 'a=b',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    ];
    // One byte changed after signing.
    const { signed } = send(slash('tamper'));
    attempts.push(
      server.inject({
        method: 'POST',
        url: '/slack/events',
        payload: signed.payload.replace('tamper', 'tampex'),
        headers: signed.headers,
      }),
    );
    // A v1 scheme with a correct-looking HMAC.
    const body = slash('v1');
    const v1 = signSlackRequest(SECRET, body);
    const ts = v1.headers['x-slack-request-timestamp']!;
    attempts.push(
      server.inject({
        method: 'POST',
        url: '/slack/events',
        payload: v1.payload,
        headers: {
          ...v1.headers,
          'x-slack-signature': slackSignature(SECRET, ts, v1.payload).replace('v0=', 'v1='),
        },
      }),
    );
    const results = await Promise.all(attempts);
    // The untampered one ('tamper') was sent once as-is above: it is the only one allowed to run.
    const statuses = results.map((r) => r.statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401]);
    for (const r of results) expect(r.body).not.toMatch(/signature|timestamp|secret/i);
    await fake.waitFor(() => messages.length >= 1);
    expect(messages.map((m) => m.text)).toEqual(['tamper']);
  });

  it('a replay of a valid request within the window: 401 and runs nothing', async () => {
    const { signed, response } = send(slash('once only'));
    expect((await response).statusCode).toBe(200);
    const replay = await server.inject({
      method: 'POST',
      url: '/slack/events',
      payload: signed.payload,
      headers: signed.headers,
    });
    expect(replay.statusCode).toBe(401);
    await fake.waitForCall('chat.postMessage');
    expect(messages.map((m) => m.text)).toEqual(['once only']);
  });

  it('Events API retries (same event_id, new signature, X-Slack-Retry-Num) run once', async () => {
    const payload = eventCallback(messageEvent({ text: '!deploy', user: ALICE }), { eventId: 'Ev0RETRY' });
    const first = await send({ kind: 'json', body: payload }).response;
    const retry = await send(
      { kind: 'json', body: payload },
      // Slack re-signs a retry later, with a new timestamp.
      {
        timestamp: Math.floor(Date.now() / 1000) - 60,
        headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
      },
    ).response;
    expect(first.statusCode).toBe(200);
    expect(retry.statusCode).toBe(200);
    await fake.waitForCall('chat.postMessage');
    await send({ kind: 'json', body: eventCallback(messageEvent({ text: '!other', user: ALICE })) }).response;
    await fake.waitFor(() => messages.length >= 2);
    expect(messages.map((m) => m.text)).toEqual(['!deploy', '!other']);
  });

  it('block_actions arrive as a signed form payload and reach the bot with the clicker', async () => {
    const res = await send({
      kind: 'interactive',
      payload: blockActionPayload({
        user: { userId: 'U0BOB', userName: 'bob', teamId: 'T0001' },
        actionId: 'inquiry:x:0',
        value: '{}',
        messageTs: '1700000000.000001',
        responseUrl: fake.responseUrl(),
      }),
    }).response;
    expect(res.statusCode).toBe(200);
    await fake.waitFor(() => actions[0]);
    expect(actions[0]).toMatchObject({ buttonId: 'inquiry:x:0', user: { userId: 'U0BOB', userName: 'bob' } });
  });

  it('leaves other routes parsing JSON normally', async () => {
    const res = await server.inject({ method: 'POST', url: '/echo', payload: { a: 1 } });
    expect(res.json()).toEqual({ a: 1 });
  });
});
