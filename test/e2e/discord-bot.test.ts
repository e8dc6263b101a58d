/**
 * End to end through the real bot (createBot), a real engine and the real discord.js client against the fake
 * Discord: prefix command with live output, the slash command deferred before the execution runs, a workflow
 * approval by buttons (a refused clicker, then an allowed one resumes it), long output as an attachment, and a
 * rule alert posted to a channel by name.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiscordAdapter } from '../../adapters/discord/discord-adapter.ts';
import { type Bot, createBot } from '../../bot/bot.ts';
import { silentLogger } from '../../engine/log/logger.ts';
import { BOT_PACKS } from '../bot/harness.ts';
import {
  buttonInteraction,
  FakeDiscord,
  type FakeMessage,
  type FakeUserRef,
  messageCreate,
  slashInteraction,
} from '../fakes/discord.ts';
import { type EngineFixture, startEngine } from '../helpers/engine-fixture.ts';

const USERS_YAML = `users:
  alice: {roles: [operator]}
  vic: {roles: [viewer]}
`;

const ALICE = { id: '1300000000000000011', username: 'alice' }; // Squall user alice (operator)
const BOB = { id: '1300000000000000012', username: 'bob' }; // unmapped; operator through his Discord role
const MALLORY = { id: '1300000000000000013', username: 'mallory' }; // Squall user vic (viewer)

function writeDiscordPack(root: string): string {
  const dir = path.join(root, 'discordpack');
  mkdirSync(path.join(dir, 'actions', 'workflows'), { recursive: true });
  mkdirSync(path.join(dir, 'aliases'), { recursive: true });
  mkdirSync(path.join(dir, 'rules'), { recursive: true });
  writeFileSync(
    path.join(dir, 'pack.yaml'),
    'name: discordpack\nversion: 0.1.0\ndescription: Discord e2e\nauthor: Squall tests\nemail: tests@squall.invalid\n',
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
    path.join(dir, 'actions', 'bigout.yaml'),
    `---
name: bigout
runner_type: local-shell-cmd
description: Prints a lot.
enabled: true
entry_point: ""
parameters:
  cmd:
    type: string
    immutable: true
    default: "seq 1 3000 | sed 's/^/output line /'"
  sudo:
    default: false
    immutable: true
`,
  );
  writeFileSync(
    path.join(dir, 'aliases', 'deploy.yaml'),
    `---
name: deploy
description: Deploy with approval.
action_ref: discordpack.deploy
formats:
  - "deploy {{target}}"
`,
  );
  writeFileSync(
    path.join(dir, 'aliases', 'bigout.yaml'),
    `---
name: bigout
description: Print a lot.
action_ref: discordpack.bigout
formats:
  - "bigout"
`,
  );
  writeFileSync(
    path.join(dir, 'rules', 'alert.yaml'),
    `---
name: discord_alert
pack: discordpack
enabled: true
trigger:
  type: core.st2.webhook
  parameters:
    url: discord-alert
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

let fake: FakeDiscord;
let fx: EngineFixture;
let bot: Bot;
let packRoot: string;
let adapter: DiscordAdapter;

beforeEach(async () => {
  fake = await FakeDiscord.start();
  packRoot = writeDiscordPack(mkdtempSync(path.join(tmpdir(), 'squall-discord-e2e-')));
  fx = await startEngine({ packs: [BOT_PACKS, packRoot], yaml: USERS_YAML });
  adapter = new DiscordAdapter({
    token: fake.token,
    apiUrl: fake.apiUrl,
    prefix: '!',
    logger: silentLogger(),
    minEditIntervalMs: 50,
    restRetries: 0,
  });
  const guild = fake.guild.id;
  bot = createBot({
    engine: fx.engine,
    adapters: [adapter],
    config: {
      prefix: '!',
      defaultRole: '',
      identities: { [`discord:${guild}:${ALICE.id}`]: 'alice', [`discord:${guild}:${MALLORY.id}`]: 'vic' },
      // Discord role "operators" → Squall role operator (chat.role_mappings).
      roleMappings: { [`discord:${guild}:role:${fake.role('operators')}`]: ['operator'] },
      rateLimitPerMinute: 100,
    },
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

const general = () => fake.channel('general');

function say(user: FakeUserRef, content: string, roles: string[] = []) {
  return fake.dispatch(
    'MESSAGE_CREATE',
    messageCreate({ channelId: general(), guildId: fake.guild.id, content, author: user, roles }),
  );
}

function find(pred: (m: FakeMessage, text: string) => boolean): Promise<FakeMessage> {
  return fake.waitFor((f) => [...f.messages.values()].find((m) => pred(m, FakeDiscord.textOf(m))), 20_000);
}

function buttons(message: FakeMessage): Array<{ customId: string; label: string }> {
  return message.components.flatMap((row) =>
    row.components.flatMap((c) =>
      'custom_id' in c && 'label' in c ? [{ customId: c.custom_id, label: c.label ?? '' }] : [],
    ),
  );
}

function click(user: FakeUserRef, message: FakeMessage, label: string, roles: string[] = []) {
  const button = buttons(message).find((b) => b.label === label);
  if (!button) throw new Error(`no button "${label}" on ${FakeDiscord.textOf(message)}`);
  return fake.sendInteraction(
    buttonInteraction({
      applicationId: fake.applicationId,
      user,
      guildId: fake.guild.id,
      channelId: message.channel_id,
      roles,
      customId: button.customId,
      message: fake.apiMessage(message.id),
    }),
  );
}

describe('Discord through the bot', () => {
  it('prefix message: a reply edited with live output, then the final embed', async () => {
    await say(ALICE, '!count 3');
    const final = await find((_m, text) => text.includes('Counted:'));
    expect(final.channel_id).toBe(general());
    expect(final.message_reference).toMatchObject({ message_id: expect.any(String) });
    const text = FakeDiscord.textOf(final);
    expect(text).toContain('line1');
    expect(text).toContain('line3');
    expect(final.embeds[0]?.color).toBe(0x2eb886);
    const versions = final.history.map((v) => FakeDiscord.textOf(v));
    expect(versions[0]).toContain('Counting for alice');
    expect(versions.some((v) => v.includes('line1') && !v.includes('Counted:'))).toBe(true);
    expect(fake.callsTo('POST', /^\/channels\/\d+\/messages$/)).toHaveLength(1);
    const execution = fx.engine.listExecutions({ action: 'botpack.count' })[0]!;
    expect(execution.status).toBe('succeeded');
    expect(execution.context.user).toBe('alice');
    expect(execution.context.chat).toMatchObject({
      adapter: 'discord',
      workspace: fake.guild.id,
      channel: general(),
    });
  });

  it('slash command: deferred before the execution exists, then the deferred reply becomes the result', async () => {
    let executionsAtDefer = -1;
    fake.on('POST', /\/callback$/, () => {
      executionsAtDefer = fx.engine.listExecutions({ action: 'botpack.count' }).length;
      return undefined;
    });
    const record = await fake.sendInteraction(
      slashInteraction({
        applicationId: fake.applicationId,
        user: ALICE,
        guildId: fake.guild.id,
        channelId: general(),
        command: 'count 2',
      }),
    );
    const final = await fake.waitFor((f) => {
      const m = record.original ? f.messages.get(record.original) : undefined;
      return m && FakeDiscord.textOf(m).includes('Counted:') ? m : undefined;
    }, 20_000);
    expect(record.responses).toEqual([{ type: 5 }]);
    expect(executionsAtDefer).toBe(0);
    expect(FakeDiscord.textOf(final)).toContain('line2');
    expect(final.history.length).toBeGreaterThanOrEqual(3); // deferred, ack, ..., result
    expect(fake.callsTo('POST', /^\/channels\//)).toHaveLength(0);
    expect(fx.engine.listExecutions({ action: 'botpack.count' })[0]?.status).toBe('succeeded');
  });

  it('workflow approval: a refused clicker gets an ephemeral refusal; an allowed click resumes the workflow', async () => {
    await say(ALICE, '!deploy web');
    const prompt = await find((_m, text) => text.includes('Approval needed'));
    expect(buttons(prompt).map((b) => b.label)).toEqual(['Approve', 'Deny']);
    const ask = await fake.waitFor(() => fx.engine.listExecutions({ action: 'core.ask' })[0]);
    const inquiry = () => fx.engine.listInquiries({ limit: 10 })[0]!;
    expect(inquiry().status).toBe('pending');

    // A viewer may not answer: ephemeral refusal, nothing changes.
    const refused = await click(MALLORY, prompt, 'Approve');
    await fake.waitFor(() => refused.responses.length > 0);
    expect(refused.responses[0]).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(FakeDiscord.textOf((refused.responses[0] as unknown as { data: never }).data)).toMatch(
      /Not recorded|may not/,
    );
    // Someone with no Squall identity and no mapped role: refused as not linked.
    const stranger = await click({ id: '1300000000000000099', username: 'eve' }, prompt, 'Approve');
    await fake.waitFor(() => stranger.responses.length > 0);
    expect(FakeDiscord.textOf((stranger.responses[0] as unknown as { data: never }).data)).toContain(
      'not linked',
    );
    expect(inquiry().status).toBe('pending');
    expect(fx.engine.getExecution(ask.id)!.status).toBe('pending');

    // Bob is an operator through his Discord role: the workflow resumes and ships.
    await click(BOB, prompt, 'Approve', [fake.role('operators')]);
    const workflow = fx.engine.listExecutions({ action: 'discordpack.deploy' })[0]!;
    const done = await fx.engine.waitForExecution(workflow.id);
    expect(done.status).toBe('succeeded');
    expect(fx.engine.listExecutions({ action: 'core.local' })[0]?.result).toMatchObject({
      stdout: expect.stringMatching(/^shipped web\n?$/),
    });
    expect(inquiry()).toMatchObject({ status: 'succeeded', response: { approved: true } });
    const answered = await fake.waitFor(() => {
      const m = fake.messages.get(prompt.id)!;
      return FakeDiscord.textOf(m).includes('Approval answered') ? m : undefined;
    });
    expect(FakeDiscord.textOf(answered)).toContain('bob');
    expect(buttons(answered)).toEqual([]);
    await find((_m, text) => text.includes('discordpack.deploy succeeded'));
  });

  it('long output arrives as a file attachment with its tail shown', async () => {
    await say(ALICE, '!bigout');
    const final = await find((m) => m.files.length > 0 && m.embeds[0]?.color === 0x2eb886);
    const file = final.files[0]!;
    expect(file.content).toContain('output line 1\n');
    expect(file.content).toContain('output line 3000');
    const shown = FakeDiscord.textOf(final);
    expect(shown).toContain('output line 3000');
    expect(shown).not.toContain('output line 1\n');
    expect(final.embeds[0]!.description!.length).toBeLessThanOrEqual(4096);
  });

  it('chatops.post_message from a rule lands in the channel named in it', async () => {
    fx.engine.dispatchTrigger(
      'core.st2.webhook',
      { headers: {}, body: { text: 'disk full' } },
      { parameters: { url: 'discord-alert' } },
    );
    const alert = await find((_m, text) => text.includes('ALERT: disk full'));
    expect(alert.channel_id).toBe(fake.channel('alerts'));
  });
});
