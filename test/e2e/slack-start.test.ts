/**
 * `squall start` with Slack configured by environment (SLACK_*), against the fake Slack: Socket Mode and HTTP
 * mode answer commands, and a bad token makes start fail fast with a clear message.
 *
 * Skipped until cli/commands/start.ts wires the adapter (createSlackAdapterFromConfig + slackEventsPlugin +
 * createBot); the suite turns itself on once it does.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSlack, signSlackRequest, slashCommandPayload } from '../fakes/slack.ts';
import { REPO_ROOT, SquallServer, tempDataDir } from '../helpers/squall-process.ts';

const WIRED = readFileSync(path.join(REPO_ROOT, 'cli', 'commands', 'start.ts'), 'utf8').includes(
  'createSlackAdapterFromConfig',
);

const CONFIG = `users:
  alice: {roles: [operator]}
chat:
  identities:
    "slack:T0001:U0ALICE": alice
`;

let fake: FakeSlack;
let server: SquallServer | undefined;

beforeEach(async () => {
  fake = await FakeSlack.start();
});

afterEach(async () => {
  await server?.stop();
  server?.cleanup();
  server = undefined;
  await fake.close();
});

async function squall(env: Record<string, string>): Promise<SquallServer> {
  const dataDir = tempDataDir('squall-slack-start-');
  const configFile = path.join(dataDir, 'squall.yaml');
  writeFileSync(configFile, CONFIG);
  server = await SquallServer.create(
    { SLACK_BOT_TOKEN: fake.botToken, SLACK_API_URL: fake.apiUrl, SQUALL_CONFIG: configFile, ...env },
    dataDir,
  );
  return server;
}

const ALICE = { userId: 'U0ALICE', userName: 'alice', teamId: 'T0001' };

describe.skipIf(!WIRED)('squall start with Slack', () => {
  it('Socket Mode: connects with the app token and answers a slash command', async () => {
    const s = await squall({ SLACK_APP_TOKEN: fake.appToken });
    await s.start();
    await fake.waitFor((f) => f.socketConnected, 30_000);
    const ack = await fake.sendEnvelope(
      'slash_commands',
      slashCommandPayload({ text: 'help', user: ALICE, responseUrl: fake.responseUrl() }),
    );
    expect(ack.envelope_id).toBeTruthy();
    const answer = await fake.waitForCall('chat.postMessage', (p) => p.channel === 'C0GENERAL', 30_000);
    expect(FakeSlack.textOf(answer.params).length).toBeGreaterThan(0);
    expect(s.logs).not.toContain(fake.botToken);
    expect(s.logs).not.toContain(fake.appToken);
  });

  it('HTTP mode: a signed request to /slack/events on the HTTP port runs; an unsigned one gets 401', async () => {
    const s = await squall({ SLACK_SIGNING_SECRET: 'start-secret' });
    await s.start();
    const unsigned = await fetch(`${s.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(
        slashCommandPayload({ text: 'help', user: ALICE, responseUrl: fake.responseUrl() }),
      ),
    });
    expect(unsigned.status).toBe(401);
    const signed = signSlackRequest('start-secret', {
      kind: 'form',
      fields: slashCommandPayload({ text: 'help', user: ALICE, responseUrl: fake.responseUrl() }),
    });
    const res = await fetch(`${s.url}/slack/events`, {
      method: 'POST',
      headers: signed.headers,
      body: signed.payload,
    });
    expect(res.status).toBe(200);
    await fake.waitForCall('chat.postMessage', (p) => p.channel === 'C0GENERAL', 30_000);
  });

  it('a bad bot token makes start fail fast with a clear message', async () => {
    const s = await squall({ SLACK_APP_TOKEN: fake.appToken, SLACK_BOT_TOKEN: 'xoxb-not-valid' });
    await expect(s.start(30_000)).rejects.toThrow(/auth\.test failed.*invalid_auth/);
    expect(s.logs).not.toContain('xoxb-not-valid');
  });
});
