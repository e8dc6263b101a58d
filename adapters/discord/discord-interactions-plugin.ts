/**
 * HTTP interactions: `POST /discord/interactions` on Squall's fastify server (mounted through createApiServer's
 * `publicPlugins`). The Ed25519 signature is checked over the RAW body before anything is parsed; a missing,
 * bad or stale signature and a replayed interaction id get an opaque 401 and run nothing. PING → PONG; commands
 * and button clicks go to the adapter's one interaction path (the same as gateway interactions) and its first
 * answer (deferred reply, deferred update, ephemeral message) is the HTTP response.
 */
import type { KeyObject } from 'node:crypto';
import type { APIInteraction } from 'discord-api-types/v10';
import type { FastifyPluginAsync } from 'fastify';
import type { DiscordAdapter } from './discord-adapter.ts';
import { discordPublicKey, InteractionReplayCache, verifyDiscordSignature } from './interaction-signature.ts';

export const DISCORD_INTERACTIONS_PATH = '/discord/interactions';

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseInteraction(raw: Buffer): APIInteraction | undefined {
  try {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    const p = parsed as { id?: unknown; type?: unknown };
    return typeof p.id === 'string' && typeof p.type === 'number' ? (parsed as APIInteraction) : undefined;
  } catch {
    return undefined;
  }
}

export function discordInteractionsPlugin(
  adapter: DiscordAdapter,
  options: { replay?: InteractionReplayCache; now?: () => number } = {},
): FastifyPluginAsync {
  const replay = options.replay ?? new InteractionReplayCache();
  const now = options.now ?? Date.now;
  let key: KeyObject | undefined;
  return async (scope) => {
    // Encapsulated: only this route sees raw buffers instead of parsed bodies (the signature is over the bytes).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.post(DISCORD_INTERACTIONS_PATH, async (request, reply) => {
      const publicKey = adapter.publicKey;
      if (!publicKey) return reply.code(404).send({ error: 'Discord HTTP interactions are not enabled' });
      key ??= discordPublicKey(publicKey);
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const check = verifyDiscordSignature(
        key,
        {
          signature: header(request.headers['x-signature-ed25519']),
          timestamp: header(request.headers['x-signature-timestamp']),
        },
        raw,
        now(),
      );
      const reject = (reason: string) => {
        request.log.warn({ component: 'discord', reason }, 'Discord interaction rejected');
        // Opaque on purpose: the reason stays in our log.
        return reply.code(401).send({ error: 'invalid request signature' });
      };
      if (!check.ok) return reject(check.reason);
      const interaction = parseInteraction(raw);
      if (!interaction) return reply.code(400).send({ error: 'unreadable Discord interaction' });
      if (!replay.remember(interaction.id, now())) return reject('replayed interaction id');
      if (!adapter.started && interaction.type !== 1)
        return reply.code(503).send({ error: 'Discord adapter not started' });
      const sent = new Promise<void>((resolve) => {
        reply.raw.once('finish', () => resolve());
        reply.raw.once('close', () => resolve());
      });
      const answer = await adapter.handleHttpInteraction(interaction, sent);
      return reply.code(200).header('content-type', 'application/json').send(JSON.stringify(answer));
    });
  };
}
