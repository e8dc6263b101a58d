export { type Bot, type CreateBotOptions, createBot } from './bot.ts';
export { type AllowList, type BotConfig, botConfigFromValues, DEFAULT_BOT_CONFIG } from './bot-config.ts';
export type * from './chat-adapter.ts';
export { identityKey, resolveIdentity } from './identity.ts';
export { decideAlias, SHELL_ACTIONS } from './permissions.ts';
