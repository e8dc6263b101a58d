import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBot } from '../../bot/bot.ts';
import { loadConfig } from '../../engine/config/load-config.ts';
import type { Engine } from '../../engine/engine.ts';
import { createEngine } from '../../engine/index.ts';
import { silentLogger } from '../../engine/log/logger.ts';
import { MemoryChatAdapter } from '../helpers/memory-chat-adapter.ts';
import { tempDataDir } from '../helpers/squall-process.ts';
import { BOT_PACKS, type BotHarness, IDENTITIES, startBot, USERS_YAML } from './harness.ts';

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function prompt(h: BotHarness) {
  return h.chat.waitFor(() => h.chat.messages.find((m) => m.versions[0]!.title === 'Approval needed'));
}

describe('bot: approvals', () => {
  it('posts buttons in the originating channel; the first valid click answers and updates the prompt', async () => {
    h = await startBot();
    await h.chat.say('!ask approval', { user: 'alice', channel: 'C5' });
    const p = await prompt(h);
    expect(p.channel).toBe('C5');
    expect(p.versions[0]!.buttons!.map((b) => b.label)).toEqual(['Approve', 'Deny']);
    const ask = h.fx.engine.listExecutions({ action: 'core.ask' })[0]!;
    expect(ask.status).toBe('pending');

    // Someone the chat does not know cannot answer.
    const refused = await h.chat.click(p.ref, 'Approve', { user: 'stranger' });
    expect(refused[0]!.text).toContain('not linked');
    expect(h.fx.engine.getInquiry(ask.id)!.status).toBe('pending');

    expect(await h.chat.click(p.ref, 'Approve', { user: 'carol' })).toEqual([]);
    const done = await h.fx.engine.waitForExecution(ask.id);
    expect(done.status).toBe('succeeded');
    expect(h.fx.engine.getInquiry(ask.id)).toMatchObject({
      response: { continue: true },
      responded_by: 'carol',
    });
    const updated = await h.chat.waitFor(() => {
      const v = p.versions.at(-1)!;
      return v.title === 'Approval answered' ? v : undefined;
    });
    expect(updated.text).toBe('carol answered: Approve');
    expect(updated.buttons ?? []).toEqual([]);

    // Only the first answer counts.
    const late = await h.chat.click(p.ref, 'Deny', { user: 'alice', buttonId: `inquiry:${ask.id}:1` });
    expect(late[0]!.text).toContain('already answered');
    expect(h.fx.engine.getInquiry(ask.id)!.response).toEqual({ continue: true });
  });

  it('forbids the requester from approving their own request when the inquiry says so', async () => {
    h = await startBot();
    await h.chat.say('!ask strict approval', { user: 'alice' });
    const p = await prompt(h);
    const own = await h.chat.click(p.ref, 'Approve', { user: 'alice' });
    expect(own[0]!.text).toContain('may not answer it');
    await h.chat.click(p.ref, 'Approve', { user: 'carol' });
    const ask = h.fx.engine.listExecutions({ action: 'botpack.ask_strict' })[0]!;
    expect((await h.fx.engine.waitForExecution(ask.id)).status).toBe('succeeded');
  });

  it('re-checks a tampered button against the clicker (viewer may not answer)', async () => {
    h = await startBot();
    await h.chat.say('!ask approval', { user: 'alice' });
    const p = await prompt(h);
    const replies = await h.chat.click(p.ref, 'Approve', { user: 'vic' });
    expect(replies[0]!.text).toContain('may not answer');
  });

  it('renders one button per enum value, and answers by reply command', async () => {
    h = await startBot();
    await h.chat.say('!ask color', { user: 'alice' });
    const p = await prompt(h);
    expect(p.versions[0]!.buttons!.map((b) => b.label)).toEqual(['red', 'green']);
    const ask = h.fx.engine.listExecutions({ action: 'core.ask' })[0]!;
    await h.chat.say(`!approve ${ask.id.slice(0, 8)} green`, { user: 'carol' });
    expect(h.chat.privates.at(-1)!.message.text).toContain('Recorded');
    expect(h.fx.engine.getInquiry(ask.id)!.response).toEqual({ color: 'green' });
    const v = await h.chat.waitFor(() =>
      p.versions.at(-1)!.title === 'Approval answered' ? p.versions.at(-1) : undefined,
    );
    expect(v.text).toBe('carol answered: green');
  });

  it('updates the prompt when the answer comes from elsewhere (API/CLI) and when it expires', async () => {
    h = await startBot();
    await h.chat.say('!ask approval', { user: 'alice' });
    await h.chat.say('!ask approval', { user: 'alice' });
    await h.chat.waitFor(
      () => h!.chat.messages.filter((m) => m.versions[0]!.title === 'Approval needed').length === 2,
    );
    const [a, b] = h.fx.engine.listExecutions({ action: 'core.ask', order: 'asc' });
    await h.fx.engine.respondInquiry(a!.id, { continue: false }, h.fx.engine.rbac.principal('admin'));
    const pa = h.chat.messages.find((m) => m.versions[0]!.fields?.some((f) => f.value === a!.id))!;
    await h.chat.waitFor(() => pa.versions.at(-1)!.text === 'admin answered: Deny');
    // Expiry: the engine marks it timed out and emits inquiry__update.
    const inquiry = h.fx.engine.getInquiry(b!.id)!;
    h.fx.engine.events.emit('inquiry__update', { ...inquiry, status: 'timeout' });
    const pb = h.chat.messages.find((m) => m.versions[0]!.fields?.some((f) => f.value === b!.id))!;
    await h.chat.waitFor(() => pb.versions.at(-1)!.title === 'Approval expired');
  });
});

describe('bot: restarts', () => {
  it('a new bot over the same engine finishes the message of an execution the old one started', async () => {
    h = await startBot();
    const flag = path.join(tempDataDir('squall-flag-'), 'go');
    await h.chat.say(`!wait for ${flag}`, { user: 'alice' });
    const msg = await h.chat.waitFor(() => h!.chat.messages[0]);
    await h.chat.waitFor(() => msg.versions.some((v) => v.code?.includes('started')));
    await h.bot.stop();

    const chat2 = new MemoryChatAdapter('memory');
    chat2.messages.push(...h.chat.messages); // the platform still holds the posted message
    const bot2 = createBot({
      engine: h.fx.engine,
      adapters: [chat2],
      config: { prefix: '!', defaultRole: '', identities: IDENTITIES, rateLimitPerMinute: 100 },
      logger: silentLogger(),
    });
    await bot2.start();
    try {
      (await import('node:fs')).writeFileSync(flag, '');
      const final = await chat2.waitFor(() =>
        msg.versions.at(-1)!.status === 'succeeded' ? msg.versions.at(-1) : undefined,
      );
      expect(final.code).toBe('started\ndone');
      expect(chat2.messages).toHaveLength(1);
    } finally {
      await bot2.stop();
      rmSync(path.dirname(flag), { recursive: true, force: true });
    }
  });

  it('pending buttons still work after the engine and the bot restart', async () => {
    const dataDir = tempDataDir();
    const yamlFile = path.join(dataDir, 'squall.yaml');
    (await import('node:fs')).writeFileSync(yamlFile, USERS_YAML);
    const env = { SQUALL_DATA_DIR: dataDir, SQUALL_PACKS_PATH: BOT_PACKS };
    const config = { prefix: '!', defaultRole: '', identities: IDENTITIES, rateLimitPerMinute: 100 };
    const open = async (): Promise<Engine> => {
      const engine = await createEngine(loadConfig({ env, file: yamlFile, cwd: dataDir }).engine, {
        logger: silentLogger(),
        role: 'server',
      });
      await engine.start();
      return engine;
    };
    let engine = await open();
    const chat1 = new MemoryChatAdapter('memory');
    const bot1 = createBot({ engine, adapters: [chat1], config, logger: silentLogger() });
    await bot1.start();
    try {
      await chat1.say('!ask approval', { user: 'alice' });
      const p = await chat1.waitFor(() =>
        chat1.messages.find((m) => m.versions[0]!.title === 'Approval needed'),
      );
      const askId = engine.listExecutions({ action: 'core.ask' })[0]!.id;
      await bot1.stop();
      await engine.close();

      engine = await open();
      const chat2 = new MemoryChatAdapter('memory');
      chat2.messages.push(...chat1.messages);
      const bot2 = createBot({ engine, adapters: [chat2], config, logger: silentLogger() });
      await bot2.start();
      try {
        expect(await chat2.click(p.ref, 'Approve', { user: 'carol' })).toEqual([]);
        expect(engine.getInquiry(askId)!.status).toBe('succeeded');
        await chat2.waitFor(() => p.versions.at(-1)!.text === 'carol answered: Approve');
        // The ask execution's own result message is finished by the new bot too.
        const ackMsg = chat2.messages.find((m) => m.versions[0]!.text.includes(askId))!;
        await chat2.waitFor(() => ackMsg.versions.at(-1)!.status === 'succeeded');
      } finally {
        await bot2.stop();
      }
    } finally {
      await engine.close().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('bot: approvals inside a workflow', () => {
  it('prompts in the channel the workflow came from; approving resumes it', async (ctx) => {
    h = await startBot();
    await h.chat.say('!guarded deploy', { user: 'alice', channel: 'C7' });
    const wf = h.fx.engine.listExecutions({ action: 'botpack.guarded_deploy' })[0]!;
    const early = await Promise.race([
      h.fx.engine.waitForExecution(wf.id),
      h.chat.waitFor(() => h!.chat.messages.find((m) => m.versions[0]!.title === 'Approval needed')),
    ]);
    if ('status' in early && JSON.stringify(early.result ?? '').includes('not supported')) {
      ctx.skip(); // the orquesta runner is not wired into the engine yet
      return;
    }
    const p = await prompt(h);
    expect(p.channel).toBe('C7');
    await h.chat.click(p.ref, 'Approve', { user: 'carol' });
    const done = await h.fx.engine.waitForExecution(wf.id);
    expect(done.status).toBe('succeeded');
    const final = await h.chat.waitFor(() => {
      const m = h!.chat.messages.find((x) => x.versions[0]!.text.includes(wf.id));
      return m && m.versions.at(-1)?.status === 'succeeded' ? m : undefined;
    });
    expect(final.channel).toBe('C7');
  });
});
