/**
 * POST /api/v1/chat {command, user?}: one console chat command against the running server's bot (what
 * `squall chat` uses when a server holds the data dir). Admins only (it speaks as `console:<user>`, default
 * `console:local`, through the same identity mapping and permission checks as any chat user). The replies
 * stream back as SSE `message` events ({kind, id, message}); a final `end` event carries the executions'
 * statuses once they have ended and their results were delivered.
 */
import type { FastifyInstance } from 'fastify';
import type { ChatRelayAdapter, RelayedMessage } from '../../adapters/console/relay-adapter.ts';
import { runOneCommand } from '../../bot/one-command.ts';
import { type Engine, EngineRequestError } from '../../engine/engine.ts';
import { requireAdmin } from '../auth.ts';

export async function registerChatRoutes(
  app: FastifyInstance,
  engine: Engine,
  relay: ChatRelayAdapter,
): Promise<void> {
  app.post<{ Body: { command?: unknown; user?: unknown } }>('/api/v1/chat', async (request, reply) => {
    if (!requireAdmin(request, reply)) return;
    const command = request.body?.command;
    const user = request.body?.user ?? 'local';
    if (typeof command !== 'string' || !command.trim())
      throw new EngineRequestError('body field "command" must be a non-empty string');
    if (typeof user !== 'string' || !/^[\w.@-]{1,64}$/.test(user))
      throw new EngineRequestError(
        'body field "user" must be a console identity name (letters, digits, . _ @ -)',
      );
    const handler = relay.handler;
    if (!handler) throw new EngineRequestError('the chat bot is not running on this server', 409);

    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    const send = (event: string, data: unknown) => {
      if (!raw.writableEnded) raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const { channel, close } = relay.open((m: RelayedMessage) => send('message', m));
    try {
      const finals = await runOneCommand({
        engine,
        adapter: relay.name,
        channel,
        send: () =>
          handler.onMessage(
            {
              adapter: relay.name,
              kind: 'dm',
              channel,
              channelName: 'cli',
              user: { adapter: 'console', userId: user, userName: user },
              text: command,
            },
            {
              post: (message) => relay.post(channel, message),
              postPrivately: async (message) => send('message', { kind: 'private', message }),
            },
          ),
      });
      send('end', { executions: finals.map((r) => ({ id: r.id, action: r.action, status: r.status })) });
    } catch (err) {
      send('end', { error: (err as Error).message, executions: [] });
    } finally {
      close();
      raw.end();
    }
  });
}
