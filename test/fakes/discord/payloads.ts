/**
 * Discord payload builders for e2e tests, typed with discord-api-types v10 so that `tsc` catches drift between
 * our fixtures and the real wire shapes (gateway MESSAGE_CREATE, slash command and button interactions).
 */
import { randomBytes } from 'node:crypto';
import {
  type APIChatInputApplicationCommandInteraction,
  type APIGuildMember,
  type APIInteractionGuildMember,
  type APIMessage,
  type APIMessageComponentButtonInteraction,
  type APIUser,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ChannelType,
  ComponentType,
  type GatewayMessageCreateDispatchData,
  type GuildMemberFlags,
  InteractionContextType,
  InteractionType,
  Locale,
  MessageType,
} from 'discord-api-types/v10';

/** A Discord user as tests name them. */
export interface FakeUserRef {
  id: string;
  username: string;
  bot?: boolean;
}

let counter = 0n;
/** Increasing snowflake-looking ids (unique per process). */
export function snowflake(): string {
  counter += 1n;
  return String(1_300_000_000_000_000_000n + BigInt(Date.now() % 1_000_000) * 1_000_000n + counter);
}

export function interactionToken(): string {
  return `aW50ZXJhY3Rpb24.${randomBytes(24).toString('base64url')}`;
}

export function apiUser(user: FakeUserRef): APIUser {
  return {
    id: user.id,
    username: user.username,
    discriminator: '0',
    global_name: null,
    avatar: null,
    ...(user.bot ? { bot: true } : {}),
  };
}

function member(roles: string[]): Omit<APIGuildMember, 'user'> {
  return {
    roles,
    joined_at: '2024-01-01T00:00:00.000Z',
    deaf: false,
    mute: false,
    flags: 0 as GuildMemberFlags,
  };
}

function interactionMember(user: FakeUserRef, roles: string[]): APIInteractionGuildMember {
  return { ...member(roles), user: apiUser(user), permissions: '0' };
}

/** A gateway MESSAGE_CREATE: a guild message when `guildId` is given, else a DM. */
export function messageCreate(options: {
  channelId: string;
  guildId?: string;
  content: string;
  author: FakeUserRef;
  roles?: string[];
  id?: string;
  webhookId?: string;
}): GatewayMessageCreateDispatchData {
  return {
    id: options.id ?? snowflake(),
    channel_id: options.channelId,
    author: apiUser(options.author),
    content: options.content,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: [],
    pinned: false,
    type: MessageType.Default,
    ...(options.webhookId ? { webhook_id: options.webhookId } : {}),
    // Discord sends the channel type; discord.js needs it to build an uncached DM channel.
    ...(options.guildId
      ? {
          guild_id: options.guildId,
          member: member(options.roles ?? []),
          channel_type: ChannelType.GuildText,
        }
      : { channel_type: ChannelType.DM }),
  };
}

interface InteractionBase {
  applicationId: string;
  user: FakeUserRef;
  channelId: string;
  /** Absent: a DM. */
  guildId?: string;
  roles?: string[];
  id?: string;
  token?: string;
}

function base(o: InteractionBase) {
  const where = o.guildId
    ? {
        guild_id: o.guildId,
        guild: { id: o.guildId, locale: Locale.EnglishUS, features: [] },
        member: interactionMember(o.user, o.roles ?? []),
        context: InteractionContextType.Guild,
        channel: { id: o.channelId, type: ChannelType.GuildText as const },
      }
    : {
        user: apiUser(o.user),
        context: InteractionContextType.BotDM,
        channel: { id: o.channelId, type: ChannelType.DM as const },
      };
  return {
    id: o.id ?? snowflake(),
    application_id: o.applicationId,
    token: o.token ?? interactionToken(),
    version: 1 as const,
    channel_id: o.channelId,
    app_permissions: '0',
    locale: Locale.EnglishUS,
    entitlements: [],
    authorizing_integration_owners: {},
    attachment_size_limit: 8 * 1024 * 1024,
    ...where,
  };
}

/** `/squall command:<text>` (CHAT_INPUT, type 2). */
export function slashInteraction(
  o: InteractionBase & { command: string; commandName?: string },
): APIChatInputApplicationCommandInteraction {
  return {
    ...base(o),
    type: InteractionType.ApplicationCommand,
    data: {
      id: snowflake(),
      name: o.commandName ?? 'squall',
      type: ApplicationCommandType.ChatInput,
      options: [{ type: ApplicationCommandOptionType.String, name: 'command', value: o.command }],
    },
  } satisfies APIChatInputApplicationCommandInteraction;
}

/** A button click (MESSAGE_COMPONENT, type 3) on `message`. */
export function buttonInteraction(
  o: InteractionBase & { customId: string; message: APIMessage },
): APIMessageComponentButtonInteraction {
  return {
    ...base(o),
    type: InteractionType.MessageComponent,
    message: o.message,
    data: { custom_id: o.customId, component_type: ComponentType.Button },
  } satisfies APIMessageComponentButtonInteraction;
}
