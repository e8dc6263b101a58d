/** Discord messages and interactions → the bot's IncomingMessage / identity fields (pure mapping, no I/O). */
import {
  type APIApplicationCommandInteractionDataOption,
  type APIInteraction,
  type APIUser,
  ApplicationCommandOptionType,
} from 'discord-api-types/v10';
import type { ChatIdentity, IncomingKind, IncomingMessage } from '../../bot/chat-adapter.ts';

export const ADAPTER = 'discord';

/** What the adapter reads from a gateway message (a discord.js Message, flattened). */
export interface DiscordMessageInfo {
  id: string;
  channelId: string;
  guildId?: string | null;
  channelName?: string;
  content: string;
  author: { id: string; username?: string; bot?: boolean };
  /** Role ids of the author in the guild (without @everyone). */
  roleIds?: string[];
  webhookId?: string | null;
  system?: boolean;
}

export interface MessageContext {
  botUserId?: string;
  prefix: string;
}

export function identity(
  user: { id: string; username?: string; bot?: boolean },
  guildId: string | null | undefined,
  roles?: string[],
): ChatIdentity {
  return {
    adapter: ADAPTER,
    ...(guildId ? { workspace: guildId } : {}),
    userId: user.id,
    ...(user.username ? { userName: user.username } : {}),
    ...(roles && roles.length > 0 ? { platformRoles: [...roles] } : {}),
    ...(user.bot ? { isBot: true } : {}),
  };
}

/** Removes leading mentions of the bot (`<@123> deploy` or `<@!123> deploy` → `deploy`). */
export function stripBotMention(text: string, botUserId: string | undefined): string {
  if (!botUserId) return text.trim();
  return text.replace(new RegExp(`^\\s*<@!?${botUserId}>[\\s:,]*`), '').trim();
}

export function mentionsBot(text: string, botUserId: string | undefined): boolean {
  return !!botUserId && new RegExp(`<@!?${botUserId}>`).test(text);
}

/**
 * A gateway message as a command, or undefined when it is not one for us: bots (us included), webhooks and
 * system messages, and guild messages with neither the prefix nor a mention of the bot.
 */
export function fromMessage(message: DiscordMessageInfo, ctx: MessageContext): IncomingMessage | undefined {
  if (message.author.bot || message.webhookId || message.system) return undefined;
  if (ctx.botUserId && message.author.id === ctx.botUserId) return undefined;
  const raw = message.content ?? '';
  let kind: IncomingKind;
  let text: string;
  if (!message.guildId) {
    kind = 'dm';
    text = stripBotMention(raw, ctx.botUserId);
  } else if (mentionsBot(raw, ctx.botUserId) && stripBotMention(raw, ctx.botUserId) !== raw.trim()) {
    kind = 'mention';
    text = stripBotMention(raw, ctx.botUserId);
  } else {
    if (!ctx.prefix || !raw.trimStart().startsWith(ctx.prefix)) return undefined;
    kind = 'message';
    text = raw.trim();
  }
  if (!text) return undefined;
  return {
    adapter: ADAPTER,
    kind,
    ...(message.guildId ? { workspace: message.guildId } : {}),
    channel: message.channelId,
    ...(message.channelName ? { channelName: message.channelName } : {}),
    user: identity(message.author, message.guildId, message.roleIds),
    text,
    messageId: message.id,
    deliveryId: `message:${message.id}`,
  };
}

/** Who sent an interaction: `member.user` in guilds, `user` in DMs. */
export function interactionUser(interaction: APIInteraction): APIUser | undefined {
  return interaction.member?.user ?? interaction.user;
}

/** The clicker/caller as a ChatIdentity (guild id + user id, member role ids). */
export function interactionIdentity(interaction: APIInteraction): ChatIdentity | undefined {
  const user = interactionUser(interaction);
  if (!user) return undefined;
  return identity(user, interaction.guild_id, interaction.member?.roles);
}

/** The `command` string option of `/squall command:<text>` (also inside a subcommand, for tolerance). */
export function commandOption(options: APIApplicationCommandInteractionDataOption[] | undefined): string {
  for (const o of options ?? []) {
    if (o.type === ApplicationCommandOptionType.String && o.name === 'command') return o.value;
    if (
      (o.type === ApplicationCommandOptionType.Subcommand ||
        o.type === ApplicationCommandOptionType.SubcommandGroup) &&
      'options' in o
    ) {
      const inner = commandOption(o.options as APIApplicationCommandInteractionDataOption[] | undefined);
      if (inner) return inner;
    }
  }
  return '';
}

/** The channel an interaction happened in. */
export function interactionChannel(interaction: APIInteraction): string {
  return interaction.channel?.id ?? interaction.channel_id ?? '';
}

export function interactionChannelName(interaction: APIInteraction): string | undefined {
  const channel = interaction.channel as { name?: unknown } | undefined;
  return typeof channel?.name === 'string' ? channel.name : undefined;
}
