import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsoleAdapter } from '../../adapters/console/console-adapter.ts';
import { consoleAdapterFor } from '../../adapters/console/index.ts';
import { type Bot, createBot } from '../../bot/bot.ts';
import { silentLogger } from '../../engine/log/logger.ts';
import { BOT_PACKS, USERS_YAML } from '../bot/harness.ts';
import { type EngineFixture, startEngine } from '../helpers/engine-fixture.ts';

let fx: EngineFixture | undefined;
let bot: Bot | undefined;
afterEach(async () => {
  await bot?.stop();
  await fx?.close();
  bot = undefined;
  fx = undefined;
});

async function consoleChat(options: { user?: string; identities?: Record<string, string> } = {}) {
  fx = await startEngine({ packs: [BOT_PACKS], yaml: USERS_YAML });
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (d: Buffer) => {
    text += d.toString();
  });
  const adapter = new ConsoleAdapter({ input, output, user: options.user });
  bot = createBot({
    engine: fx.engine,
    adapters: [adapter],
    config: { prefix: '!', defaultRole: '', identities: options.identities ?? {}, rateLimitPerMinute: 100 },
    logger: silentLogger(),
  });
  await bot.start();
  const until = async (pattern: RegExp) => {
    for (let i = 0; i < 200 && !pattern.test(text); i++) await new Promise((r) => setTimeout(r, 50));
    expect(text).toMatch(pattern);
  };
  return { type: (line: string) => input.write(`${line}\n`), until, output: () => text, adapter };
}

describe('console chat', () => {
  it('runs a command typed as the local admin and prints the live output then the result', async () => {
    const c = await consoleChat();
    c.type('count 2');
    await c.until(/✔ Counted: line1\nline2/);
    const out = c.output();
    expect(out).toContain('… Counting for admin');
    expect(out.indexOf('│ line1')).toBeLessThan(out.indexOf('✔ Counted'));
  });

  it('prints each line of live output once: no blank gutter lines, no repeat when the result arrives', async () => {
    const output = new PassThrough();
    let text = '';
    output.on('data', (d: Buffer) => {
      text += d.toString();
    });
    const adapter = new ConsoleAdapter({ output });
    const ref = await adapter.post('console', { text: 'On it', status: 'running', code: 'hello\n' });
    await adapter.update(ref, { text: 'On it', status: 'running', code: 'hello\nbye\n' });
    await adapter.update(ref, { text: 'Done', status: 'succeeded', code: 'hello\nbye' });
    const lines = text.split('\n').filter(Boolean);
    expect(lines.filter((l) => l.includes('│'))).toEqual(['  │ hello', '  │ bye']);
    expect(lines.at(-1)).toBe('✔ Done');
  });

  it('answers an approval prompt by typing the number of a choice', async () => {
    const c = await consoleChat();
    c.type('ask approval');
    await c.until(/1\) Approve {3}2\) Deny/);
    c.type('2');
    await c.until(/admin \(local\) answered: Deny/);
    const ask = fx!.engine.listExecutions({ action: 'core.ask' })[0]!;
    expect(fx!.engine.getInquiry(ask.id)!.response).toEqual({ continue: false });
  });

  it('a console identity other than local goes through the identity mapping', async () => {
    const c = await consoleChat({ user: 'bob' });
    c.type('greet x');
    await c.until(/don't know who you are here \(console:bob\)/);
    expect(fx!.engine.countExecutions({})).toBe(0);
  });

  it('squall start enables the console when stdin is a TTY (auto), or when forced', () => {
    const tty = Object.assign(new PassThrough(), { isTTY: true });
    const pipe = new PassThrough();
    expect(consoleAdapterFor('auto', { stdin: tty, stdout: new PassThrough() })).toBeInstanceOf(
      ConsoleAdapter,
    );
    expect(consoleAdapterFor('auto', { stdin: pipe, stdout: new PassThrough() })).toBeUndefined();
    expect(consoleAdapterFor('true', { stdin: pipe, stdout: new PassThrough() })).toBeInstanceOf(
      ConsoleAdapter,
    );
    expect(consoleAdapterFor('false', { stdin: tty, stdout: new PassThrough() })).toBeUndefined();
  });
});
