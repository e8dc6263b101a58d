import type { Command } from 'commander';
import { loadConfig } from '../../engine/config/load-config.ts';
import { printJson } from '../output.ts';

/** `squall discord ...`: Discord set-up tasks that talk to Discord's REST API directly (no server needed). */
export function registerDiscordCommands(program: Command): void {
  const discord = program.command('discord').description('Discord set-up (slash command registration)');
  discord
    .command('register-commands')
    .description(
      'Register the /squall slash command, globally (up to an hour to appear) or in one guild (instant)',
    )
    .option('--guild <id>', 'register in this guild only')
    .option('--json', 'print the registered command as JSON')
    .action(async (o: { guild?: string; json?: boolean }) => {
      const loaded = loadConfig({ file: program.opts<{ config?: string }>().config });
      const value = (key: string) => {
        const v = loaded.values[key];
        return typeof v === 'string' ? v.trim() : '';
      };
      const token = value('discord.token');
      if (!token) throw new Error('discord.token (DISCORD_TOKEN) is not set: nothing to register with');
      // Loaded on use: discord.js is not needed by every `squall` invocation.
      const { registerSquallCommand } = await import('../../adapters/discord/squall-command.ts');
      const result = await registerSquallCommand({
        token,
        ...(value('discord.application_id') ? { applicationId: value('discord.application_id') } : {}),
        ...(value('discord.api_url') ? { apiUrl: value('discord.api_url') } : {}),
        ...(o.guild !== undefined ? { guildId: o.guild } : {}),
      });
      if (o.json) printJson(result.command);
      else
        process.stdout.write(
          `registered /${result.command.name} (id ${result.command.id}) for application ${result.applicationId} ${
            result.guildId ? `in guild ${result.guildId}` : 'globally (may take up to an hour to appear)'
          }\n`,
        );
    });
}
