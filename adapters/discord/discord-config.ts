/** The Discord adapter from Squall's flat config values (`discord.*`, `chat.prefix`), or undefined when disabled. */
import type { Logger } from '../../engine/log/logger.ts';
import { DiscordAdapter } from './discord-adapter.ts';

function text(values: Record<string, unknown>, key: string): string {
  const v = values[key];
  return typeof v === 'string' ? v.trim() : '';
}

/**
 * Enabled when `discord.token` is set. HTTP interactions at /discord/interactions are on when
 * `discord.public_key` is set (mount `discordInteractionsPlugin(adapter)` on the HTTP server); the gateway is
 * used for messages either way. Throws a clear error on a malformed public key.
 */
export function createDiscordAdapterFromConfig(
  values: Record<string, unknown>,
  logger: Logger,
): DiscordAdapter | undefined {
  const token = text(values, 'discord.token');
  if (!token) return undefined;
  const applicationId = text(values, 'discord.application_id');
  const publicKey = text(values, 'discord.public_key');
  const apiUrl = text(values, 'discord.api_url');
  const prefix = typeof values['chat.prefix'] === 'string' ? (values['chat.prefix'] as string) : '!';
  return new DiscordAdapter({
    token,
    ...(applicationId ? { applicationId } : {}),
    ...(publicKey ? { publicKey } : {}),
    ...(apiUrl ? { apiUrl } : {}),
    prefix,
    logger,
  });
}
