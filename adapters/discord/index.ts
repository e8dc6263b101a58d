export { DiscordAdapter, type DiscordAdapterOptions } from './discord-adapter.ts';
export { createDiscordAdapterFromConfig } from './discord-config.ts';
export { DISCORD_INTERACTIONS_PATH, discordInteractionsPlugin } from './discord-interactions-plugin.ts';
export { DISCORD_LIMITS, renderMessage } from './embeds.ts';
export { discordPublicKey, InteractionReplayCache, verifyDiscordSignature } from './interaction-signature.ts';
export { type RegisterOptions, registerSquallCommand, squallCommand } from './squall-command.ts';
