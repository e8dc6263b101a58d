/**
 * `http-request` runner (st2 contrib/runners/http_runner). Uses node:http/https rather than fetch: the request
 * must connect only to addresses the SSRF guard approved at connect time (custom `lookup`), which Node's built-in
 * fetch cannot do without the undici package.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { ParameterSchema } from '../../model/index.ts';
import type { Runner, RunnerContext, RunnerResult } from '../runner.ts';
import { abortKind, effectiveSignal, errorMessage, splitParameters } from '../runner-support.ts';
import { HostPolicy, normalizeHost } from './ssrf-guard.ts';

/** st2 contrib/runners/http_runner runner.yaml (with url_hosts_blacklist/whitelist of st2 ≥ 2.10). */
export const HTTP_REQUEST_PARAMETERS: ParameterSchema = {
  allow_redirects: {
    default: false,
    description: 'Set to True if POST/PUT/DELETE redirect following is allowed.',
    type: 'boolean',
  },
  cookies: { description: 'Optional cookies to send with the request.', type: 'object' },
  headers: { description: 'HTTP headers for the request.', type: 'object' },
  http_proxy: { description: 'URL of HTTP proxy to use (e.g. http://10.10.1.10:3128).', type: 'string' },
  https_proxy: { description: 'URL of HTTPS proxy to use (e.g. http://10.10.1.10:3128).', type: 'string' },
  password: { description: 'Password required by basic authentication.', type: 'string', secret: true },
  url: { description: 'URL to the HTTP endpoint.', required: true, type: 'string' },
  username: { description: 'Username required by basic authentication.', type: 'string' },
  verify_ssl_cert: {
    default: true,
    description:
      'Certificate for HTTPS request is verified by default using requests CA bundle which comes from Mozilla. Verification using a custom CA bundle is not yet supported. Set to False to skip verification.',
    type: 'boolean',
  },
  url_hosts_blacklist: {
    description:
      'Optional list of hosts (network locations) to blacklist (e.g. example.com, 127.0.0.1, ::1, etc.). If action will try to access that endpoint, an exception will be thrown and action will be marked as failed.',
    required: false,
    type: 'array',
    items: { type: 'string' },
  },
  url_hosts_whitelist: {
    description:
      'Optional list of hosts (network locations) to whitelist (e.g. example.com, 127.0.0.1, ::1, etc.). If specified, actions will only be able to hit hosts on this whitelist.',
    required: false,
    type: 'array',
    items: { type: 'string' },
  },
};

/** st2: 200–206 are success. */
const SUCCESS = (code: number) => code >= 200 && code <= 206;
const MAX_REDIRECTS = 10;
const DEFAULT_TIMEOUT_SECONDS = 60;

export interface HttpRunnerOptions {
  /** config `runners.http.allowHosts`: hosts, IPs or CIDRs reachable although private/loopback/link-local. */
  allowHosts?: readonly string[];
  userAgent?: string;
}

interface PreparedRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: Buffer;
}

class RequestTimeout extends Error {}

function stringRecord(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new Error(`parameter "${field}" must be an object`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || v === null) continue;
    out[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return out;
}

function hasHeader(headers: Record<string, string>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : key;
}

function isJsonType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const media = contentType.split(';')[0]!.trim().toLowerCase();
  return media === 'application/json' || (media.startsWith('application/') && media.endsWith('+json'));
}

/** Response headers with their original case; repeated headers joined with ", " like python-requests. */
function responseHeaders(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  const keyOf = new Map<string, string>();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    const name = res.rawHeaders[i]!;
    const value = res.rawHeaders[i + 1]!;
    const lower = name.toLowerCase();
    const key = keyOf.get(lower);
    if (key === undefined) {
      keyOf.set(lower, name);
      out[name] = value;
    } else {
      out[key] = `${out[key]}, ${value}`;
    }
  }
  return out;
}

export class HttpRequestRunner implements Runner {
  readonly name = 'http-request';
  readonly parameters = HTTP_REQUEST_PARAMETERS;
  readonly defaultTimeoutSeconds = DEFAULT_TIMEOUT_SECONDS;
  readonly #policy: HostPolicy;

  constructor(private readonly options: HttpRunnerOptions = {}) {
    this.#policy = new HostPolicy(options.allowHosts ?? []);
  }

  async run(ctx: RunnerContext): Promise<RunnerResult> {
    const { runnerParams: rp, actionParams: ap } = splitParameters(ctx, this.parameters);
    const fail = (error: string): RunnerResult => ({ status: 'failed', result: { error } });

    let request: PreparedRequest;
    try {
      request = await this.#prepare(ctx, rp, ap);
    } catch (error) {
      return fail(`action ${ctx.action.ref}: ${errorMessage(error)}`);
    }
    const blacklist = Array.isArray(rp.url_hosts_blacklist) ? rp.url_hosts_blacklist.map(String) : [];
    const whitelist = Array.isArray(rp.url_hosts_whitelist) ? rp.url_hosts_whitelist.map(String) : [];
    if (blacklist.length > 0 && whitelist.length > 0) {
      return fail(
        '"url_hosts_blacklist" and "url_hosts_whitelist" parameters are mutually exclusive. Only one should be provided.',
      );
    }

    const timeoutSeconds =
      typeof ap.timeout === 'number' && ap.timeout > 0 ? ap.timeout : DEFAULT_TIMEOUT_SECONDS;
    const { signal, dispose } = effectiveSignal(ctx);
    const requestTimer = new AbortController();
    const timer = setTimeout(
      () => requestTimer.abort(new RequestTimeout(`request timed out after ${timeoutSeconds} seconds`)),
      timeoutSeconds * 1000,
    );
    const combined = AbortSignal.any([signal, requestTimer.signal]);
    try {
      for (let hop = 0; ; hop++) {
        const host = normalizeHost(request.url.hostname);
        if (blacklist.map(normalizeHost).includes(host)) return fail(`URL "${request.url}" is blacklisted`);
        if (whitelist.length > 0 && !whitelist.map(normalizeHost).includes(host)) {
          return fail(`URL "${request.url}" is not whitelisted`);
        }
        const res = await this.#send(request, rp.verify_ssl_cert !== false, combined);
        const location = res.headers.location;
        if (
          rp.allow_redirects === true &&
          location &&
          [301, 302, 303, 307, 308].includes(res.statusCode ?? 0)
        ) {
          res.resume();
          if (hop >= MAX_REDIRECTS)
            return fail(`more than ${MAX_REDIRECTS} redirects from ${ctx.parameters.url}`);
          request = redirected(request, res.statusCode!, location);
          continue;
        }
        const body = await readBody(res, ctx.outputCapBytes, combined);
        const headers = responseHeaders(res);
        const statusCode = res.statusCode ?? 0;
        const result: Record<string, unknown> = {
          status_code: statusCode,
          body: body.text,
          parsed: false,
          headers,
        };
        if (body.truncated) {
          result.body_truncated = true;
        } else if (isJsonType(res.headers['content-type'])) {
          try {
            result.body = JSON.parse(body.text);
            result.parsed = true;
          } catch {
            // st2 keeps the text when the body is not valid JSON.
          }
        }
        return { status: SUCCESS(statusCode) ? 'succeeded' : 'failed', result };
      }
    } catch (error) {
      if (signal.aborted) {
        const kind = abortKind(signal);
        return {
          status: kind,
          result: { error: kind === 'timeout' ? 'Action timed out' : 'Action was canceled' },
        };
      }
      if (requestTimer.signal.aborted) {
        return { status: 'timeout', result: { error: errorMessage(requestTimer.signal.reason) } };
      }
      return fail(`request to ${request.url.origin} failed: ${errorMessage(error)}`);
    } finally {
      clearTimeout(timer);
      dispose();
    }
  }

  async #prepare(
    ctx: RunnerContext,
    rp: Record<string, unknown>,
    ap: Record<string, unknown>,
  ): Promise<PreparedRequest> {
    if (typeof rp.url !== 'string' || rp.url === '')
      throw new Error('parameter "url" must be a non-empty string');
    if (rp.http_proxy || rp.https_proxy)
      throw new Error('parameters "http_proxy"/"https_proxy" are not supported yet');
    if (ap.auth !== undefined && ap.auth !== null && ap.auth !== '') {
      throw new Error('parameter "auth" is not supported: use username/password or an Authorization header');
    }
    let url: URL;
    try {
      url = new URL(rp.url);
    } catch {
      throw new Error(`parameter "url" is not a valid URL: ${rp.url}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`parameter "url" must be http:// or https://, got ${url.protocol}`);
    }
    const query = ap.params;
    if (query && typeof query === 'object') {
      for (const [k, v] of Object.entries(query)) {
        for (const item of Array.isArray(v) ? v : [v]) {
          if (item !== undefined && item !== null) url.searchParams.append(k, String(item));
        }
      }
    }

    const headers = stringRecord(rp.headers, 'headers');
    const cookies = stringRecord(rp.cookies, 'cookies');
    if (Object.keys(cookies).length > 0) {
      const pairs = Object.entries(cookies).map(([k, v]) => `${k}=${v}`);
      const existing = hasHeader(headers, 'cookie');
      if (existing) headers[existing] = `${headers[existing]}; ${pairs.join('; ')}`;
      else headers.Cookie = pairs.join('; ');
    }
    if (!hasHeader(headers, 'user-agent')) headers['User-Agent'] = this.options.userAgent ?? 'squall';
    headers['X-Squall-Action'] = ctx.action.ref;

    if (rp.username || rp.password) {
      const token = Buffer.from(`${rp.username ?? ''}:${rp.password ?? ''}`).toString('base64');
      ctx.addSecret(token);
      headers.Authorization = `Basic ${token}`;
    }

    let body: Buffer | undefined;
    const fileName = ap.file_name;
    const fileContent = ap.file_content;
    if (typeof fileName === 'string' && fileName && typeof fileContent === 'string' && fileContent) {
      const form = new FormData();
      const type = typeof ap.file_content_type === 'string' ? ap.file_content_type : undefined;
      form.append(fileName, new Blob([fileContent], type ? { type } : {}), fileName);
      const encoded = new Response(form);
      body = Buffer.from(await encoded.arrayBuffer());
      headers['Content-Type'] = encoded.headers.get('content-type')!;
    } else if (ap.body !== undefined && ap.body !== null && ap.body !== '') {
      const contentTypeKey = hasHeader(headers, 'content-type');
      if (typeof ap.body === 'string') {
        body = Buffer.from(ap.body);
      } else {
        body = Buffer.from(JSON.stringify(ap.body));
        if (!contentTypeKey) headers['Content-Type'] = 'application/json';
      }
    }
    if (body) headers['Content-Length'] = String(body.length);

    const method =
      typeof ap.method === 'string' && ap.method !== '' ? ap.method.toUpperCase() : body ? 'POST' : 'GET';
    return { url, method, headers, body };
  }

  #send(request: PreparedRequest, verify: boolean, signal: AbortSignal): Promise<IncomingMessage> {
    this.#policy.checkLiteral(request.url.hostname);
    const mod = request.url.protocol === 'https:' ? https : http;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = mod.request(request.url, {
        method: request.method,
        headers: request.headers,
        lookup: this.#policy.lookup(),
        // A fresh connection per request: a pooled socket would skip the connect-time address check.
        agent: false,
        rejectUnauthorized: verify,
        signal,
      });
      req.on('response', resolve);
      req.on('error', reject);
      req.end(request.body);
    });
  }
}

/** The next request of a redirect chain (python-requests' rules for method and credentials). */
function redirected(previous: PreparedRequest, status: number, location: string): PreparedRequest {
  const url = new URL(location, previous.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`redirect to unsupported scheme ${url.protocol}`);
  }
  const headers = { ...previous.headers };
  let { method, body } = previous;
  if (status === 303 ? method !== 'HEAD' : (status === 301 || status === 302) && method === 'POST') {
    method = 'GET';
    body = undefined;
    for (const name of ['content-type', 'content-length']) {
      const key = hasHeader(headers, name);
      if (key) delete headers[key];
    }
  }
  if (url.origin !== previous.url.origin) {
    for (const name of ['authorization', 'cookie']) {
      const key = hasHeader(headers, name);
      if (key) delete headers[key];
    }
  }
  return { url, method, headers, body };
}

async function readBody(
  res: IncomingMessage,
  cap: number,
  signal: AbortSignal,
): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let truncated = false;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    if (signal.aborted) throw signal.reason;
    const room = cap - kept;
    if (chunk.length > room) {
      chunks.push(chunk.subarray(0, room));
      truncated = true;
      res.destroy();
      break;
    }
    chunks.push(chunk);
    kept += chunk.length;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated };
}
