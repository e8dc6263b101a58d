/** Signs HTTP-mode requests the way Slack does (v0 HMAC over `v0:<ts>:<raw body>`). */
import { createHmac } from 'node:crypto';

export type SlackBody =
  | { kind: 'form'; fields: Record<string, string> }
  | { kind: 'json'; body: Record<string, unknown> }
  | { kind: 'interactive'; payload: Record<string, unknown> };

export function encodeSlackBody(body: SlackBody): { raw: string; contentType: string } {
  if (body.kind === 'json') return { raw: JSON.stringify(body.body), contentType: 'application/json' };
  const fields = body.kind === 'form' ? body.fields : { payload: JSON.stringify(body.payload) };
  return { raw: new URLSearchParams(fields).toString(), contentType: 'application/x-www-form-urlencoded' };
}

export function slackSignature(secret: string, timestamp: string, raw: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${raw}`).digest('hex')}`;
}

/** Headers + payload of a signed request; `timestamp` defaults to now (unix seconds). */
export function signSlackRequest(
  secret: string,
  body: SlackBody,
  timestamp: number = Math.floor(Date.now() / 1000),
): { payload: string; headers: Record<string, string> } {
  const { raw, contentType } = encodeSlackBody(body);
  const ts = String(timestamp);
  return {
    payload: raw,
    headers: {
      'content-type': contentType,
      'x-slack-request-timestamp': ts,
      'x-slack-signature': slackSignature(secret, ts, raw),
    },
  };
}
