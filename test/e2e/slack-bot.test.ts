/**
 * End to end through the real bot (createBot), a real engine and the real Bolt app in Socket Mode against the
 * fake Slack: slash command with live output, mentions and DMs, "did you mean", a workflow approval by
 * buttons (allowed and refused clickers), and rule alerts posted to a named channel.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SlackAdapter } from '../../adapters/slack/slack-adapter.ts';
import { type Bot, createBot } from '../../bot/bot.ts';
import { silentLogger } from '../../engine/log/logger.ts';
import { BOT_PACKS } from '../bot/harness.ts';
import {
  appMentionEvent,
  blockActionPayload,
  eventCallback,
  type FakeMessage,
  FakeSlack,
  messageEvent,
  slashCommandPayload,
} from '../fakes/slack.ts';
import { type EngineFixture, startEngine } from '../helpers/engine-fixture.ts';

const USERS_YAML = `users:
  alice: {roles: [operator]}
  carol: {roles: [operator]}
  vic: {roles: [viewer]}
`;

const TEAM = 'T0001';
const ALICE = { userId: 'U0ALICE', userName: 'alice', teamId: TEAM };
const BOB = { userId: 'U0BOB', userName: 'bob', teamId: TEAM }; // Squall user carol
const MALLORY = { userId: 'U0MALLORY', userName: 'mallory', teamId: TEAM }; // Squall user vic (viewer)

const IDENTITIES = {
  [`slack:${TEAM}:U0ALICE`]: 'alice',
  [`slack:${TEAM}:U0BOB`]: 'carol',
  [`slack:${TEAM}:U0MALLORY`]: 'vic',
};

/** A pack with a workflow that asks for approval before it deploys, and a rule that alerts #alerts. */
function writeSlackPack(root: string): string {
  const dir = path.join(root, 'slackpack');
  mkdirSync(path.join(dir, 'actions', 'workflows'), { recursive: true });
  mkdirSync(path.join(dir, 'aliases'), { recursive: true });
  mkdirSync(path.join(dir, 'rules'), { recursive: true });
  writeFileSync(
    path.join(dir, 'pack.yaml'),
    'name: slackpack\nversion: 0.1.0\ndescription: Slack e2e\nauthor: squall\nemail: dev@example.com\n',
  );
  writeFileSync(
    path.join(dir, 'actions', 'deploy.yaml'),
    `---
name: deploy
runner_type: orquesta
description: Deploys after an approval.
enabled: true
entry_point: workflows/deploy.yaml
parameters:
  target:
    type: string
    required: true
`,
  );
  writeFileSync(
    path.join(dir, 'actions', 'workflows', 'deploy.yaml'),
    `version: 1.0
input:
  - target
tasks:
  approve:
    action: core.ask
    input:
      schema:
        type: object
        properties:
          approved:
            type: boolean
            description: Deploy to production?
    next:
      - when: <% succeeded() and result().response.approved %>
        do: ship
  ship:
    action: core.local
    input:
      cmd: echo shipped <% ctx().target %>
`,
  );
  writeFileSync(
    path.join(dir, 'aliases', 'deploy.yaml'),
    `---
name: deploy
description: Deploy with approval.
action_ref: slackpack.deploy
formats:
  - "deploy {{target}}"
`,
  );
  writeFileSync(
    path.join(dir, 'actions', 'bigout.yaml'),
    `---
name: bigout
runner_type: local-shell-cmd
description: Prints more than a Slack message holds.
enabled: true
entry_point: ""
parameters:
  cmd:
    type: string
    immutable: true
    default: "seq 1 8000"
  sudo:
    default: false
    immutable: true
`,
  );
  writeFileSync(
    path.join(dir, 'aliases', 'bigout.yaml'),
    `---
name: bigout
description: Long output.
action_ref: slackpack.bigout
formats:
  - "big output"
`,
  );
  writeFileSync(
    path.join(dir, 'rules', 'alert.yaml'),
    `---
name: slack_alert
pack: slackpack
enabled: true
trigger:
  type: core.st2.webhook
  parameters:
    url: slack-alert
criteria: {}
action:
  ref: chatops.post_message
  parameters:
    channel: "#alerts"
    message: "ALERT: {{ trigger.body.text }}"
`,
  );
  return root;
}

let fake: FakeSlack;
let fx: EngineFixture;
let bot: Bot;
let packRoot: string;

beforeEach(async () => {
  fake = await FakeSlack.start();
  packRoot = writeSlackPack(mkdtempSync(path.join(tmpdir(), 'squall-slack-e2e-')));
  fx = await startEngine({ packs: [BOT_PACKS, packRoot], yaml: USERS_YAML });
  const adapter = new SlackAdapter({
    botToken: fake.botToken,
    appToken: fake.appToken,
    apiUrl: fake.apiUrl,
    prefix: '!',
    logger: silentLogger(),
    minEditIntervalMs: 50,
    retryConfig: { retries: 0 },
  });
  bot = createBot({
    engine: fx.engine,
    adapters: [adapter],
    config: { prefix: '!', defaultRole: '', identities: IDENTITIES, rateLimitPerMinute: 100 },
    logger: silentLogger(),
  });
  await bot.start();
});

afterEach(async () => {
  await bot.stop();
  await fx.close();
  await fake.close();
  rmSync(packRoot, { recursive: true, force: true });
});

function find(pred: (m: FakeMessage, text: string) => boolean): Promise<FakeMessage> {
  return fake.waitFor((f) => [...f.messages.values()].find((m) => pred(m, FakeSlack.textOf(m))), 20_000);
}

function buttons(message: FakeMessage): Array<{ action_id: string; value: string; label: string }> {
  const out: Array<{ action_id: string; value: string; label: string }> = [];
  for (const a of message.attachments ?? [])
    for (const b of (a.blocks ?? []) as Array<{ type: string; elements?: Array<Record<string, unknown>> }>)
      if (b.type === 'actions')
        for (const e of b.elements ?? [])
          out.push({
            action_id: String(e.action_id),
            value: String(e.value),
            label: String((e.text as { text: string }).text),
          });
  return out;
}

async function click(who: typeof ALICE, message: FakeMessage, label: string, responseId: string) {
  const button = buttons(message).find((b) => b.label === label);
  if (!button) throw new Error(`no button "${label}" on ${FakeSlack.textOf(message)}`);
  await fake.sendEnvelope(
    'interactive',
    blockActionPayload({
      user: who,
      actionId: button.action_id,
      value: button.value,
      channelId: message.channel,
      messageTs: message.ts,
      responseUrl: fake.responseUrl(responseId),
    }),
  );
}

describe('Slack through the bot', () => {
  it('slash command: ack, then one channel message updated with live output, then the final result', async () => {
    const ack = await fake.sendEnvelope(
      'slash_commands',
      slashCommandPayload({ text: 'count 3', user: ALICE, responseUrl: fake.responseUrl() }),
    );
    expect(ack.envelope_id).toBeTruthy();
    const final = await find((_m, text) => text.includes('Counted:'));
    expect(final.channel).toBe('C0GENERAL');
    const text = FakeSlack.textOf(final);
    expect(text).toContain('line1');
    expect(text).toContain('line3');
    // Final status: the success emoji and the green colour bar.
    expect(text).toContain(':white_check_mark:');
    expect(final.attachments?.[0]?.color).toBe('#2eb886');
    // The same message carried the ack ("Counting for alice") and live output before the result.
    const versions = final.history.map((v) => FakeSlack.textOf(v));
    expect(versions[0]).toContain('Counting for alice');
    expect(versions.some((v) => v.includes('line1') && !v.includes('Counted:'))).toBe(true);
    expect(fake.callsOf('chat.postMessage').filter((c) => c.params.channel === 'C0GENERAL')).toHaveLength(1);
    const execution = fx.engine.listExecutions({ action: 'botpack.count' })[0]!;
    expect(execution.status).toBe('succeeded');
    expect(execution.context.user).toBe('alice');
  });

  it('mention and DM commands run and answer where they were asked', async () => {
    await fake.sendEnvelope('events_api', eventCallback(appMentionEvent({ text: 'greet bob', user: ALICE })));
    const inChannel = await find((m, text) => m.channel === 'C0GENERAL' && text.includes('Hello, bob!'));
    expect(inChannel).toBeTruthy();
    await fake.sendEnvelope(
      'events_api',
      eventCallback(
        messageEvent({ text: 'greet carol', user: ALICE, channelType: 'im', channel: 'D0ALICE' }),
      ),
    );
    const inDm = await find((m, text) => m.channel === 'D0ALICE' && text.includes('Hello, carol!'));
    expect(inDm).toBeTruthy();
  });

  it('an unknown command gets "did you mean"', async () => {
    await fake.sendEnvelope('events_api', eventCallback(messageEvent({ text: '!gret bob', user: ALICE })));
    const answer = await find((_m, text) => text.includes("I don't know"));
    const text = FakeSlack.textOf(answer);
    expect(text).toMatch(/Did you mean/);
    expect(text).toContain('!greet');
    expect(fx.engine.listExecutions({ action: 'botpack.greet' })).toHaveLength(0);
  });

  it('approval buttons: a refused clicker gets an ephemeral refusal; an allowed click answers and updates the prompt', async () => {
    await fake.sendEnvelope(
      'events_api',
      eventCallback(messageEvent({ text: '!ask approval', user: ALICE })),
    );
    const prompt = await find((_m, text) => text.includes('Approval needed'));
    expect(buttons(prompt).map((b) => b.label)).toEqual(['Approve', 'Deny']);
    const ask = await fake.waitFor(() => fx.engine.listExecutions({ action: 'core.ask' })[0]);
    const inquiry = () => fx.engine.getInquiry(ask.id)!;
    expect(inquiry().status).toBe('pending');

    // A viewer may not answer: ephemeral refusal, nothing changes.
    await click(MALLORY, prompt, 'Approve', 'mallory');
    const refusal = await fake.waitFor((f) => f.responses.find((r) => r.id === 'mallory'));
    expect(refusal.body.response_type).toBe('ephemeral');
    expect(FakeSlack.textOf(refusal.body)).toMatch(/may not answer/);
    // The same user id from another workspace is another identity (team id + user id): not linked, refused.
    await click({ ...BOB, teamId: 'T0OTHER' }, prompt, 'Approve', 'foreign');
    const foreign = await fake.waitFor((f) => f.responses.find((r) => r.id === 'foreign'));
    expect(FakeSlack.textOf(foreign.body)).toContain('not linked');
    expect(inquiry().status).toBe('pending');
    expect(fx.engine.getExecution(ask.id)!.status).toBe('pending');

    // An operator approves: the execution completes, the prompt shows the decision and who made it.
    await click(BOB, prompt, 'Approve', 'bob');
    expect((await fx.engine.waitForExecution(ask.id)).status).toBe('succeeded');
    expect(inquiry()).toMatchObject({
      status: 'succeeded',
      responded_by: 'carol',
      response: { continue: true },
    });
    const answered = await fake.waitFor(() => {
      const text = FakeSlack.textOf(fake.messages.get(`${prompt.channel}:${prompt.ts}`));
      return text.includes('Approval answered') ? text : undefined;
    });
    // Who decided: the Squall user and the Slack handle that clicked.
    expect(answered).toMatch(/carol \(bob\) answered: Approve|bob answered: Approve/);
    expect(buttons(fake.messages.get(`${prompt.channel}:${prompt.ts}`)!)).toEqual([]);
    expect(fake.responses.find((r) => r.id === 'bob')).toBeUndefined();
  });

  it('a workflow with core.ask: prompt with buttons, approval by an allowed user, the workflow resumes', async () => {
    await fake.sendEnvelope('events_api', eventCallback(messageEvent({ text: '!deploy web', user: ALICE })));
    const prompt = await find((_m, text) => text.includes('Approval needed'));
    expect(buttons(prompt).map((b) => b.label)).toEqual(['Approve', 'Deny']);
    expect(FakeSlack.textOf(prompt)).toContain('Deploy to production?');
    await click(MALLORY, prompt, 'Approve', 'mallory');
    await fake.waitFor((f) => f.responses.find((r) => r.id === 'mallory'));
    const workflow = fx.engine.listExecutions({ action: 'slackpack.deploy' })[0]!;
    expect(fx.engine.getExecution(workflow.id)!.status).not.toBe('succeeded');
    expect(fx.engine.listExecutions({ action: 'core.local' })).toHaveLength(0);
    await click(BOB, prompt, 'Approve', 'bob');
    const done = await fx.engine.waitForExecution(workflow.id);
    expect(done.status).toBe('succeeded');
    expect(
      String(
        (fx.engine.listExecutions({ action: 'core.local' })[0]?.result as { stdout?: string })?.stdout,
      ).trim(),
    ).toBe('shipped web');
    await fake.waitFor(() =>
      FakeSlack.textOf(fake.messages.get(`${prompt.channel}:${prompt.ts}`)).includes('answered: Approve'),
    );
    await find((_m, text) => text.includes('slackpack.deploy succeeded'));
  });

  it('long output: the result message shows the tail, the whole output is a file in its thread', async () => {
    await fake.sendEnvelope('events_api', eventCallback(messageEvent({ text: '!big output', user: ALICE })));
    const upload = await fake.waitFor(
      (f) => [...f.uploads.values()].find((u) => u.shared && u.content),
      20_000,
    );
    const whole = Array.from({ length: 8000 }, (_, i) => String(i + 1)).join('\n');
    expect(upload.content?.trim()).toBe(whole);
    const result = await find((_m, text) => text.includes('slackpack.bigout succeeded'));
    expect(upload.shared?.thread_ts).toBe(result.ts);
    const shown = FakeSlack.textOf(result);
    expect(shown).toContain('8000');
    expect(shown).toMatch(/not shown|attached|in the thread/);
    for (const a of result.attachments ?? [])
      for (const b of a.blocks as Array<{ text?: { text: string } }>)
        expect(b.text?.text.length ?? 0).toBeLessThanOrEqual(3000);
  });

  it('chatops.post_message from a rule lands in the named channel', async () => {
    fx.engine.dispatchTrigger(
      'core.st2.webhook',
      { headers: {}, body: { text: 'disk full' } },
      { parameters: { url: 'slack-alert' } },
    );
    const alert = await find((_m, text) => text.includes('ALERT: disk full'));
    expect(alert.channel).toBe('C0ALERTS');
  });

  it('a whisper from chatops.post_message is an ephemeral in the channel', async () => {
    const admin = fx.engine.rbac.principal('admin');
    const r = await fx.engine.run(
      {
        action: 'chatops.post_message',
        parameters: { channel: '#ops', message: 'psst', user: 'U0ALICE', whisper: true },
        context: { user: 'admin' },
      },
      admin,
    );
    await fx.engine.waitForExecution(r.id);
    const eph = await fake.waitFor((f) => f.ephemerals.find((e) => FakeSlack.textOf(e).includes('psst')));
    expect(eph).toMatchObject({ channel: 'C0OPS', user: 'U0ALICE' });
  });
});
