/**
 * HTTP mode: `POST /slack/events` on Squall's fastify server (mounted through createApiServer's
 * `publicPlugins`) for events, slash commands and interactivity. The v0 signature is checked over the RAW body
 * before anything is parsed; a bad, stale or replayed request gets an opaque 401 and runs nothing. Verified
 * requests go to Bolt through the adapter's receiver, and the listener's ack body is the HTTP response.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { SlackAdapter } from './slack-adapter.ts';
import { SlackReplayCache, verifySlackSignature } from './slack-signature.ts';

export const SLACK_EVENTS_PATH = '/slack/events';

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Parses a verified body: JSON (Events API) or form (commands; interactivity as `payload=<json>`). */
function parseSlackBody(contentType: string | undefined, raw: Buffer): Record<string, unknown> | undefined {
  const text = raw.toString('utf8');
  try {
    if (contentType?.includes('application/json')) {
      const parsed: unknown = JSON.parse(text);
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : undefined;
    }
    const form = Object.fromEntries(new URLSearchParams(text));
    if (typeof form.payload === 'string') {
      const parsed: unknown = JSON.parse(form.payload);
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
    }
    return form;
  } catch {
    return undefined;
  }
}

export function slackEventsPlugin(
  adapter: SlackAdapter,
  options: { replay?: SlackReplayCache; now?: () => number } = {},
): FastifyPluginAsync {
  const replay = options.replay ?? new SlackReplayCache();
  const now = options.now ?? Date.now;
  return async (scope) => {
    // Encapsulated: only this route sees raw buffers instead of parsed bodies.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.post(SLACK_EVENTS_PATH, async (request, reply) => {
      const secret = adapter.signingSecret;
      const receiver = adapter.httpReceiver;
      if (!secret || !receiver) return reply.code(404).send({ error: 'Slack HTTP mode is not enabled' });
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const check = verifySlackSignature(
        secret,
        {
          signature: header(request.headers['x-slack-signature']),
          timestamp: header(request.headers['x-slack-request-timestamp']),
        },
        raw,
        replay,
        now(),
      );
      if (!check.ok) {
        request.log.warn({ component: 'slack', reason: check.reason }, 'Slack request rejected');
        // Opaque on purpose: the reason stays in our log.
        return reply.code(401).send({ error: 'invalid request' });
      }
      const body = parseSlackBody(header(request.headers['content-type']), raw);
      if (!body) return reply.code(400).send({ error: 'unreadable Slack payload' });
      if (body.type === 'url_verification' && typeof body.challenge === 'string')
        return reply.code(200).send({ challenge: body.challenge });
      const retryNum = Number(header(request.headers['x-slack-retry-num']));
      const answer = await receiver.dispatch(body, {
        ...(Number.isFinite(retryNum) ? { retryNum } : {}),
        ...(header(request.headers['x-slack-retry-reason'])
          ? { retryReason: header(request.headers['x-slack-retry-reason']) }
          : {}),
      });
      reply.code(answer.status);
      if (answer.contentType) reply.header('content-type', answer.contentType);
      return reply.send(answer.body);
    });
  };
}
