/**
 * The Slack adapter driving the REAL Bolt app (Socket Mode) against the fake Slack; only the API URL differs
 * from production. A small scripted ChatEventHandler stands in for the bot.
 */

import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SlackAdapter } from '../../adapters/slack/slack-adapter.ts';
import type {
  ChatEventHandler,
  IncomingAction,
  IncomingMessage,
  MessageRef,
  Replier,
} from '../../bot/chat-adapter.ts';
import { createLogger, silentLogger } from '../../engine/log/logger.ts';
import {
  appMentionEvent,
  blockActionPayload,
  eventCallback,
  FakeSlack,
  messageEvent,
  slashCommandPayload,
} from '../fakes/slack.ts';

const ALICE = { userId: 'U0ALICE', userName: 'alice', teamId: 'T0001' };

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

let fake: FakeSlack;
let adapter: SlackAdapter | undefined;
let handler: ScriptedHandler;

function makeAdapter(overrides: Partial<ConstructorParameters<typeof SlackAdapter>[0]> = {}): SlackAdapter {
  return new SlackAdapter({
    botToken: fake.botToken,
    appToken: fake.appToken,
    apiUrl: fake.apiUrl,
    prefix: '!',
    logger: silentLogger(),
    minEditIntervalMs: 50,
    retryConfig: { retries: 0 },
    ...overrides,
  });
}

async function started(
  overrides: Partial<ConstructorParameters<typeof SlackAdapter>[0]> = {},
): Promise<SlackAdapter> {
  adapter = makeAdapter(overrides);
  await adapter.start(handler);
  return adapter;
}

beforeEach(async () => {
  fake = await FakeSlack.start();
  handler = new ScriptedHandler();
});

afterEach(async () => {
  await adapter?.stop();
  adapter = undefined;
  await fake.close();
});

describe('Slack adapter: start', () => {
  it('verifies the bot token, opens Socket Mode with the app token, and every call goes to the configured API URL', async () => {
    const a = await started();
    expect(a.connected()).toBe(true);
    expect(a.mode).toBe('socket');
    const auth = fake.callsOf('auth.test');
    expect(auth).toHaveLength(1);
    expect(auth[0]?.token).toBe(fake.botToken);
    const open = fake.callsOf('apps.connections.open');
    expect(open[0]?.token).toBe(fake.appToken);
    expect(fake.socketConnected).toBe(true);
    expect(a.botUserId).toBe('UBOT');
  });

  it('reconnects when Slack asks (disconnect message) and keeps handling commands', async () => {
    const a = await started();
    fake.requestReconnect();
    await fake.waitFor((f) => f.connections >= 2 && f.socketConnected);
    await fake.waitFor(() => a.connected());
    expect(fake.callsOf('apps.connections.open').length).toBeGreaterThanOrEqual(2);
    await fake.sendEnvelope('events_api', eventCallback(messageEvent({ text: '!after', user: ALICE })));
    await fake.waitFor(() => handler.messages.find((m) => m.text === '!after'));
  });

  it('fails fast with a clear error on a bad bot token', async () => {
    adapter = makeAdapter({ botToken: 'xoxb-wrong' });
    await expect(adapter.start(handler)).rejects.toThrow(/auth\.test failed.*invalid_auth.*SLACK_BOT_TOKEN/);
    expect(adapter.connected()).toBe(false);
    adapter = undefined;
  });

  it('fails fast on a bad app token (no endless reconnecting)', async () => {
    adapter = makeAdapter({ appToken: 'xapp-wrong' });
    await expect(adapter.start(handler)).rejects.toThrow(/Socket Mode could not connect.*invalid_auth/);
    adapter = undefined;
  });

  it('fails fast when the API URL does not answer', async () => {
    adapter = makeAdapter({ apiUrl: 'http://127.0.0.1:9/api/' });
    await expect(adapter.start(handler)).rejects.toThrow(/auth\.test failed/);
    adapter = undefined;
  });

  it('refuses a configuration with neither app token nor signing secret', () => {
    expect(() => makeAdapter({ appToken: undefined })).toThrow(/slack\.app_token.*slack\.signing_secret/);
  });
});

describe('Slack adapter: commands', () => {
  it('slash command: acked before the work runs, then a channel message edited in place to the final result', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let ref: MessageRef | undefined;
    handler.onMessageScript = async (_m, reply) => {
      await gate;
      ref = await reply.post({ text: 'On it: demo.run', status: 'running' });
      await adapter!.update(ref, { text: 'On it: demo.run', status: 'running', code: 'line 1' });
      await adapter!.update(ref, { text: 'On it: demo.run', status: 'running', code: 'line 1\nline 2' });
      await adapter!.update(ref, {
        text: 'demo.run succeeded',
        status: 'succeeded',
        fields: [{ title: 'execution', value: 'ex-1', short: true }],
        code: 'line 1\nline 2\ndone',
      });
    };
    await started();
    const ack = await fake.sendEnvelope(
      'slash_commands',
      slashCommandPayload({ text: 'run demo', user: ALICE, responseUrl: fake.responseUrl() }),
    );
    // The ack came back while the handler was still blocked: nothing posted yet.
    expect(ack.envelope_id).toBeTruthy();
    expect(fake.callsOf('chat.postMessage')).toHaveLength(0);
    expect(handler.messages[0]).toMatchObject({
      adapter: 'slack',
      kind: 'slash',
      workspace: 'T0001',
      channel: 'C0GENERAL',
      text: 'run demo',
      user: { adapter: 'slack', workspace: 'T0001', userId: 'U0ALICE', userName: 'alice' },
    });
    release();
    const final = await fake.waitFor((f) =>
      [...f.messages.values()].find((m) => FakeSlack.textOf(m).includes('demo.run succeeded')),
    );
    expect(final.channel).toBe('C0GENERAL');
    expect(FakeSlack.textOf(final)).toContain('done');
    expect(FakeSlack.textOf(final)).toContain('ex-1');
    expect(final.attachments?.[0]?.color).toBe('#2eb886');
    expect(FakeSlack.textOf(final)).toContain(':white_check_mark:');
    // One message, edited in place (no second post), and it showed live output on the way.
    expect(fake.callsOf('chat.postMessage')).toHaveLength(1);
    expect(
      final.history.some(
        (v) => FakeSlack.textOf(v).includes('line 1') && !FakeSlack.textOf(v).includes('done'),
      ),
    ).toBe(true);
  });

  it('mentions, DMs and prefixed channel messages reach the bot; others, bots and our own messages do not', async () => {
    const replies: string[] = [];
    handler.onMessageScript = async (m, reply) => {
      const ref = await reply.post({ text: `echo ${m.kind}: ${m.text}` });
      replies.push(ref.id);
    };
    await started();
    await fake.sendEnvelope(
      'events_api',
      eventCallback(appMentionEvent({ text: 'status web', user: ALICE })),
    );
    await fake.sendEnvelope(
      'events_api',
      eventCallback(messageEvent({ text: 'help', user: ALICE, channelType: 'im', channel: 'D0ALICE' })),
    );
    await fake.sendEnvelope('events_api', eventCallback(messageEvent({ text: '!deploy api', user: ALICE })));
    await fake.sendEnvelope(
      'events_api',
      eventCallback(messageEvent({ text: 'just chatting', user: ALICE })),
    );
    await fake.sendEnvelope(
      'events_api',
      eventCallback(messageEvent({ text: '!deploy api', user: { userId: 'U0OTHERBOT' }, botId: 'B0OTHER' })),
    );
    await fake.sendEnvelope(
      'events_api',
      eventCallback(messageEvent({ text: '!deploy api', user: { userId: 'UBOT' } })),
    );
    await fake.sendEnvelope(
      'events_api',
      eventCallback(messageEvent({ text: '!edited', user: ALICE, subtype: 'message_changed' })),
    );
    // A channel message mentioning the bot also arrives as app_mention: handled once, there.
    await fake.sendEnvelope(
      'events_api',
      eventCallback(messageEvent({ text: '<@UBOT> !status', user: ALICE })),
    );
    await fake.waitFor((f) => f.callsOf('chat.postMessage').length >= 3);
    // Deliveries are handled concurrently: compare as a set.
    expect(handler.messages.map((m) => `${m.kind}: ${m.text}`).sort()).toEqual([
      'dm: help',
      'mention: status web',
      'message: !deploy api',
    ]);
    expect(handler.messages.find((m) => m.kind === 'mention')?.user.userName).toBe('alice');
    const posts = fake.callsOf('chat.postMessage').map((c) => `${c.params.channel} ${c.params.text}`);
    expect(posts.sort()).toEqual([
      'C0GENERAL echo mention: status web',
      'C0GENERAL echo message: !deploy api',
      'D0ALICE echo dm: help',
    ]);
  });

  it('a command in a thread is answered in that thread', async () => {
    handler.onMessageScript = async (_m, reply) => {
      await reply.post({ text: 'threaded answer' });
    };
    await started();
    await fake.sendEnvelope(
      'events_api',
      eventCallback(messageEvent({ text: '!status', user: ALICE, threadTs: '1700000000.000001' })),
    );
    const call = await fake.waitForCall('chat.postMessage');
    expect(call.params.thread_ts).toBe('1700000000.000001');
  });

  it('a redelivered event (same event_id) is handled once', async () => {
    await started();
    const payload = eventCallback(messageEvent({ text: '!once', user: ALICE }), { eventId: 'Ev0SAME' });
    await fake.sendEnvelope('events_api', payload);
    await fake.sendEnvelope('events_api', payload, { retryAttempt: 1 });
    await fake.sendEnvelope('events_api', eventCallback(messageEvent({ text: '!twice', user: ALICE })));
    await fake.waitFor(() => handler.messages.length >= 2);
    expect(handler.messages.map((m) => m.text)).toEqual(['!once', '!twice']);
    expect(handler.messages[0]?.deliveryId).toBe('Ev0SAME');
  });

  it('private answers: ephemeral for channel messages, response_url for slash commands', async () => {
    handler.onMessageScript = async (_m, reply) => {
      await reply.postPrivately({ text: 'only you can see this', status: 'warning' });
    };
    await started();
    await fake.sendEnvelope('events_api', eventCallback(messageEvent({ text: '!secret', user: ALICE })));
    const eph = await fake.waitFor((f) => f.ephemerals[0]);
    expect(eph).toMatchObject({ channel: 'C0GENERAL', user: 'U0ALICE' });
    const url = fake.responseUrl('slash-1');
    await fake.sendEnvelope(
      'slash_commands',
      slashCommandPayload({ text: 'secret', user: ALICE, responseUrl: url }),
    );
    const response = await fake.waitFor((f) => f.responses.find((r) => r.id === 'slash-1'));
    expect(response.body.response_type).toBe('ephemeral');
    expect(FakeSlack.textOf(response.body)).toContain('only you can see this');
  });

  it("a private answer too long for an ephemeral goes whole to the user's DM (with the file), the ephemeral says so", async () => {
    const long = 'q'.repeat(20_000);
    handler.onMessageScript = async (_m, reply) => {
      await reply.postPrivately({ text: 'your report', code: long });
    };
    await started();
    await fake.sendEnvelope(
      'slash_commands',
      slashCommandPayload({ text: 'report', user: ALICE, responseUrl: fake.responseUrl('long') }),
    );
    const eph = await fake.waitFor((f) => f.responses.find((r) => r.id === 'long'));
    expect(eph.body.response_type).toBe('ephemeral');
    expect(FakeSlack.textOf(eph.body)).toContain('sent to you as a direct message');
    const upload = await fake.waitFor((f) => [...f.uploads.values()].find((u) => u.shared));
    expect(upload.content).toBe(long);
    expect(upload.shared?.channel_id).toBe('D0ALICE');
  });

  it('a slash command in a channel the bot cannot post to is answered through response_url (and edited there)', async () => {
    fake.on('chat.postMessage', (params) =>
      params.channel === 'G0PRIVATE' ? { body: { ok: false, error: 'channel_not_found' } } : undefined,
    );
    handler.onMessageScript = async (_m, reply) => {
      const ref = await reply.post({ text: 'running', status: 'running' });
      await adapter!.update(ref, { text: 'finished', status: 'succeeded' });
    };
    await started();
    await fake.sendEnvelope(
      'slash_commands',
      slashCommandPayload({
        text: 'x',
        user: ALICE,
        channelId: 'G0PRIVATE',
        responseUrl: fake.responseUrl('priv'),
      }),
    );
    const replaced = await fake.waitFor((f) =>
      f.responses.find((r) => r.id === 'priv' && r.body.replace_original),
    );
    expect(FakeSlack.textOf(replaced.body)).toContain('finished');
    expect(replaced.body.response_type).toBe('in_channel');
  });
});

describe('Slack adapter: buttons', () => {
  it('a block_actions click reaches the bot with the CLICKER identity and answers privately', async () => {
    handler.onActionScript = async (a) => {
      await a.respondPrivately({ text: `not allowed, ${a.user.userName}`, status: 'warning' });
    };
    await started();
    const ref = await adapter!.post('C0GENERAL', {
      title: 'Approval needed',
      text: 'Deploy?',
      status: 'pending',
      buttons: [
        { id: 'inquiry:abc:0', label: 'Approve', value: '{"ok":true}', style: 'primary' },
        { id: 'inquiry:abc:1', label: 'Deny', value: '{"ok":false}', style: 'danger' },
      ],
    });
    const posted = fake.callsOf('chat.postMessage')[0]!;
    const actions = (
      posted.params.attachments as Array<{ blocks: Array<Record<string, unknown>> }>
    )[0]!.blocks.find((b) => b.type === 'actions') as { elements: Array<Record<string, unknown>> };
    expect(actions.elements.map((e) => [e.action_id, e.style])).toEqual([
      ['inquiry:abc:0', 'primary'],
      ['inquiry:abc:1', 'danger'],
    ]);
    const ack = await fake.sendEnvelope(
      'interactive',
      blockActionPayload({
        user: { userId: 'U0MALLORY', userName: 'mallory', teamId: 'T0002' },
        actionId: 'inquiry:abc:0',
        value: '{"ok":true}',
        messageTs: ref.id,
        responseUrl: fake.responseUrl('click-1'),
      }),
    );
    expect(ack.envelope_id).toBeTruthy();
    const action = await fake.waitFor(() => handler.actions[0]);
    expect(action).toMatchObject({
      adapter: 'slack',
      workspace: 'T0002',
      channel: 'C0GENERAL',
      user: { userId: 'U0MALLORY', workspace: 'T0002', userName: 'mallory' },
      buttonId: 'inquiry:abc:0',
      value: '{"ok":true}',
      message: { adapter: 'slack', channel: 'C0GENERAL', id: ref.id },
    });
    const refusal = await fake.waitFor((f) => f.responses.find((r) => r.id === 'click-1'));
    expect(refusal.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(FakeSlack.textOf(refusal.body)).toContain('not allowed, mallory');
  });
});

describe('Slack adapter: output', () => {
  it('long output goes to a file in the message thread, with its tail shown and a note (never cut silently)', async () => {
    await started();
    const lines = Array.from({ length: 3000 }, (_, i) => `line ${i} ${'x'.repeat(20)}`);
    const output = lines.join('\n');
    const ref = await adapter!.post('C0OPS', {
      text: 'big.run succeeded',
      status: 'succeeded',
      code: output,
    });
    const shared = await fake.waitFor((f) => [...f.uploads.values()].find((u) => u.shared));
    expect(shared.content).toBe(output);
    expect(shared.shared).toMatchObject({ channel_id: 'C0OPS', thread_ts: ref.id });
    const message = fake.messages.get(`C0OPS:${ref.id}`)!;
    const shown = FakeSlack.textOf(message);
    expect(shown).toContain('line 2999');
    expect(shown).toContain('output.txt');
    expect(shown).not.toContain('line 0 ');
    // Every block within Slack's limits.
    for (const block of message.attachments![0]!.blocks as Array<{ text?: { text: string } }>)
      expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(3000);
    // Editing with the same long content does not upload twice.
    await adapter!.update(ref, { text: 'big.run succeeded', status: 'succeeded', code: output });
    expect(fake.callsOf('files.completeUploadExternal')).toHaveLength(1);
  });

  it('the bot-provided attachment (whole output) is uploaded to the thread', async () => {
    await started();
    const ref = await adapter!.post('C0OPS', {
      text: 'done',
      code: '… tail',
      attachment: { filename: 'ex-1.txt', content: 'the whole output' },
    });
    const up = await fake.waitFor((f) =>
      [...f.uploads.values()].find((u) => u.shared && u.filename === 'ex-1.txt'),
    );
    expect(up.content).toBe('the whole output');
    expect(up.shared?.thread_ts).toBe(ref.id);
  });

  it('when file upload is refused, long output goes to thread replies instead', async () => {
    fake.on('files.getUploadURLExternal', () => ({ body: { ok: false, error: 'missing_scope' } }));
    await started();
    const output = 'y'.repeat(20_000);
    const ref = await adapter!.post('C0OPS', { text: 'x', code: output });
    await fake.waitFor(
      (f) => f.callsOf('chat.postMessage').filter((c) => c.params.thread_ts === ref.id).length >= 3,
    );
    const replies = fake.callsOf('chat.postMessage').filter((c) => c.params.thread_ts === ref.id);
    const text = replies.map((r) => FakeSlack.textOf(r.params)).join('');
    expect(text.match(/y/g)?.length ?? 0).toBeGreaterThanOrEqual(20_000);
  });

  it('a 429 on chat.update is retried after Retry-After, with only the newest content sent', async () => {
    await started();
    const ref = await adapter!.post('C0GENERAL', { text: 'v0' });
    fake.rateLimit('chat.update', 1);
    const first = adapter!.update(ref, { text: 'v1' });
    await fake.waitFor((f) => f.calls.find((c) => c.method === 'chat.update' && c.status === 429));
    const second = adapter!.update(ref, { text: 'v2' });
    const third = adapter!.update(ref, { text: 'v3' });
    await Promise.all([first, second, third]);
    const updates = fake.callsOf('chat.update');
    expect(updates.map((u) => [u.status, u.params.text])).toEqual([
      [429, 'v1'],
      [200, 'v3'],
    ]);
    expect(FakeSlack.textOf(fake.messages.get(`C0GENERAL:${ref.id}`))).toContain('v3');
  });

  it('a 429 on chat.postMessage is waited out and retried', async () => {
    await started();
    fake.rateLimit('chat.postMessage', 1);
    const ref = await adapter!.post('C0GENERAL', { text: 'after the wait' });
    expect(ref.id).toBeTruthy();
    expect(fake.callsOf('chat.postMessage').map((c) => c.status)).toEqual([429, 200]);
  });

  it('edits of one message are coalesced: a burst sends far fewer updates, ending with the last', async () => {
    await started({ minEditIntervalMs: 300 });
    const ref = await adapter!.post('C0GENERAL', { text: 'start' });
    const all = Array.from({ length: 10 }, (_, i) => adapter!.update(ref, { text: `step ${i}` }));
    await Promise.all(all);
    const texts = fake.callsOf('chat.update').map((c) => c.params.text);
    expect(texts.at(-1)).toBe('step 9');
    expect(texts.length).toBeLessThanOrEqual(2);
  });

  it('posts to channels by #name (conversations.list, paginated, cached) or id', async () => {
    await fake.close();
    fake = await FakeSlack.start({ pageSize: 1 });
    await started();
    const ref = await adapter!.post('#alerts', { text: 'disk full', status: 'warning' });
    expect(ref.channel).toBe('C0ALERTS');
    await adapter!.post('alerts', { text: 'again' });
    await adapter!.post('C0OPS', { text: 'by id' });
    expect(fake.callsOf('conversations.list').length).toBe(3); // 3 pages, once
    await expect(adapter!.post('#nope', { text: 'x' })).rejects.toThrow(/no channel named "#nope"/);
  });

  it('whispers: ephemeral in a channel, else a DM', async () => {
    await started();
    await adapter!.postToUser('U0BOB', { text: 'psst' }, { channel: '#ops' });
    expect(fake.ephemerals[0]).toMatchObject({ channel: 'C0OPS', user: 'U0BOB' });
    await adapter!.postToUser({ adapter: 'slack', userId: 'U0ALICE' }, { text: 'dm you' });
    const open = await fake.waitForCall('conversations.open');
    expect(open.params.users).toBe('U0ALICE');
    const dm = await fake.waitForCall('chat.postMessage', (p) => p.channel === 'D0ALICE');
    expect(FakeSlack.textOf(dm.params)).toContain('dm you');
    await adapter!.postToUser('@bob', { text: 'by name' });
    await fake.waitForCall('chat.postMessage', (p) => p.channel === 'D0BOB');
  });
});

describe('Slack adapter: secrets', () => {
  it('never logs the bot token, the app token or the legacy verification token, even at trace level', async () => {
    let logged = '';
    const destination = new Writable({
      write(chunk, _enc, done) {
        logged += String(chunk);
        done();
      },
    });
    handler.onMessageScript = async (_m, reply) => {
      await reply.post({ text: 'ok' });
    };
    await started({ logger: createLogger({ level: 'trace', destination }) });
    await fake.sendEnvelope(
      'slash_commands',
      slashCommandPayload({ text: 'hello', user: ALICE, responseUrl: fake.responseUrl() }),
    );
    await fake.waitForCall('chat.postMessage');
    await adapter!.stop();
    adapter = undefined;
    expect(logged.length).toBeGreaterThan(1000);
    expect(logged).toContain('chat.postMessage');
    expect(logged).not.toContain(fake.botToken);
    expect(logged).not.toContain(fake.appToken);
    expect(logged).not.toContain('legacy-verification-token');
    expect(logged).not.toMatch(/ticket=[0-9a-f]/);
  });
});
