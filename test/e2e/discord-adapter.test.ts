/**
 * The Discord adapter driving the REAL discord.js client (gateway + REST) against the fake Discord; only the
 * REST base URL differs from production (the gateway URL comes from GET /gateway/bot). A small scripted
 * ChatEventHandler stands in for the bot.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiscordAdapter, type DiscordAdapterOptions } from '../../adapters/discord/discord-adapter.ts';
import type {
  ChatEventHandler,
  IncomingAction,
  IncomingMessage,
  MessageRef,
  Replier,
} from '../../bot/chat-adapter.ts';
import { silentLogger } from '../../engine/log/logger.ts';
import { buttonInteraction, FakeDiscord, messageCreate, slashInteraction } from '../fakes/discord.ts';

const ALICE = { id: '1300000000000000011', username: 'alice' };
const MALLORY = { id: '1300000000000000013', username: 'mallory' };

class ScriptedHandler implements ChatEventHandler {
  readonly messages: IncomingMessage[] = [];
  readonly actions: IncomingAction[] = [];
  onMessageScript?: (m: IncomingMessage, reply: Replier) => Promise<void>;
  onActionScript?: (a: IncomingAction) => Promise<void>;

  async onMessage(message: IncomingMessage, reply: Replier): Promise<void> {
    this.messages.push(message);
    await this.onMessageScript?.(message, reply);
  }

  async onAction(action: IncomingAction): Promise<void> {
    this.actions.push(action);
    await this.onActionScript?.(action);
  }
}

let fake: FakeDiscord;
let adapter: DiscordAdapter | undefined;
let handler: ScriptedHandler;

function makeAdapter(overrides: Partial<DiscordAdapterOptions> = {}): DiscordAdapter {
  return new DiscordAdapter({
    token: fake.token,
    apiUrl: fake.apiUrl,
    prefix: '!',
    logger: silentLogger(),
    minEditIntervalMs: 50,
    restRetries: 0,
    ...overrides,
  });
}

async function started(overrides: Partial<DiscordAdapterOptions> = {}): Promise<DiscordAdapter> {
  adapter = makeAdapter(overrides);
  await adapter.start(handler);
  return adapter;
}

beforeEach(async () => {
  fake = await FakeDiscord.start();
  handler = new ScriptedHandler();
});

afterEach(async () => {
  await adapter?.stop();
  adapter = undefined;
  await fake.close();
});

const general = () => fake.channel('general');

describe('Discord adapter: start', () => {
  it('logs in through GET /gateway/bot, identifies with the intents, and is ready with the guild cached', async () => {
    const a = await started();
    expect(a.connected()).toBe(true);
    expect(a.botUserId).toBe(fake.botUser.id);
    expect(a.applicationId).toBe(fake.applicationId);
    const gateway = fake.callsTo('GET', /^\/gateway\/bot$/);
    expect(gateway[0]?.auth).toBe(`Bot ${fake.token}`);
    expect(fake.identifies).toHaveLength(1);
    // Guilds (1) | GuildMessages (512) | DirectMessages (4096) | MessageContent (32768)
    expect(fake.identifies[0]?.intents).toBe(1 | 512 | 4096 | 32768);
    expect(a.client?.channels.cache.get(general())).toBeTruthy();
  });

  it('fails fast with a clear error on a bad token (no hang, no reconnect loop)', async () => {
    adapter = makeAdapter({ token: 'wrong-token' });
    await expect(adapter.start(handler)).rejects.toThrow(/login failed.*DISCORD_TOKEN/);
    expect(adapter.connected()).toBe(false);
    expect(fake.identifies).toHaveLength(0);
    adapter = undefined;
  });

  it('fails fast when the gateway refuses the token at IDENTIFY (close 4004)', async () => {
    // REST lets the token through here; the gateway does not.
    fake.on('GET', /^\/gateway\/bot$/, () => ({
      status: 200,
      body: {
        url: fake.gatewayUrl,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 1, max_concurrency: 1 },
      },
    }));
    adapter = makeAdapter({ token: 'revoked-token' });
    await expect(adapter.start(handler)).rejects.toThrow(/login failed/);
    expect(fake.identifies.map((i) => i.token)).toEqual(['revoked-token']);
    expect(adapter.connected()).toBe(false);
    adapter = undefined;
  });

  it('fails fast with a hint when the Message Content intent is not allowed for the application (4014)', async () => {
    await fake.close();
    fake = await FakeDiscord.start({ allowedIntents: 1 | 512 | 4096 });
    adapter = makeAdapter();
    await expect(adapter.start(handler)).rejects.toThrow(/disallowed intents.*Message Content intent/i);
    adapter = undefined;
  });

  it('fails fast when the API URL does not answer', async () => {
    adapter = makeAdapter({ apiUrl: 'http://127.0.0.1:9/api' });
    await expect(adapter.start(handler)).rejects.toThrow(/login failed.*discord\.api_url/);
    adapter = undefined;
  });

  it('answers gateway heartbeats (ACKed by the fake) and stays on one session', async () => {
    await fake.close();
    fake = await FakeDiscord.start({ heartbeatIntervalMs: 100 });
    const a = await started();
    await fake.waitFor((f) => f.heartbeats >= 3);
    expect(a.connected()).toBe(true);
    expect(fake.identifies).toHaveLength(1);
  });

  it('refuses an empty token and a malformed public key at construction', () => {
    expect(() => makeAdapter({ token: '' })).toThrow(/discord\.token/);
    expect(() => makeAdapter({ publicKey: 'nothex' })).toThrow(/discord\.public_key/);
  });
});

describe('Discord adapter: messages', () => {
  it('prefix messages, mentions and DMs reach the bot; other chatter, bots and webhooks do not', async () => {
    handler.onMessageScript = async (m, reply) => {
      await reply.post({ text: `echo ${m.kind}: ${m.text}` });
    };
    const a = await started();
    const guildId = fake.guild.id;
    const operators = fake.role('operators');
    await fake.dispatch(
      'MESSAGE_CREATE',
      messageCreate({
        channelId: general(),
        guildId,
        content: '!deploy api',
        author: ALICE,
        roles: [operators],
      }),
    );
    await fake.dispatch(
      'MESSAGE_CREATE',
      messageCreate({
        channelId: general(),
        guildId,
        content: `<@${a.botUserId}> status web`,
        author: ALICE,
      }),
    );
    await fake.dispatch(
      'MESSAGE_CREATE',
      messageCreate({ channelId: general(), guildId, content: 'just chatting', author: ALICE }),
    );
    await fake.dispatch(
      'MESSAGE_CREATE',
      messageCreate({ channelId: general(), guildId, content: '!deploy', author: { ...MALLORY, bot: true } }),
    );
    await fake.dispatch(
      'MESSAGE_CREATE',
      messageCreate({ channelId: general(), guildId, content: '!hook', author: MALLORY, webhookId: '99' }),
    );
    await fake.dispatch(
      'MESSAGE_CREATE',
      messageCreate({ channelId: general(), guildId, content: '!self', author: fake.botUser }),
    );
    await fake.dispatch(
      'MESSAGE_CREATE',
      messageCreate({ channelId: '1400000000000000001', content: 'help', author: ALICE }),
    );
    await fake.waitFor((f) => f.callsTo('POST', /\/messages$/).length >= 3);
    expect(handler.messages.map((m) => `${m.kind}: ${m.text}`).sort()).toEqual([
      'dm: help',
      'mention: status web',
      'message: !deploy api',
    ]);
    const prefixed = handler.messages.find((m) => m.kind === 'message')!;
    expect(prefixed).toMatchObject({
      adapter: 'discord',
      workspace: guildId,
      channel: general(),
      channelName: 'general',
      user: {
        adapter: 'discord',
        workspace: guildId,
        userId: ALICE.id,
        userName: 'alice',
        platformRoles: [operators],
      },
    });
    expect(handler.messages.find((m) => m.kind === 'dm')?.workspace).toBeUndefined();
    // Replies reference the command message and never ping anyone.
    const replies = fake.callsTo('POST', /^\/channels\/\d+\/messages$/);
    for (const r of replies) {
      expect(r.body.message_reference).toMatchObject({ message_id: expect.any(String) });
      expect(r.body.allowed_mentions).toEqual({ parse: [] });
    }
    expect(replies.map((r) => r.path).filter((p) => p.includes('1400000000000000001'))).toHaveLength(1);
  });

  it('a private answer to a channel message is a DM', async () => {
    handler.onMessageScript = async (_m, reply) => {
      await reply.postPrivately({ text: 'only you can see this', status: 'warning' });
    };
    await started();
    await fake.dispatch(
      'MESSAGE_CREATE',
      messageCreate({ channelId: general(), guildId: fake.guild.id, content: '!secret', author: ALICE }),
    );
    const open = await fake.waitFor((f) => f.callsTo('POST', /^\/users\/@me\/channels$/)[0]);
    expect(open.body.recipient_id).toBe(ALICE.id);
    const dm = fake.dmChannels.get(ALICE.id)!;
    const message = await fake.waitFor((f) => f.messagesIn(dm)[0]);
    expect(FakeDiscord.textOf(message)).toContain('only you can see this');
    expect(fake.messagesIn(general())).toHaveLength(0);
  });
});

describe('Discord adapter: slash command', () => {
  it('deferred before the work runs, then the deferred reply is edited in place to the final result', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    handler.onMessageScript = async (_m, reply) => {
      await gate;
      const ref = await reply.post({ text: 'On it: demo.run', status: 'running' });
      await adapter!.update(ref, { text: 'On it: demo.run', status: 'running', code: 'line 1' });
      await adapter!.update(ref, { text: 'On it: demo.run', status: 'running', code: 'line 1\nline 2' });
      await adapter!.update(ref, {
        text: 'demo.run succeeded',
        status: 'succeeded',
        fields: [{ title: 'execution', value: 'ex-1', short: true }],
        code: 'line 1\nline 2\ndone',
      });
    };
    const a = await started();
    const interaction = slashInteraction({
      applicationId: fake.applicationId,
      user: ALICE,
      guildId: fake.guild.id,
      channelId: general(),
      roles: [fake.role('operators')],
      command: 'run demo',
    });
    const record = await fake.sendInteraction(interaction);
    // Deferred (type 5) while the handler is still blocked: nothing else happened yet.
    await fake.waitFor(() => record.responses.length > 0);
    expect(record.responses).toEqual([{ type: 5 }]);
    expect(fake.callsTo('PATCH', /^\/webhooks\//)).toHaveLength(0);
    expect(await fake.waitFor(() => handler.messages[0])).toMatchObject({
      adapter: 'discord',
      kind: 'slash',
      workspace: fake.guild.id,
      channel: general(),
      text: 'run demo',
      deliveryId: `interaction:${interaction.id}`,
      user: { userId: ALICE.id, workspace: fake.guild.id, platformRoles: [fake.role('operators')] },
    });
    release();
    const final = await fake.waitFor((f) => {
      const m = record.original ? f.messages.get(record.original) : undefined;
      return m && FakeDiscord.textOf(m).includes('demo.run succeeded') ? m : undefined;
    });
    const embed = final.embeds[0]!;
    expect(embed.color).toBe(0x2eb886);
    expect(embed.description).toContain('done');
    expect(embed.fields).toEqual([{ name: 'execution', value: 'ex-1', inline: true }]);
    // One message, edited in place through the interaction webhook, showing live output on the way.
    expect(fake.callsTo('POST', /^\/channels\//)).toHaveLength(0);
    const edits = fake.callsTo(
      'PATCH',
      new RegExp(`^/webhooks/${a.applicationId}/[^/]+/messages/@original$`),
    );
    expect(edits.length).toBeGreaterThanOrEqual(2);
    expect(edits.every((c) => c.auth === undefined)).toBe(true);
    expect(
      final.history.some(
        (v) => FakeDiscord.textOf(v).includes('line 1') && !FakeDiscord.textOf(v).includes('done'),
      ),
    ).toBe(true);
  });

  it('edits go through the interaction webhook while its token lives, then through the channel', async () => {
    let ref: MessageRef | undefined;
    handler.onMessageScript = async (_m, reply) => {
      ref = await reply.post({ text: 'running', status: 'running' });
    };
    const a = await started();
    await fake.sendInteraction(
      slashInteraction({
        applicationId: fake.applicationId,
        user: ALICE,
        guildId: fake.guild.id,
        channelId: general(),
        command: 'x',
      }),
    );
    const posted = await fake.waitFor(() => ref);
    // The interaction webhook no longer knows the token (expired): the bot edits its own message instead.
    fake.on('PATCH', /^\/webhooks\//, () => ({
      status: 404,
      body: { message: 'Unknown Webhook', code: 10015 },
    }));
    await a.update(posted, { text: 'finished', status: 'succeeded' });
    expect(fake.callsTo('PATCH', new RegExp(`^/channels/${general()}/messages/${posted.id}$`))).toHaveLength(
      1,
    );
    expect(FakeDiscord.textOf(fake.messages.get(posted.id))).toContain('finished');
    // A stored ref past the token's life goes to the channel route directly.
    const old = {
      ...posted,
      extra: { interaction: { ...(posted.extra?.interaction as object), expiresAt: 0 } },
    };
    const webhookEdits = fake.callsTo('PATCH', /^\/webhooks\//).length;
    await a.update(old, { text: 'later', status: 'succeeded' });
    expect(fake.callsTo('PATCH', /^\/webhooks\//)).toHaveLength(webhookEdits);
    expect(FakeDiscord.textOf(fake.messages.get(posted.id))).toContain('later');
  });

  it('a private answer replaces the deferred reply with an ephemeral follow-up', async () => {
    handler.onMessageScript = async (_m, reply) => {
      await reply.postPrivately({ text: 'you may not', status: 'warning' });
    };
    await started();
    const record = await fake.sendInteraction(
      slashInteraction({
        applicationId: fake.applicationId,
        user: MALLORY,
        guildId: fake.guild.id,
        channelId: general(),
        command: 'restart prod-db',
      }),
    );
    const followUp = await fake.waitFor((f) =>
      record.followups[0] ? f.messages.get(record.followups[0]) : undefined,
    );
    expect(followUp.flags & 64).toBe(64);
    expect(FakeDiscord.textOf(followUp)).toContain('you may not');
    expect(fake.messages.get(record.original!)?.deleted).toBe(true);
  });

  it('a redelivered interaction (same id) is handled once', async () => {
    await started();
    const interaction = slashInteraction({
      applicationId: fake.applicationId,
      user: ALICE,
      guildId: fake.guild.id,
      channelId: general(),
      command: 'once',
    });
    await fake.sendInteraction(interaction);
    await fake.dispatch('INTERACTION_CREATE', interaction);
    await fake.sendInteraction(
      slashInteraction({
        applicationId: fake.applicationId,
        user: ALICE,
        guildId: fake.guild.id,
        channelId: general(),
        command: 'twice',
      }),
    );
    await fake.waitFor(() => handler.messages.length >= 2);
    expect(handler.messages.map((m) => m.text)).toEqual(['once', 'twice']);
    expect(fake.callsTo('POST', /\/callback$/)).toHaveLength(2);
  });
});

describe('Discord adapter: buttons', () => {
  it('a click reaches the bot with the CLICKER identity; a private answer is an ephemeral reply', async () => {
    handler.onActionScript = async (a) => {
      await a.respondPrivately({ text: `not allowed, ${a.user.userName}`, status: 'warning' });
    };
    const a = await started();
    const ref = await a.post(general(), {
      title: 'Approval needed',
      text: 'Deploy?',
      status: 'pending',
      buttons: [
        { id: 'inquiry:abc:0', label: 'Approve', value: '{"ok":true}', style: 'primary' },
        { id: 'inquiry:abc:1', label: 'Deny', value: '{"ok":false}', style: 'danger' },
      ],
    });
    const posted = fake.messages.get(ref.id)!;
    const row = posted.components[0]!;
    expect(
      row.components.map((c) => ('custom_id' in c && 'style' in c ? [c.custom_id, c.style] : [])),
    ).toEqual([
      ['inquiry:abc:0', 1],
      ['inquiry:abc:1', 4],
    ]);
    const record = await fake.sendInteraction(
      buttonInteraction({
        applicationId: fake.applicationId,
        user: MALLORY,
        guildId: fake.guild.id,
        channelId: general(),
        roles: [fake.role('viewers')],
        customId: 'inquiry:abc:0',
        message: fake.apiMessage(ref.id),
      }),
    );
    const action = await fake.waitFor(() => handler.actions[0]);
    expect(action).toMatchObject({
      adapter: 'discord',
      workspace: fake.guild.id,
      channel: general(),
      user: {
        userId: MALLORY.id,
        workspace: fake.guild.id,
        userName: 'mallory',
        platformRoles: [fake.role('viewers')],
      },
      buttonId: 'inquiry:abc:0',
      value: '{"ok":true}',
      message: { adapter: 'discord', channel: general(), id: ref.id },
    });
    await fake.waitFor(() => record.responses.length > 0);
    expect(record.responses[0]).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(FakeDiscord.textOf((record.responses[0] as unknown as { data: never }).data)).toContain(
      'not allowed, mallory',
    );
  });

  it('a click the bot handles without a private answer is acknowledged as a deferred update', async () => {
    handler.onActionScript = async (a) => {
      await adapter!.update(a.message!, {
        title: 'Approval answered',
        text: 'alice answered: Approve',
        status: 'succeeded',
      });
    };
    const a = await started();
    const ref = await a.post(general(), {
      text: 'Deploy?',
      buttons: [{ id: 'inquiry:x:0', label: 'Approve', value: '{}' }],
    });
    const record = await fake.sendInteraction(
      buttonInteraction({
        applicationId: fake.applicationId,
        user: ALICE,
        guildId: fake.guild.id,
        channelId: general(),
        customId: 'inquiry:x:0',
        message: fake.apiMessage(ref.id),
      }),
    );
    await fake.waitFor(() => record.responses.length > 0);
    expect(record.responses).toEqual([{ type: 6 }]);
    const edited = fake.messages.get(ref.id)!;
    expect(FakeDiscord.textOf(edited)).toContain('alice answered: Approve');
    expect(edited.components).toEqual([]);
  });
});

describe('Discord adapter: output', () => {
  it('long output is attached as a file with its tail shown and a note (never cut silently)', async () => {
    const a = await started();
    const lines = Array.from({ length: 3000 }, (_, i) => `line ${i} ${'x'.repeat(20)}`);
    const output = lines.join('\n');
    const ref = await a.post(fake.channel('ops'), {
      text: 'big.run succeeded',
      status: 'succeeded',
      code: output,
    });
    const message = fake.messages.get(ref.id)!;
    expect(message.files).toHaveLength(1);
    expect(message.files[0]).toMatchObject({ name: 'output.txt', content: output });
    const shown = FakeDiscord.textOf(message);
    expect(shown).toContain('line 2999');
    expect(shown).toContain('output.txt');
    expect(shown).not.toContain('line 0 ');
    expect(message.embeds[0]!.description!.length).toBeLessThanOrEqual(4096);
    // Editing with the same long content does not upload again; new content replaces the file.
    await a.update(ref, { text: 'big.run succeeded', status: 'succeeded', code: output });
    const edits = fake.callsTo('PATCH', /^\/channels\//);
    expect(edits.at(-1)?.files).toEqual([]);
    expect(fake.messages.get(ref.id)!.files.map((f) => f.name)).toEqual(['output.txt']);
    await a.update(ref, { text: 'short now', status: 'succeeded' });
    expect(fake.messages.get(ref.id)!.files).toEqual([]);
  });

  it('the bot-provided attachment (whole output) is attached to the message', async () => {
    const a = await started();
    const ref = await a.post(general(), {
      text: 'done',
      code: '… tail',
      attachment: { filename: 'ex-1.txt', content: 'the whole output' },
    });
    expect(fake.messages.get(ref.id)!.files).toEqual([
      expect.objectContaining({ name: 'ex-1.txt', content: 'the whole output' }),
    ]);
  });

  it('a 429 on an edit is waited out (retry_after), with only the newest content sent', async () => {
    const a = await started();
    const ref = await a.post(general(), { text: 'v0' });
    fake.rateLimit('PATCH', /^\/channels\/\d+\/messages\/\d+$/, 0.3);
    const first = a.update(ref, { text: 'v1' });
    await fake.waitFor((f) => f.calls.find((c) => c.method === 'PATCH' && c.status === 429));
    const second = a.update(ref, { text: 'v2' });
    const third = a.update(ref, { text: 'v3' });
    await Promise.all([first, second, third]);
    const edits = fake.callsTo('PATCH', /^\/channels\//);
    expect(edits.map((e) => [e.status, FakeDiscord.textOf(e.body as never)])).toEqual([
      [429, expect.stringContaining('v1')],
      [200, expect.stringContaining('v3')],
    ]);
    expect(FakeDiscord.textOf(fake.messages.get(ref.id))).toContain('v3');
  });

  it('a 429 on a new message is waited out and retried by the REST client', async () => {
    const a = await started();
    fake.rateLimit('POST', /^\/channels\/\d+\/messages$/, 0.2);
    const ref = await a.post(general(), { text: 'after the wait' });
    expect(ref.id).toBeTruthy();
    expect(fake.callsTo('POST', /^\/channels\//).map((c) => c.status)).toEqual([429, 200]);
  });

  it('edits of one message are coalesced: a burst sends far fewer edits, ending with the last', async () => {
    const a = await started({ minEditIntervalMs: 300 });
    const ref = await a.post(general(), { text: 'start' });
    await Promise.all(Array.from({ length: 10 }, (_, i) => a.update(ref, { text: `step ${i}` })));
    const texts = fake.callsTo('PATCH', /^\/channels\//).map((c) => FakeDiscord.textOf(c.body as never));
    expect(texts.at(-1)).toContain('step 9');
    expect(texts.length).toBeLessThanOrEqual(2);
  });

  it('posts to channels by #name or name (guild channel cache) or id; unknown names fail clearly', async () => {
    const a = await started();
    const ref = await a.post('#alerts', { text: 'disk full', status: 'warning' });
    expect(ref.channel).toBe(fake.channel('alerts'));
    expect((await a.post('alerts', { text: 'again' })).channel).toBe(fake.channel('alerts'));
    expect((await a.post(fake.channel('ops'), { text: 'by id' })).channel).toBe(fake.channel('ops'));
    await expect(a.post('#nope', { text: 'x' })).rejects.toThrow(/no text channel named "#nope"/);
  });

  it('whispers are DMs (by user id, identity key or ChatIdentity)', async () => {
    const a = await started();
    await a.postToUser(ALICE.id, { text: 'psst' }, { channel: '#ops' });
    await a.postToUser(`discord:${fake.guild.id}:${MALLORY.id}`, { text: 'hi mallory' });
    await a.postToUser({ adapter: 'discord', userId: ALICE.id }, { text: 'again' });
    const aliceDm = fake.dmChannels.get(ALICE.id)!;
    expect(fake.messagesIn(aliceDm).map((m) => FakeDiscord.textOf(m))).toEqual(['psst', 'again']);
    expect(FakeDiscord.textOf(fake.messagesIn(fake.dmChannels.get(MALLORY.id)!)[0])).toBe('hi mallory');
    expect(fake.callsTo('POST', /^\/users\/@me\/channels$/)).toHaveLength(2);
    expect(fake.messagesIn(fake.channel('ops'))).toHaveLength(0);
  });
});

describe('Discord adapter: a message ref survives a restart', () => {
  it('a new adapter edits a message posted by the previous one (ref is plain data)', async () => {
    const first = await started();
    const ref: MessageRef = JSON.parse(JSON.stringify(await first.post(general(), { text: 'running' })));
    await first.stop();
    adapter = undefined;
    const second = await started();
    await second.update(ref, { text: 'finished', status: 'succeeded' });
    expect(FakeDiscord.textOf(fake.messages.get(ref.id))).toContain('finished');
  });
});
