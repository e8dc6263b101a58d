/**
 * `squall chat "<command>" [--user <u>]`: one console chat command, printing every reply until the executions it
 * started have ended; the exit code comes from their status (1 when any did not succeed, or when the command was
 * refused or unknown).
 *
 * Where it runs: when a server holds the data dir, through its bot (POST /api/v1/chat, replies streamed as SSE),
 * so the command sees the live state and other chat users see its executions; otherwise in this process (an engine
 * and a bot on the data dir, holding its lock meanwhile) with a console adapter on stdout. On a terminal, typing
 * the number of a choice answers an approval prompt; elsewhere answer with `squall chat "approve <id>"`.
 */
import type { Command } from 'commander';
import type { FastifyPluginAsync } from 'fastify';
import { ConsoleAdapter } from '../../adapters/console/console-adapter.ts';
import { consoleAdapterFor } from '../../adapters/console/index.ts';
import type { RelayedMessage } from '../../adapters/console/relay-adapter.ts';
import { ChatRelayAdapter } from '../../adapters/console/relay-adapter.ts';
import { registerChatRoutes } from '../../api/routes/chat.ts';
import type { Bot } from '../../bot/bot.ts';
import { createBot } from '../../bot/bot.ts';
import { botConfigFromValues } from '../../bot/bot-config.ts';
import type { ChatAdapter, MessageRef } from '../../bot/chat-adapter.ts';
import { runOneCommand } from '../../bot/one-command.ts';
import { loadConfig } from '../../engine/config/load-config.ts';
import type { Engine } from '../../engine/engine.ts';
import { createEngine } from '../../engine/index.ts';
import type { Logger } from '../../engine/log/logger.ts';
import { createLogger } from '../../engine/log/logger.ts';
import type { ExecutionStatus } from '../../engine/model/execution.ts';
import { ApiError } from '../api-client.ts';
import { acquireDataDir, readAdminToken, readLock } from '../data-dir.ts';

export interface Outcome {
  statuses: ExecutionStatus[];
  worst: ConsoleAdapter['worstStatus'];
}

/** 0 all succeeded, 1 a failure / refusal / unknown command, 3 still waiting for an approval. */
function exitCode(outcome: Outcome): number {
  const waiting = (s: ExecutionStatus) => s === 'pending' || s === 'paused';
  if (outcome.statuses.some(waiting) && outcome.statuses.every((s) => waiting(s) || s === 'succeeded'))
    return 3;
  if (outcome.statuses.length > 0) return outcome.statuses.every((s) => s === 'succeeded') ? 0 : 1;
  return outcome.worst === 'failed' || outcome.worst === 'warning' ? 1 : 0;
}

export async function chatViaServer(
  baseUrl: string,
  token: string,
  command: string,
  user: string,
): Promise<Outcome> {
  const out = new ConsoleAdapter({ user });
  const refs = new Map<string, MessageRef>();
  const response = await fetch(`${baseUrl}/api/v1/chat`, {
    method: 'POST',
    headers: { 'x-auth-token': token, 'content-type': 'application/json' },
    body: JSON.stringify({ command, user }),
  });
  if (!response.ok || !response.body) {
    const text = await response.text();
    let message = text;
    try {
      message = (JSON.parse(text) as { faultstring?: string }).faultstring ?? text;
    } catch {
      // plain text
    }
    throw new ApiError(response.status, message || `HTTP ${response.status}`);
  }
  const statuses: ExecutionStatus[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let index = buffer.indexOf('\n\n');
    while (index >= 0) {
      const block = buffer.slice(0, index);
      buffer = buffer.slice(index + 2);
      index = buffer.indexOf('\n\n');
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (!event || !data) continue;
      const payload = JSON.parse(data) as RelayedMessage & {
        executions?: Array<{ status: ExecutionStatus }>;
        error?: string;
      };
      if (event === 'end') {
        if (payload.error) throw new Error(payload.error);
        statuses.push(...(payload.executions ?? []).map((e) => e.status));
      } else if (payload.kind === 'post') {
        refs.set(payload.id!, await out.post('console', payload.message));
      } else if (payload.kind === 'update' && refs.has(payload.id!)) {
        await out.update(refs.get(payload.id!)!, payload.message);
      } else {
        out.print(payload.message);
      }
    }
  }
  return { statuses, worst: out.worstStatus };
}

async function inProcess(configFile: string | undefined, command: string, user: string): Promise<Outcome> {
  const loaded = loadConfig({ file: configFile });
  const lock = acquireDataDir(loaded.engine.dataDir, { role: 'cli' });
  const logger = createLogger({ level: process.env.SQUALL_LOG_LEVEL ?? 'warn' });
  try {
    const engine = await createEngine(loaded.engine, { logger, role: 'cli' });
    try {
      await engine.start();
      const tty = process.stdin.isTTY === true;
      const adapter = new ConsoleAdapter({ user, ...(tty ? { input: process.stdin } : {}) });
      const bot = createBot({
        engine,
        adapters: [adapter],
        config: botConfigFromValues(loaded.values),
        logger,
      });
      await bot.start();
      try {
        const finals = await runOneCommand({
          engine,
          adapter: adapter.name,
          channel: 'console',
          send: () => adapter.send(command),
          returnOnPending: !tty,
        });
        for (const r of finals.filter((f) => f.status === 'pending' || f.status === 'paused'))
          process.stderr.write(
            r.status === 'pending'
              ? `execution ${r.id} is waiting for an answer: reply with squall chat "approve ${r.id}" (or deny)\n`
              : `execution ${r.id} is paused on an approval: see squall inquiry list, then squall chat "approve <inquiry id>" (or deny)\n`,
          );
        return { statuses: finals.map((r) => r.status), worst: adapter.worstStatus };
      } finally {
        await bot.stop();
      }
    } finally {
      await engine.close();
    }
  } finally {
    lock.release();
  }
}

export function registerChatCommands(program: Command): void {
  program
    .command('chat <command>')
    .description('Send one chat command as the console user and print the replies until it is done')
    .option(
      '--user <user>',
      'console identity (console:<user>, mapped by chat.identities); default: local (admin)',
    )
    .action(async (command: string, options: { user?: string }) => {
      const user = options.user ?? 'local';
      const configFile = program.opts<{ config?: string }>().config;
      const loaded = loadConfig({ file: configFile });
      const holder = readLock(loaded.engine.dataDir);
      let outcome: Outcome;
      if (holder?.role === 'server') {
        const token = readAdminToken(loaded.engine.dataDir);
        if (!token)
          throw new Error(`a server holds ${loaded.engine.dataDir} but its admin token is unreadable`);
        const host = holder.host === '0.0.0.0' || holder.host === '::' ? '127.0.0.1' : holder.host;
        outcome = await chatViaServer(`http://${host}:${holder.port}`, token, command, user);
      } else {
        outcome = await inProcess(configFile, command, user);
      }
      process.exitCode = exitCode(outcome);
    });
}

/**
 * What `squall start` wires for chat: the bot over the given platform adapters, the console chat when
 * `console.enabled` allows it (auto: stdin is a TTY), and the relay behind POST /api/v1/chat (`squall chat`).
 * Pass `apiPlugin` to createApiServer's apiPlugins; call `bot.start()` after `engine.start()` and `bot.stop()`
 * before `engine.drain()`.
 */
export function createChatRuntime(options: {
  engine: Engine;
  values: Record<string, unknown>;
  logger: Logger;
  adapters?: ChatAdapter[];
}): { bot: Bot; relay: ChatRelayAdapter; apiPlugin: FastifyPluginAsync<{ engine: Engine }> } {
  const consoleChat = consoleAdapterFor(options.values['console.enabled']);
  const relay = new ChatRelayAdapter();
  const platforms = [...(options.adapters ?? []), ...(consoleChat ? [consoleChat] : [])];
  const config = botConfigFromValues(options.values);
  // Announcements for channels no adapter has seen go to a real chat, never to the per-request relay.
  config.defaultAdapter ??= platforms[0]?.name;
  const bot = createBot({
    engine: options.engine,
    adapters: [...platforms, relay],
    config,
    logger: options.logger,
  });
  return { bot, relay, apiPlugin: async (scope, { engine }) => registerChatRoutes(scope, engine, relay) };
}
