import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpRequestRunner } from '../../engine/runners/http-request/http-runner.ts';
import { embeddedIpv4, HostPolicy } from '../../engine/runners/http-request/ssrf-guard.ts';
import { makeContext } from './runner-context.ts';

let server: Server;
let base: string;
let hits = 0;

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    hits++;
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/json') {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'X-Custom': 'yes' });
      res.end('{"ok": true, "n": 1}');
    } else if (url.pathname === '/redirect') {
      res.writeHead(302, { Location: '/json' });
      res.end();
    } else if (url.pathname === '/to-metadata') {
      res.writeHead(302, { Location: 'http://169.254.169.254/latest/meta-data/' });
      res.end();
    } else if (url.pathname === '/echo') {
      const body = await bodyOf(req);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, headers: req.headers, body, query: url.search }));
    } else if (url.pathname === '/fail') {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end('broken');
    } else if (url.pathname === '/big') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('z'.repeat(50_000));
    } else if (url.pathname === '/slow') {
      // never answers
    } else {
      res.writeHead(404);
      res.end('no');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const allowed = new HttpRequestRunner({ allowHosts: ['127.0.0.1'] });
const guarded = new HttpRequestRunner();

function ctxFor(
  parameters: Record<string, unknown>,
  extra: { timeoutMs?: number; outputCapBytes?: number } = {},
) {
  return makeContext({ action: { ref: 'core.http', runner_type: 'http-request' }, parameters, ...extra });
}

describe('http-request runner', () => {
  it('blocks loopback without the allow list and never connects', async () => {
    const before = hits;
    const { status, result } = await guarded.run(ctxFor({ url: `${base}/json` }));
    expect(status).toBe('failed');
    expect((result as { error: string }).error).toMatch(/loopback/);
    expect(hits).toBe(before);
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00:ec2::254]/',
    'http://[::1]:9/',
    'http://[::ffff:127.0.0.1]/',
    'http://2130706433/',
    'http://0x7f.1/',
    'http://10.1.2.3/',
    'http://172.16.0.1/',
    'http://192.168.1.1/',
    'http://0.0.0.0/',
    'http://[fe80::1]/',
    'http://100.64.0.1/',
  ])('blocks %s before any connection', async (url) => {
    const { status, result } = await guarded.run(ctxFor({ url }));
    expect(status).toBe('failed');
    expect((result as { error: string }).error).toMatch(/blocked/);
  });

  it('refuses a host name whose addresses are loopback at connect time (DNS answers are checked, not the name)', async () => {
    const { status, result } = await guarded.run(ctxFor({ url: 'http://localhost:9/' }));
    expect(status).toBe('failed');
    expect((result as { error: string }).error).toMatch(/localhost \((127\.0\.0\.1|::1)\) blocked/);
  });

  it('reaches an allowed host and parses a JSON body', async () => {
    const { status, result } = await allowed.run(ctxFor({ url: `${base}/json` }));
    expect(status).toBe('succeeded');
    expect(result).toMatchObject({ status_code: 200, body: { ok: true, n: 1 }, parsed: true });
    expect((result as { headers: Record<string, string> }).headers['X-Custom']).toBe('yes');
  });

  it('does not follow redirects by default, follows them with allow_redirects', async () => {
    const plain = await allowed.run(ctxFor({ url: `${base}/redirect` }));
    expect(plain.status).toBe('failed');
    expect(plain.result).toMatchObject({ status_code: 302, headers: { Location: '/json' } });
    const followed = await allowed.run(ctxFor({ url: `${base}/redirect`, allow_redirects: true }));
    expect(followed.status).toBe('succeeded');
    expect(followed.result).toMatchObject({ status_code: 200, body: { ok: true } });
  });

  it('re-checks every redirect hop against the SSRF guard', async () => {
    const { status, result } = await allowed.run(
      ctxFor({ url: `${base}/to-metadata`, allow_redirects: true }),
    );
    expect(status).toBe('failed');
    expect((result as { error: string }).error).toMatch(/169\.254\.169\.254 blocked/);
  });

  it('sends method, JSON body, headers, cookies, query params and basic auth', async () => {
    const ctx = ctxFor({
      url: `${base}/echo`,
      body: { a: 1 },
      headers: { 'X-Trace': 't1' },
      cookies: { session: 'abc' },
      params: { q: 'x y', tag: ['a', 'b'] },
      username: 'u',
      password: 'p',
    });
    const { status, result } = await allowed.run(ctx);
    expect(status).toBe('succeeded');
    const echoed = (
      result as { body: { method: string; headers: Record<string, string>; body: string; query: string } }
    ).body;
    expect(echoed.method).toBe('POST');
    expect(JSON.parse(echoed.body)).toEqual({ a: 1 });
    expect(echoed.headers['content-type']).toBe('application/json');
    expect(echoed.headers['x-trace']).toBe('t1');
    expect(echoed.headers.cookie).toBe('session=abc');
    expect(echoed.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(echoed.headers['x-squall-action']).toBe('core.http');
    expect(echoed.query).toBe('?q=x+y&tag=a&tag=b');
    expect(ctx.secrets).toContain(Buffer.from('u:p').toString('base64'));
  });

  it('uploads file_content as multipart form data', async () => {
    const { result } = await allowed.run(
      ctxFor({
        url: `${base}/echo`,
        file_name: 'report.txt',
        file_content: 'hello file',
        file_content_type: 'text/plain',
      }),
    );
    const echoed = (result as { body: { method: string; headers: Record<string, string>; body: string } })
      .body;
    expect(echoed.method).toBe('POST');
    expect(echoed.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(echoed.body).toContain('filename="report.txt"');
    expect(echoed.body).toContain('hello file');
  });

  it('marks non-2xx as failed and keeps a non-JSON body as text', async () => {
    const { status, result } = await allowed.run(ctxFor({ url: `${base}/fail`, method: 'get' }));
    expect(status).toBe('failed');
    expect(result).toMatchObject({ status_code: 500, body: 'broken', parsed: false });
  });

  it('caps the response body at outputCapBytes', async () => {
    const { result } = await allowed.run(ctxFor({ url: `${base}/big` }, { outputCapBytes: 100 }));
    expect(result).toMatchObject({ status_code: 200, body_truncated: true });
    expect((result as { body: string }).body).toHaveLength(100);
  });

  it('times out with status timeout (action timeout parameter and caller signal)', async () => {
    const byParam = await allowed.run(ctxFor({ url: `${base}/slow`, timeout: 0.2 }));
    expect(byParam.status).toBe('timeout');
    const bySignal = await allowed.run(ctxFor({ url: `${base}/slow` }, { timeoutMs: 200 }));
    expect(bySignal.status).toBe('timeout');
  });

  it('honours url_hosts_blacklist / url_hosts_whitelist (mutually exclusive)', async () => {
    const black = await allowed.run(ctxFor({ url: `${base}/json`, url_hosts_blacklist: ['127.0.0.1'] }));
    expect((black.result as { error: string }).error).toMatch(/is blacklisted/);
    const notWhite = await allowed.run(ctxFor({ url: `${base}/json`, url_hosts_whitelist: ['example.com'] }));
    expect((notWhite.result as { error: string }).error).toMatch(/is not whitelisted/);
    const white = await allowed.run(ctxFor({ url: `${base}/json`, url_hosts_whitelist: ['127.0.0.1'] }));
    expect(white.status).toBe('succeeded');
    const both = await allowed.run(
      ctxFor({ url: `${base}/json`, url_hosts_whitelist: ['a'], url_hosts_blacklist: ['b'] }),
    );
    expect((both.result as { error: string }).error).toMatch(/mutually exclusive/);
  });

  it('rejects non-http schemes and proxies it cannot honour', async () => {
    expect((await allowed.run(ctxFor({ url: 'file:///etc/passwd' }))).status).toBe('failed');
    const proxy = await allowed.run(ctxFor({ url: `${base}/json`, http_proxy: 'http://127.0.0.1:1' }));
    expect((proxy.result as { error: string }).error).toMatch(/not supported/);
  });
});

describe('HostPolicy', () => {
  it('classifies addresses, honours IP, CIDR and host name entries', () => {
    const policy = new HostPolicy(['10.0.0.0/8', 'Internal.Example', '::1']);
    expect(policy.blockedReason('8.8.8.8')).toBeUndefined();
    expect(policy.blockedReason('2001:4860:4860::8888')).toBeUndefined();
    expect(policy.blockedReason('10.9.8.7')).toBeUndefined();
    expect(policy.blockedReason('::1')).toBeUndefined();
    expect(policy.blockedReason('127.0.0.1')).toMatch(/loopback/);
    expect(policy.blockedReason('169.254.169.254')).toMatch(/metadata/);
    expect(policy.blockedReason('fd00:ec2::254')).toMatch(/unique local/);
    expect(policy.blockedReason('::ffff:192.168.0.1')).toMatch(/private/);
    expect(policy.blockedReason('64:ff9b::a9fe:a9fe')).toMatch(/link-local/);
    expect(policy.hostAllowed('internal.example')).toBe(true);
    expect(embeddedIpv4('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(embeddedIpv4('2002:c0a8:0101::1')).toBe('192.168.1.1');
  });

  it('its lookup refuses names resolving to blocked addresses and passes allowed names', async () => {
    const lookup = (policy: HostPolicy, host: string) =>
      new Promise<unknown>((resolve) =>
        (
          policy.lookup() as unknown as (
            h: string,
            o: object,
            cb: (e: Error | null, a: unknown) => void,
          ) => void
        )(host, { all: true }, (error, addresses) => resolve(error ?? addresses)),
      );
    expect(await lookup(new HostPolicy(), 'localhost')).toBeInstanceOf(Error);
    expect(Array.isArray(await lookup(new HostPolicy(['localhost']), 'localhost'))).toBe(true);
  });
});
