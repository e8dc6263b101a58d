/**
 * HTTP interactions: POST /discord/interactions on Squall's API server (createApiServer `publicPlugins`), with
 * the real bot and engine behind it and the real discord.js client on the gateway. The fake Discord delivers
 * interactions over HTTP as Discord does (signed with a locally generated Ed25519 key) and records the HTTP
 * answer as the interaction's response. Signed ones run; unsigned, badly signed, stale and replayed ones get
 * 401 and run nothing; gateway and HTTP interactions are the same internal event.
 */
import type { AddressInfo } from 'node:net';
import type { APIInteraction } from 'discord-api-types/v10';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiscordAdapter } from '../../adapters/discord/discord-adapter.ts';
import { discordInteractionsPlugin } from '../../adapters/discord/discord-interactions-plugin.ts';
import { createApiServer } from '../../api/server.ts';
import { type Bot, createBot } from '../../bot/bot.ts';
import { silentLogger } from '../../engine/log/logger.ts';
import { BOT_PACKS, USERS_YAML } from '../bot/harness.ts';
import { buttonInteraction, DiscordSigner, FakeDiscord, slashInteraction } from '../fakes/discord.ts';
import { type EngineFixture, startEngine } from '../helpers/engine-fixture.ts';

const ALICE = { id: '1300000000000000011', username: 'alice' };

let fake: FakeDiscord;
let signer: DiscordSigner;
let fx: EngineFixture;
let bot: Bot;
let adapter: DiscordAdapter;
let server: FastifyInstance;
let url: string;

beforeEach(async () => {
  fake = await FakeDiscord.start();
  signer = new DiscordSigner();
  fx = await startEngine({ packs: [BOT_PACKS], yaml: USERS_YAML });
  adapter = new DiscordAdapter({
    token: fake.token,
    applicationId: fake.applicationId,
    publicKey: signer.publicKey,
    apiUrl: fake.apiUrl,
    prefix: '!',
    logger: silentLogger(),
    minEditIntervalMs: 50,
    restRetries: 0,
  });
  bot = createBot({
    engine: fx.engine,
    adapters: [adapter],
    config: {
      prefix: '!',
      defaultRole: '',
      identities: { [`discord:${fake.guild.id}:${ALICE.id}`]: 'alice' },
      rateLimitPerMinute: 100,
    },
    logger: silentLogger(),
  });
  await bot.start();
  server = await createApiServer({
    engine: fx.engine,
    logger: silentLogger(),
    publicPlugins: [discordInteractionsPlugin(adapter)],
  });
  await server.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}/discord/interactions`;
});

afterEach(async () => {
  await bot.stop();
  await server.close();
  await fx.close();
  await fake.close();
});

async function post(
  payload: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { method: 'POST', headers, body: payload });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: res.status, body };
}

/** Delivers `interaction` as Discord would: signed (or tampered with by `mutate`) and over HTTP. */
function deliver(
  interaction: APIInteraction,
  mutate: (signed: { payload: string; headers: Record<string, string> }) => void = () => {},
  timestamp?: number,
) {
  return fake.deliverHttpInteraction(interaction, () => {
    const signed = signer.sign(interaction, timestamp);
    mutate(signed);
    return post(signed.payload, signed.headers);
  });
}

function slash(command: string) {
  return slashInteraction({
    applicationId: fake.applicationId,
    user: ALICE,
    guildId: fake.guild.id,
    channelId: fake.channel('general'),
    command,
  });
}

const greets = () => fx.engine.listExecutions({ action: 'botpack.greet' });

describe('Discord HTTP interactions', () => {
  it('answers a signed PING with PONG', async () => {
    const ping = { ...slash('x'), type: 1 } as unknown as APIInteraction;
    const { status, body } = await deliver(ping);
    expect(status).toBe(200);
    expect(body).toEqual({ type: 1 });
  });

  it('a signed slash command is deferred in the HTTP answer, runs, and the deferred reply is edited', async () => {
    const interaction = slash('greet bob');
    const { status, body, record } = await deliver(interaction);
    expect(status).toBe(200);
    expect(body).toEqual({ type: 5 });
    const final = await fake.waitFor((f) => {
      const m = record.original ? f.messages.get(record.original) : undefined;
      return m && FakeDiscord.textOf(m).includes('Hello, bob!') ? m : undefined;
    }, 20_000);
    expect(final.channel_id).toBe(fake.channel('general'));
    expect(greets()).toHaveLength(1);
    expect(greets()[0]?.context.user).toBe('alice');
    // No REST callback: the HTTP answer was the response.
    expect(fake.callsTo('POST', /\/callback$/)).toHaveLength(0);
    expect(
      fake.callsTo('PATCH', /^\/webhooks\/\d+\/[^/]+\/messages\/@original$/).length,
    ).toBeGreaterThanOrEqual(1);
  });

  it('unsigned, badly signed, tampered, stale and future requests get 401 and run nothing', async () => {
    const cases: Array<[string, Parameters<typeof deliver>[1], number?]> = [
      [
        'unsigned',
        (s) => {
          delete s.headers['x-signature-ed25519'];
          delete s.headers['x-signature-timestamp'];
        },
      ],
      [
        'bad signature',
        (s) => {
          s.headers['x-signature-ed25519'] = new DiscordSigner().signature(
            s.headers['x-signature-timestamp']!,
            s.payload,
          );
        },
      ],
      [
        'zero signature (Discord probe)',
        (s) => {
          s.headers['x-signature-ed25519'] = '0'.repeat(128);
        },
      ],
      [
        'tampered body',
        (s) => {
          s.payload = s.payload.replace('greet bob', 'greet eve');
        },
      ],
      // Well outside ±300 s: the earlier deliveries take a while on a loaded machine.
      ['stale timestamp', () => {}, Math.floor(Date.now() / 1000) - 3600],
      ['future timestamp', () => {}, Math.floor(Date.now() / 1000) + 3600],
    ];
    for (const [name, mutate, ts] of cases) {
      const { status } = await deliver(slash('greet bob'), mutate, ts);
      expect(status, name).toBe(401);
    }
    // Rejected before parsing: nothing ran and nothing was posted.
    expect(greets()).toHaveLength(0);
    expect(fake.callsTo('PATCH', /^\/webhooks\//)).toHaveLength(0);
    expect(fake.messages.size).toBe(0);
  });

  it('a replayed interaction (same id, freshly signed) gets 401 and runs once', async () => {
    const interaction = slash('greet bob');
    const first = await deliver(interaction);
    expect(first.status).toBe(200);
    await fake.waitFor(() => greets().length === 1);
    const replay = await fake.deliverHttpInteraction(interaction, () => {
      const signed = signer.sign(interaction);
      return post(signed.payload, signed.headers);
    });
    expect(replay.status).toBe(401);
    await fx.engine.waitForExecution(greets()[0]!.id);
    expect(greets()).toHaveLength(1);
  });

  it('a signed button click is the same internal event as a gateway click (an unknown button: ephemeral answer)', async () => {
    const ref = await adapter.post(fake.channel('general'), {
      text: 'old prompt',
      buttons: [{ id: 'inquiry:gone:0', label: 'Approve', value: '{}' }],
    });
    const { status, body } = await deliver(
      buttonInteraction({
        applicationId: fake.applicationId,
        user: ALICE,
        guildId: fake.guild.id,
        channelId: fake.channel('general'),
        customId: 'inquiry:gone:0',
        message: fake.apiMessage(ref.id),
      }),
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(FakeDiscord.textOf((body as { data: never }).data)).toMatch(/no longer exists|no longer active/);
  });

  it('without a public key the route is not enabled (404)', async () => {
    const plain = new DiscordAdapter({
      token: fake.token,
      apiUrl: fake.apiUrl,
      prefix: '!',
      logger: silentLogger(),
    });
    const other = await createApiServer({
      engine: fx.engine,
      logger: silentLogger(),
      publicPlugins: [discordInteractionsPlugin(plain)],
    });
    const signed = signer.sign(slash('greet bob'));
    const res = await other.inject({
      method: 'POST',
      url: '/discord/interactions',
      payload: signed.payload,
      headers: signed.headers,
    });
    expect(res.statusCode).toBe(404);
    await other.close();
  });
});
