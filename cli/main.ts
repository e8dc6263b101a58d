import { Command, CommanderError } from 'commander';
import { ConfigError } from '../engine/config/load-config.ts';
import { ApiError } from './api-client.ts';
import { registerAliasCommands } from './commands/alias.ts';
import { registerApiKeyCommands } from './commands/apikey.ts';
import { registerChatCommands } from './commands/chat.ts';
import { registerConfigCommands } from './commands/config.ts';
import { registerContentCommands } from './commands/content.ts';
import { registerDiscordCommands } from './commands/discord.ts';
import { registerExecutionCommands } from './commands/executions.ts';
import { registerKeyCommands } from './commands/key.ts';
import { registerPackConfigCommands } from './commands/pack-config.ts';
import { registerPackLifecycleCommands } from './commands/pack-lifecycle.ts';
import { registerSensorCommands } from './commands/sensor.ts';
import { registerStartCommand } from './commands/start.ts';
import { registerWorkflowCommands } from './commands/workflow.ts';
import { DataDirLockedError } from './data-dir.ts';

export function buildProgram(): Command {
  const program = new Command('squall')
    .description('Squall: ChatOps automation — StackStorm-compatible packs, rules, workflows and chat')
    .option('-c, --config <file>', 'squall.yaml to use (default: $SQUALL_CONFIG or ./squall.yaml)')
    .showHelpAfterError();
  registerStartCommand(program);
  registerConfigCommands(program);
  registerApiKeyCommands(program);
  registerContentCommands(program);
  registerPackLifecycleCommands(program);
  registerSensorCommands(program);
  registerExecutionCommands(program);
  registerPackConfigCommands(program);
  registerWorkflowCommands(program);
  registerKeyCommands(program);
  registerAliasCommands(program);
  registerChatCommands(program);
  registerDiscordCommands(program);
  return program;
}

/** Entry point of bin/squall: expected failures print one clear line and exit non-zero, never a stack trace. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof ApiError || err instanceof ConfigError || err instanceof DataDirLockedError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exitCode = err instanceof ConfigError || err instanceof DataDirLockedError ? 2 : 1;
      return;
    }
    process.stderr.write(`error: ${(err as Error).message ?? String(err)}\n`);
    if (process.env.SQUALL_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    process.exitCode = 1;
  }
}
