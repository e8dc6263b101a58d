/** Slack payloads as Slack sends them (Socket Mode envelope payloads, HTTP bodies), for the fake and tests. */
import { randomUUID } from 'node:crypto';

export interface Who {
  userId: string;
  userName?: string;
  teamId?: string;
}

let counter = 0;
function nextTs(): string {
  counter += 1;
  return `1710000000.${String(counter).padStart(6, '0')}`;
}

/** A slash command (`slash_commands` envelope payload, or the form fields of the HTTP request). */
export function slashCommandPayload(options: {
  text: string;
  user: Who;
  channelId?: string;
  channelName?: string;
  command?: string;
  responseUrl: string;
}): Record<string, string> {
  return {
    token: 'legacy-verification-token',
    team_id: options.user.teamId ?? 'T0001',
    team_domain: 'fake',
    channel_id: options.channelId ?? 'C0GENERAL',
    channel_name: options.channelName ?? 'general',
    user_id: options.user.userId,
    user_name: options.user.userName ?? options.user.userId.toLowerCase(),
    command: options.command ?? '/squall',
    text: options.text,
    api_app_id: 'A0FAKE',
    is_enterprise_install: 'false',
    response_url: options.responseUrl,
    trigger_id: `${Date.now()}.${randomUUID()}`,
  };
}

/** An Events API callback wrapping `event` (`events_api` envelope payload, or the HTTP JSON body). */
export function eventCallback(
  event: Record<string, unknown>,
  options: { teamId?: string; eventId?: string; botUserId?: string } = {},
): Record<string, unknown> {
  const teamId = options.teamId ?? 'T0001';
  return {
    token: 'legacy-verification-token',
    team_id: teamId,
    api_app_id: 'A0FAKE',
    event: { event_ts: event.ts, ...event },
    type: 'event_callback',
    event_id: options.eventId ?? `Ev${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: teamId,
        user_id: options.botUserId ?? 'UBOT',
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
  };
}

/** A channel message (`message.channels`), a DM (`message.im`, channelType 'im'), or from a bot (botId). */
export function messageEvent(options: {
  text: string;
  user: Who;
  channel?: string;
  channelType?: 'channel' | 'group' | 'im';
  threadTs?: string;
  botId?: string;
  subtype?: string;
}): Record<string, unknown> {
  return {
    type: 'message',
    channel: options.channel ?? (options.channelType === 'im' ? 'D0ALICE' : 'C0GENERAL'),
    channel_type: options.channelType ?? 'channel',
    user: options.user.userId,
    team: options.user.teamId ?? 'T0001',
    text: options.text,
    ts: nextTs(),
    ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
    ...(options.botId ? { bot_id: options.botId } : {}),
    ...(options.subtype ? { subtype: options.subtype } : {}),
  };
}

export function appMentionEvent(options: {
  text: string;
  user: Who;
  channel?: string;
  botUserId?: string;
}): Record<string, unknown> {
  return {
    type: 'app_mention',
    channel: options.channel ?? 'C0GENERAL',
    user: options.user.userId,
    team: options.user.teamId ?? 'T0001',
    text: `<@${options.botUserId ?? 'UBOT'}> ${options.text}`,
    ts: nextTs(),
  };
}

/** A button click (`block_actions`), as the `interactive` envelope payload or the HTTP `payload` form field. */
export function blockActionPayload(options: {
  user: Who;
  actionId: string;
  value: string;
  channelId?: string;
  messageTs: string;
  responseUrl: string;
}): Record<string, unknown> {
  const teamId = options.user.teamId ?? 'T0001';
  return {
    type: 'block_actions',
    user: {
      id: options.user.userId,
      username: options.user.userName ?? options.user.userId.toLowerCase(),
      name: options.user.userName ?? options.user.userId.toLowerCase(),
      team_id: teamId,
    },
    api_app_id: 'A0FAKE',
    token: 'legacy-verification-token',
    container: {
      type: 'message',
      message_ts: options.messageTs,
      channel_id: options.channelId ?? 'C0GENERAL',
      is_ephemeral: false,
    },
    trigger_id: `${Date.now()}.${randomUUID()}`,
    team: { id: teamId, domain: 'fake' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: options.channelId ?? 'C0GENERAL', name: 'general' },
    message: { type: 'message', ts: options.messageTs, user: 'UBOT', bot_id: 'BBOT', text: '' },
    state: { values: {} },
    response_url: options.responseUrl,
    actions: [
      {
        action_id: options.actionId,
        block_id: 'squall_actions_0',
        text: { type: 'plain_text', text: 'button', emoji: true },
        value: options.value,
        type: 'button',
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
}
