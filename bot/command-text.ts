import type { IncomingMessage } from './chat-adapter.ts';

/**
 * The command in a chat message, or undefined when it is not addressed to the bot: in channels a message needs
 * the prefix; DMs, mentions and slash commands do not (a prefix there is tolerated, hubot-stackstorm#92).
 */
export function commandText(message: IncomingMessage, prefix: string): string | undefined {
  const text = message.text.trim();
  if (prefix && text.startsWith(prefix)) return text.slice(prefix.length).trim() || undefined;
  if (message.kind === 'message' && prefix) return undefined;
  return text || undefined;
}
