import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Bot, createBot } from '../../bot/bot.ts';
import type { BotConfig } from '../../bot/bot-config.ts';
import { silentLogger } from '../../engine/log/logger.ts';
import { type EngineFixture, startEngine } from '../helpers/engine-fixture.ts';
import { MemoryChatAdapter } from '../helpers/memory-chat-adapter.ts';

export const BOT_PACKS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

export const USERS_YAML = `users:
  alice: {roles: [operator]}
  carol: {roles: [operator]}
  vic: {roles: [viewer]}
`;

export const IDENTITIES: Record<string, string> = {
  'memory:alice': 'alice',
  'memory:carol': 'carol',
  'memory:vic': 'vic',
  'memory:root': 'admin',
};

export interface BotHarness {
  fx: EngineFixture;
  chat: MemoryChatAdapter;
  bot: Bot;
  close(): Promise<void>;
}

export async function startBot(
  config: Partial<BotConfig> = {},
  adapterOptions: ConstructorParameters<typeof MemoryChatAdapter>[1] = {},
): Promise<BotHarness> {
  const fx = await startEngine({ packs: [BOT_PACKS], yaml: USERS_YAML });
  const chat = new MemoryChatAdapter('memory', adapterOptions);
  const bot = createBot({
    engine: fx.engine,
    adapters: [chat],
    config: { prefix: '!', defaultRole: '', identities: IDENTITIES, rateLimitPerMinute: 100, ...config },
    logger: silentLogger(),
  });
  await bot.start();
  return {
    fx,
    chat,
    bot,
    async close() {
      await bot.stop();
      await fx.close();
    },
  };
}
