/** Slack payloads → the bot's IncomingMessage / IncomingAction fields (pure mapping, no I/O). */
import type { ChatIdentity, IncomingKind, IncomingMessage } from '../../bot/chat-adapter.ts';

export const ADAPTER = 'slack';

export interface SlashCommandBody {
  team_id: string;
  channel_id: string;
  channel_name?: string;
  user_id: string;
  user_name?: string;
  command: string;
  text: string;
  response_url: string;
  trigger_id?: string;
}

export interface MessageEventBody {
  type: string;
  subtype?: string;
  channel: string;
  channel_type?: string;
  user?: string;
  bot_id?: string;
  team?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
}

export interface BlockActionBody {
  type: string;
  user: { id: string; username?: string; name?: string; team_id?: string };
  team?: { id: string } | null;
  channel?: { id: string; name?: string };
  container?: { type?: string; message_ts?: string; channel_id?: string; thread_ts?: string };
  message?: { ts: string; thread_ts?: string };
  response_url?: string;
  trigger_id?: string;
}

export interface ButtonActionPayload {
  type: string;
  action_id: string;
  value?: string;
  action_ts?: string;
}

/** Message subtypes that are still a person typing a command. */
const HUMAN_SUBTYPES = new Set(['thread_broadcast', 'file_share', 'me_message']);

export function identity(userId: string, workspace: string | undefined, userName?: string): ChatIdentity {
  return {
    adapter: ADAPTER,
    ...(workspace ? { workspace } : {}),
    userId,
    ...(userName ? { userName } : {}),
  };
}

/** Removes leading mentions of the bot (`<@UBOT> deploy` → `deploy`). */
export function stripBotMention(text: string, botUserId: string | undefined): string {
  if (!botUserId) return text.trim();
  const mention = new RegExp(`^\\s*<@${botUserId}(?:\\|[^>]*)?>[\\s:,]*`);
  return text.replace(mention, '').trim();
}

export function fromSlashCommand(body: SlashCommandBody): IncomingMessage {
  return {
    adapter: ADAPTER,
    kind: 'slash',
    workspace: body.team_id,
    channel: body.channel_id,
    ...(body.channel_name ? { channelName: body.channel_name } : {}),
    user: identity(body.user_id, body.team_id, body.user_name),
    text: body.text ?? '',
    ...(body.trigger_id ? { deliveryId: body.trigger_id } : {}),
  };
}

export interface MessageContext {
  botUserId?: string;
  botId?: string;
  prefix: string;
  teamId?: string;
  eventId?: string;
}

/**
 * A `message` or `app_mention` event as a command, or undefined when it is not one for us: bots (us included),
 * edits and other system subtypes, channel messages without the prefix, and channel messages that mention the
 * bot (the `app_mention` event carries those, once).
 */
export function fromMessageEvent(event: MessageEventBody, ctx: MessageContext): IncomingMessage | undefined {
  if (event.subtype && !HUMAN_SUBTYPES.has(event.subtype)) return undefined;
  if (event.bot_id || !event.user) return undefined;
  if (ctx.botUserId && event.user === ctx.botUserId) return undefined;
  if (ctx.botId && event.bot_id === ctx.botId) return undefined;
  const raw = event.text ?? '';
  let kind: IncomingKind;
  let text: string;
  if (event.type === 'app_mention') {
    kind = 'mention';
    text = stripBotMention(raw, ctx.botUserId);
  } else if (event.channel_type === 'im') {
    kind = 'dm';
    text = stripBotMention(raw, ctx.botUserId);
  } else {
    if (ctx.botUserId && raw.includes(`<@${ctx.botUserId}`)) return undefined;
    if (!ctx.prefix || !raw.trimStart().startsWith(ctx.prefix)) return undefined;
    kind = 'message';
    text = raw.trim();
  }
  const workspace = event.team ?? ctx.teamId;
  return {
    adapter: ADAPTER,
    kind,
    ...(workspace ? { workspace } : {}),
    channel: event.channel,
    user: identity(event.user, workspace),
    text,
    messageId: event.ts,
    ...(event.thread_ts ? { threadId: event.thread_ts } : {}),
    ...(ctx.eventId ? { deliveryId: ctx.eventId } : {}),
  };
}
