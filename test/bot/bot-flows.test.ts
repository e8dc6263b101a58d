import { afterEach, describe, expect, it } from 'vitest';
import { type BotHarness, startBot } from './harness.ts';

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('bot: command → ack → live output → result', () => {
  it('edits one message in place from the ack through the output to the result', async () => {
    h = await startBot();
    await h.chat.say('!count 3', { user: 'alice' });
    const msg = await h.chat.waitFor(() => {
      const m = h!.chat.messages.find((x) => x.channel === 'C1');
      return m && m.versions.at(-1)!.status === 'succeeded' ? m : undefined;
    });
    // One message in the channel: the ack became the live output, then the result (exactly one path).
    expect(h.chat.messages.filter((m) => m.channel === 'C1')).toHaveLength(1);
    expect(msg.versions[0]!.text).toBe('Counting for alice');
    expect(msg.versions[0]!.status).toBe('running');
    const live = msg.versions.filter((v) => v.status === 'running' && v.code?.includes('line1'));
    expect(live.length).toBeGreaterThan(0);
    const final = msg.versions.at(-1)!;
    expect(final.text).toBe('Counted: line1\nline2\nline3');

    const [record] = h.fx.engine.listExecutions({ action: 'botpack.count' });
    expect(record!.context.user).toBe('alice');
    expect(record!.context.action_alias_ref).toEqual({ name: 'count', ref: 'botpack.count' });
    // The same id shape as executions from the API, rules and the CLI (time-ordered ObjectId, not a UUID).
    expect(record!.id).toMatch(/^[0-9a-f]{24}$/);
    expect(record!.context.chat).toMatchObject({
      adapter: 'memory',
      channel: 'C1',
      user_id: 'alice',
      identity: 'memory:alice',
    });
    expect(record!.context.authorization).toMatchObject({ decision: 'allowed' });
  });

  it("throttles edits to the adapter's minEditIntervalMs (the final status still replaces the message)", async () => {
    h = await startBot({}, { minEditIntervalMs: 600_000 });
    await h.chat.say('!count 3', { user: 'alice' });
    const msg = await h.chat.waitFor(() => {
      const m = h!.chat.messages[0];
      return m && m.versions.at(-1)!.status === 'succeeded' ? m : undefined;
    });
    expect(msg.versions.map((v) => v.status)).toEqual(['running', 'succeeded']);
    expect(msg.versions[1]!.text).toBe('Counted: line1\nline2\nline3');
  });

  it('uses the default layout without templates: status, id, output', async () => {
    h = await startBot();
    await h.chat.say('!greet "Bob Smith"', { user: 'alice' });
    const final = await h.chat.waitFor(() => {
      const v = h!.chat.latest('C1')[0];
      return v?.status === 'succeeded' ? v : undefined;
    });
    expect(final.code).toBe('Hello, Bob Smith!');
    expect(final.fields?.find((f) => f.title === 'status')?.value).toBe('succeeded');
  });

  it('tail-truncates live output and attaches long final output', async () => {
    h = await startBot({}, { maxTextLength: 300 });
    await h.chat.say(`!greet "${'x'.repeat(1000)}"`, { user: 'alice' });
    const final = await h.chat.waitFor(() => {
      const v = h!.chat.latest('C1')[0];
      return v?.status === 'succeeded' ? v : undefined;
    });
    expect(final.attachment?.content).toContain('x'.repeat(1000));
    expect(final.code!.length).toBeLessThanOrEqual(300);
    expect(final.code).toContain('earlier characters not shown');
  });
});

describe('bot: identity and permissions', () => {
  it('refuses an unmapped chat user politely and runs nothing', async () => {
    h = await startBot();
    await h.chat.say('!greet bob', { user: 'mallory', workspace: 'T9' });
    expect(h.chat.privates.at(-1)!.message.text).toContain("don't know who you are");
    expect(h.chat.privates.at(-1)!.message.text).toContain('memory:T9:mallory');
    expect(h.fx.engine.countExecutions({})).toBe(0);
    expect(h.chat.messages).toHaveLength(0);
  });

  it('gives unmapped users the default role when configured', async () => {
    h = await startBot({ defaultRole: 'operator' });
    await h.chat.say('!greet bob', { user: 'mallory' });
    await h.chat.waitFor(() => h!.chat.latest('C1')[0]?.status === 'succeeded');
    expect(h.fx.engine.listExecutions({})[0]!.context.user).toBe('memory:mallory');
  });

  it('maps a whole workspace to roles with a wildcard, keeping each identity apart', async () => {
    h = await startBot({ roleMappings: { 'memory:T1:*': ['operator'] } });
    await h.chat.say('!greet bob', { user: 'U77', workspace: 'T1' });
    await h.chat.waitFor(() => h!.chat.latest('C1')[0]?.status === 'succeeded');
    expect(h.fx.engine.listExecutions({})[0]!.context.user).toBe('memory:T1:U77');
    await h.chat.say('!greet bob', { user: 'U77', workspace: 'T2' });
    expect(h.chat.privates.at(-1)!.message.text).toContain("don't know who you are");
    expect(h.fx.engine.countExecutions({})).toBe(1);
  });

  it('keeps the built-in run aliases to admins', async () => {
    h = await startBot();
    await h.chat.say('!run touch /tmp/should-not-exist', { user: 'alice' });
    expect(h.chat.privates.at(-1)!.message.text).toContain('admins only');
    expect(h.fx.engine.countExecutions({})).toBe(0);
    await h.chat.say('!run echo hi', { user: 'root' });
    const final = await h.chat.waitFor(() => {
      const v = h!.chat.latest('C1')[0];
      return v?.status === 'succeeded' ? v : undefined;
    });
    expect(final.code).toBe('hi');
  });

  it('denies a viewer (RBAC) and an alias outside its channels', async () => {
    h = await startBot();
    await h.chat.say('!greet bob', { user: 'vic' });
    expect(h.chat.privates.at(-1)!.message.text).toContain('may not run action botpack.greet');
    await h.chat.say('!ops greet bob', { user: 'alice', channel: 'C1' });
    expect(h.chat.privates.at(-1)!.message.text).toContain('may not be used in this channel');
    expect(h.fx.engine.countExecutions({})).toBe(0);
    await h.chat.say('!ops greet bob', { user: 'alice', channel: '#ops' });
    expect(h.fx.engine.countExecutions({})).toBe(1);
  });

  it('help lists only what the user may run', async () => {
    h = await startBot();
    await h.chat.say('!help', { user: 'alice' });
    const help = h.chat.latest('C1').at(-1)!;
    expect(help.code).toContain('!greet {{name}}');
    expect(help.code).not.toContain('!run {{cmd}}');
    await h.chat.say('!help', { user: 'root' });
    expect(h.chat.latest('C1').at(-1)!.code).toContain('!run {{cmd}}');
    await h.chat.say('!help gree', { user: 'alice' });
    const filtered = h.chat.latest('C1').at(-1)!;
    expect(filtered.code).toContain('greet');
    expect(filtered.code).not.toContain('count');
  });
});

describe('bot: conversation hygiene', () => {
  it('suggests the closest commands when nothing matches', async () => {
    h = await startBot();
    await h.chat.say('!gret bob', { user: 'alice' });
    const reply = h.chat.latest('C1').at(-1)!;
    expect(reply.text).toContain('Did you mean');
    expect(reply.text).toContain('!greet {{name}}');
    expect(h.fx.engine.countExecutions({})).toBe(0);
  });

  it('rate-limits each user', async () => {
    h = await startBot({ rateLimitPerMinute: 2 });
    await h.chat.say('!help', { user: 'alice' });
    await h.chat.say('!help', { user: 'alice' });
    await h.chat.say('!greet bob', { user: 'alice' });
    expect(h.chat.privates.at(-1)!.message.text).toContain('at most 2 commands a minute');
    await h.chat.say('!greet bob', { user: 'alice' });
    expect(h.chat.privates.filter((p) => p.message.text.includes('at most 2'))).toHaveLength(1);
    expect(h.fx.engine.countExecutions({})).toBe(0);
    await h.chat.say('!greet bob', { user: 'carol' });
    expect(h.fx.engine.countExecutions({})).toBe(1);
  });

  it('ignores bots, messages without the prefix, and retried deliveries', async () => {
    h = await startBot();
    await h.chat.say('!greet bob', { user: 'alice', isBot: true });
    await h.chat.say('greet bob', { user: 'alice' });
    expect(h.fx.engine.countExecutions({})).toBe(0);
    expect(h.chat.messages).toHaveLength(0);
    await h.chat.say('greet bob', { user: 'alice', kind: 'dm', deliveryId: 'ev1' });
    await h.chat.say('greet bob', { user: 'alice', kind: 'dm', deliveryId: 'ev1' });
    expect(h.fx.engine.countExecutions({})).toBe(1);
  });

  it('records every chat command in the audit log with its source', async () => {
    h = await startBot();
    await h.chat.say('!greet bob', { user: 'alice', channel: 'C9' });
    await h.chat.say('!greet bob', { user: 'nobody' });
    await h.fx.engine.waitForExecution(h.fx.engine.listExecutions({})[0]!.id);
    await h.fx.engine.close().catch(() => {}); // flush the audit log
    const { readFileSync } = await import('node:fs');
    const lines = readFileSync(h.fx.config.audit.path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.kind === 'chat.command');
    expect(lines).toEqual([
      expect.objectContaining({
        actor: 'alice',
        adapter: 'memory',
        channel: 'C9',
        user_id: 'alice',
        outcome: 'executed',
      }),
      expect.objectContaining({ actor: 'memory:nobody', user_id: 'nobody', outcome: 'refused' }),
    ]);
  });
});

describe('bot: parameters', () => {
  it('renders immutable parameter templates with the datastore, never the values typed in chat', async () => {
    h = await startBot();
    await h.fx.engine.datastore.set({ user: 'admin', isAdmin: true }, 'boss_name', 'Kay');
    await h.chat.say('!greet the boss', { user: 'alice' });
    await h.chat.waitFor(() => h!.chat.latest('C1')[0]?.status === 'succeeded');
    expect(h.chat.latest('C1')[0]!.code).toBe('Hello, Kay!');
    await h.chat.say('!greet "{{ st2kv.system.boss_name }}"', { user: 'alice', channel: 'C2' });
    const typed = await h.chat.waitFor(() => {
      const v = h!.chat.latest('C2')[0];
      return v?.status === 'succeeded' ? v : undefined;
    });
    expect(typed.code).toBe('Hello, {{ st2kv.system.boss_name }}!');
  });

  it('refuses to override an immutable parameter from chat', async () => {
    h = await startBot();
    await h.chat.say('!greet the boss name=Eve', { user: 'alice' });
    expect(h.chat.latest('C1').at(-1)!.text).toBe('Immutable arguments cannot be overriden: name');
    expect(h.fx.engine.countExecutions({})).toBe(0);
  });
});

describe('bot: built-in commands', () => {
  it('execution <id> shows the result of a past execution', async () => {
    h = await startBot();
    await h.chat.say('!greet bob', { user: 'alice' });
    const id = h.fx.engine.listExecutions({ action: 'botpack.greet' })[0]!.id;
    await h.fx.engine.waitForExecution(id);
    await h.chat.say(`!execution ${id}`, { user: 'vic' });
    const shown = await h.chat.waitFor(() =>
      h!.chat
        .latest('C1')
        .find((m) =>
          m.code === 'Hello, bob!' &&
          m.fields?.some((f) => f.value === id) &&
          h!.chat.latest('C1').length === 2
            ? m
            : undefined,
        ),
    );
    expect(shown.status).toBe('succeeded');
    await h.chat.say('!execution nope', { user: 'vic' });
    expect(h.chat.latest('C1').at(-1)!.text).toContain('No execution with id "nope"');
  });

  it('deny <id> answers a yes/no question with no', async () => {
    h = await startBot();
    await h.chat.say('!ask approval', { user: 'alice' });
    await h.chat.waitFor(() => h!.chat.messages.find((m) => m.versions[0]!.title === 'Approval needed'));
    const ask = h.fx.engine.listExecutions({ action: 'core.ask' })[0]!;
    await h.chat.say(`!deny ${ask.id}`, { user: 'carol' });
    expect(h.fx.engine.getInquiry(ask.id)!.response).toEqual({ continue: false });
  });
});

describe('bot: alerts and post_result', () => {
  it('posts a rule alert through chatops.post_message to the named channel', async () => {
    h = await startBot();
    h.fx.engine.dispatchTrigger(
      'core.st2.webhook',
      { headers: {}, body: { text: 'disk full' } },
      { parameters: { url: 'alert' } },
    );
    const alert = await h.chat.waitFor(() => h!.chat.latest('#ops')[0]);
    expect(alert.text).toBe('ALERT: disk full');
  });

  it('does not post a chat execution result twice, but cross-posts to another channel', async () => {
    h = await startBot();
    await h.chat.say('!greet bob', { user: 'alice' });
    const id = h.fx.engine.listExecutions({ action: 'botpack.greet' })[0]!.id;
    await h.fx.engine.waitForExecution(id);
    await h.chat.waitFor(() => h!.chat.latest('C1')[0]?.status === 'succeeded');
    const admin = h.fx.engine.rbac.principal('admin');
    const same = await h.fx.engine.run(
      {
        action: 'chatops.post_result',
        parameters: { execution_id: id, channel: 'C1' },
        context: { user: 'admin' },
      },
      admin,
    );
    await h.fx.engine.waitForExecution(same.id);
    const other = await h.fx.engine.run(
      {
        action: 'chatops.post_result',
        parameters: { execution_id: id, channel: '#audit' },
        context: { user: 'admin' },
      },
      admin,
    );
    await h.fx.engine.waitForExecution(other.id);
    const posted = await h.chat.waitFor(() => h!.chat.latest('#audit')[0]);
    expect(posted.code).toBe('Hello, bob!');
    expect(h.chat.messages.filter((m) => m.channel === 'C1')).toHaveLength(1);
  });

  it('whispers to a user', async () => {
    h = await startBot();
    const admin = h.fx.engine.rbac.principal('admin');
    const r = await h.fx.engine.run(
      {
        action: 'chatops.post_message',
        parameters: { channel: 'C1', message: 'psst', user: 'alice', whisper: true },
        context: { user: 'admin' },
      },
      admin,
    );
    await h.fx.engine.waitForExecution(r.id);
    const p = await h.chat.waitFor(() => h!.chat.privates.find((x) => x.message.text === 'psst'));
    expect(p.to).toBe('alice');
    expect(h.chat.messages).toHaveLength(0);
  });
});
