/** The Slack adapter from Squall's flat config values (`slack.*`, `chat.prefix`), or undefined when disabled. */
import type { Logger } from '../../engine/log/logger.ts';
import { SlackAdapter } from './slack-adapter.ts';

function text(values: Record<string, unknown>, key: string): string {
  const v = values[key];
  return typeof v === 'string' ? v.trim() : '';
}

/**
 * Enabled when `slack.bot_token` is set. Socket Mode when `slack.app_token` is set, else HTTP mode (needs
 * `slack.signing_secret`; mount `slackEventsPlugin(adapter)` on the HTTP server). Throws a clear error when the
 * bot token is set but neither mode can work.
 */
export function createSlackAdapterFromConfig(
  values: Record<string, unknown>,
  logger: Logger,
): SlackAdapter | undefined {
  const botToken = text(values, 'slack.bot_token');
  if (!botToken) return undefined;
  const appToken = text(values, 'slack.app_token');
  const signingSecret = text(values, 'slack.signing_secret');
  const apiUrl = text(values, 'slack.api_url');
  const prefix = typeof values['chat.prefix'] === 'string' ? (values['chat.prefix'] as string) : '!';
  return new SlackAdapter({
    botToken,
    ...(appToken ? { appToken } : {}),
    ...(signingSecret ? { signingSecret } : {}),
    ...(apiUrl ? { apiUrl } : {}),
    slashCommand: text(values, 'slack.command') || '/squall',
    prefix,
    logger,
  });
}
