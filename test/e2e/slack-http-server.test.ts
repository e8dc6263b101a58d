/**
 * HTTP mode wired as `squall start` wires it: the Slack plugin mounted through createApiServer's
 * `publicPlugins` (no Squall auth, its own signature check), the real bot and engine behind it.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SlackAdapter } from '../../adapters/slack/slack-adapter.ts';
import { createSlackAdapterFromConfig } from '../../adapters/slack/slack-config.ts';
import { slackEventsPlugin } from '../../adapters/slack/slack-events-plugin.ts';
import { createApiServer } from '../../api/server.ts';
import { type Bot, createBot } from '../../bot/bot.ts';
import { silentLogger } from '../../engine/log/logger.ts';
import { BOT_PACKS } from '../bot/harness.ts';
import { FakeSlack, signSlackRequest, slashCommandPayload } from '../fakes/slack.ts';
import { type EngineFixture, startEngine } from '../helpers/engine-fixture.ts';

const SECRET = 'http-mode-secret';

let fake: FakeSlack;
let fx: EngineFixture;
let bot: Bot;
let server: FastifyInstance;

beforeEach(async () => {
  fake = await FakeSlack.start();
  fx = await startEngine({ packs: [BOT_PACKS], yaml: 'users:\n  alice: {roles: [operator]}\n' });
  // The config keys squall.yaml / SLACK_* env provide; no app token → HTTP mode.
  const adapter = createSlackAdapterFromConfig(
    {
      'slack.bot_token': fake.botToken,
      'slack.app_token': '',
      'slack.signing_secret': SECRET,
      'slack.api_url': fake.apiUrl,
      'slack.command': '/squall',
      'chat.prefix': '!',
    },
    silentLogger(),
  ) as SlackAdapter;
  bot = createBot({
    engine: fx.engine,
    adapters: [adapter],
    config: {
      prefix: '!',
      defaultRole: '',
      identities: { 'slack:T0001:U0ALICE': 'alice' },
      rateLimitPerMinute: 100,
    },
    logger: silentLogger(),
  });
  await bot.start();
  server = await createApiServer({
    engine: fx.engine,
    logger: silentLogger(),
    adminToken: 'admin-token',
    publicPlugins: [slackEventsPlugin(adapter)],
  });
  await server.ready();
});

afterEach(async () => {
  await bot.stop();
  await server.close();
  await fx.close();
  await fake.close();
});

describe('Slack HTTP mode on the API server', () => {
  it('createSlackAdapterFromConfig is disabled without a bot token and picks the mode from the tokens', () => {
    expect(createSlackAdapterFromConfig({ 'slack.bot_token': '' }, silentLogger())).toBeUndefined();
    const socket = createSlackAdapterFromConfig(
      { 'slack.bot_token': 'xoxb-1', 'slack.app_token': 'xapp-1', 'slack.signing_secret': 's' },
      silentLogger(),
    );
    expect(socket?.mode).toBe('socket');
    expect(() => createSlackAdapterFromConfig({ 'slack.bot_token': 'xoxb-1' }, silentLogger())).toThrow(
      /slack\.signing_secret/,
    );
  });

  it('a signed slash command at /slack/events runs through the bot and answers in the channel', async () => {
    const signed = signSlackRequest(SECRET, {
      kind: 'form',
      fields: slashCommandPayload({
        text: 'greet bob',
        user: { userId: 'U0ALICE', userName: 'alice', teamId: 'T0001' },
        responseUrl: fake.responseUrl(),
      }),
    });
    const res = await server.inject({
      method: 'POST',
      url: '/slack/events',
      payload: signed.payload,
      headers: signed.headers,
    });
    expect(res.statusCode).toBe(200);
    const done = await fake.waitFor(
      (f) => [...f.messages.values()].find((m) => FakeSlack.textOf(m).includes('Hello, bob!')),
      20_000,
    );
    expect(done.channel).toBe('C0GENERAL');
    expect(fx.engine.listExecutions({ action: 'botpack.greet' })[0]?.context.user).toBe('alice');
  });

  it('an unsigned request is refused with 401 before Squall auth or the bot see it', async () => {
    const res = await server.inject({
      method: 'POST',
      url: '/slack/events',
      payload: new URLSearchParams(
        slashCommandPayload({
          text: 'greet bob',
          user: { userId: 'U0ALICE' },
          responseUrl: fake.responseUrl(),
        }),
      ).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.statusCode).toBe(401);
    expect(fx.engine.listExecutions({ action: 'botpack.greet' })).toHaveLength(0);
    // The authenticated API is unaffected by the plugin's raw-body parser.
    const api = await server.inject({
      method: 'GET',
      url: '/api/v1/executions',
      headers: { 'x-auth-token': 'admin-token' },
    });
    expect(api.statusCode).toBe(200);
  });
});
