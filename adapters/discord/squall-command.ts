/**
 * The `/squall` slash command definition and its registration over REST (`squall discord register-commands`):
 * global (`POST /applications/:app/commands`, up to an hour to show everywhere) or per guild (instant). POST
 * creates or overwrites the command of that name and leaves the application's other commands alone.
 */
import { REST } from 'discord.js';
import {
  type APIApplication,
  type APIApplicationCommand,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  Routes,
} from 'discord-api-types/v10';
import { normaliseApiUrl } from './discord-adapter.ts';

export function squallCommand(name = 'squall'): RESTPostAPIChatInputApplicationCommandsJSONBody {
  return {
    name,
    type: ApplicationCommandType.ChatInput,
    description: 'Run a Squall ChatOps command',
    options: [
      {
        type: ApplicationCommandOptionType.String,
        name: 'command',
        description: 'The command, e.g. "deploy web" or "help"',
        required: true,
        max_length: 2000,
      },
    ],
    integration_types: [ApplicationIntegrationType.GuildInstall],
    contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
  };
}

export interface RegisterOptions {
  token: string;
  /** Default: the application the token belongs to (GET /applications/@me). */
  applicationId?: string;
  apiUrl?: string;
  /** Register in this guild only (shows up at once); default: global. */
  guildId?: string;
  commandName?: string;
  timeoutMs?: number;
}

export interface RegisterResult {
  applicationId: string;
  guildId?: string;
  command: APIApplicationCommand;
}

export async function registerSquallCommand(options: RegisterOptions): Promise<RegisterResult> {
  if (!options.token.trim()) throw new Error('discord.token (DISCORD_TOKEN) is empty');
  if (options.guildId !== undefined && !/^\d{5,21}$/.test(options.guildId))
    throw new Error(`--guild expects a guild id (a snowflake), got "${options.guildId}"`);
  const rest = new REST({
    ...(options.apiUrl ? { api: normaliseApiUrl(options.apiUrl) } : {}),
    retries: 1,
    timeout: options.timeoutMs ?? 15_000,
  }).setToken(options.token.trim());
  let applicationId = options.applicationId?.trim();
  try {
    if (!applicationId) {
      const app = (await rest.get(Routes.currentApplication())) as APIApplication;
      applicationId = app.id;
    }
    const route = options.guildId
      ? Routes.applicationGuildCommands(applicationId, options.guildId)
      : Routes.applicationCommands(applicationId);
    const command = (await rest.post(route, {
      body: squallCommand(options.commandName),
    })) as APIApplicationCommand;
    return { applicationId, ...(options.guildId ? { guildId: options.guildId } : {}), command };
  } catch (err) {
    const e = err as { status?: number; message?: string };
    const hint =
      e.status === 401
        ? 'check DISCORD_TOKEN'
        : e.status === 403 || e.status === 404
          ? 'check DISCORD_APPLICATION_ID (and that the bot is in the guild)'
          : 'check DISCORD_API_URL and the network';
    throw new Error(
      `Discord: registering /${options.commandName ?? 'squall'} failed (${e.message ?? String(err)}); ${hint}`,
    );
  }
}
