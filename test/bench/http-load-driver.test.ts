import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildRequest, driveHttp, takeResponses } from '../../bench/http-load-driver.ts';

describe('load driver response parsing', () => {
  it('takes content-length responses and keeps a partial one for the next read', () => {
    const one = 'HTTP/1.1 202 Accepted\r\ncontent-length: 5\r\n\r\nhello';
    const partial = 'HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\nabc';
    const { statuses, rest } = takeResponses(Buffer.from(one + one + partial));
    expect(statuses).toEqual([202, 202]);
    expect(rest.toString()).toBe(partial);
    const done = takeResponses(Buffer.concat([rest, Buffer.from('defghij')]));
    expect(done.statuses).toEqual([404]);
    expect(done.rest.length).toBe(0);
  });

  it('takes chunked responses only once their last chunk is in', () => {
    const head = 'HTTP/1.1 202 Accepted\r\ntransfer-encoding: chunked\r\n\r\n';
    expect(takeResponses(Buffer.from(`${head}5\r\nhello\r\n`)).statuses).toEqual([]);
    const full = `${head}5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n`;
    const { statuses, rest } = takeResponses(Buffer.from(full + full));
    expect(statuses).toEqual([202, 202]);
    expect(rest.length).toBe(0);
  });

  it('builds a request whose body length matches its header', () => {
    const request = buildRequest(9101, '/api/v1/webhooks/x', '{"é":1}', { 'st2-api-key': 'k' }).toString();
    expect(request).toContain('POST /api/v1/webhooks/x HTTP/1.1\r\n');
    expect(request).toContain('content-length: 8\r\n');
    expect(request).toContain('st2-api-key: k\r\n');
    expect(request.endsWith('\r\n\r\n{"é":1}')).toBe(true);
  });
});

describe('driveHttp against node:http', () => {
  let server: http.Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('keeps each connection busy, counts 202s apart from other statuses, and sends the body and headers', async () => {
    let served = 0;
    const bodies = new Set<string>();
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        bodies.add(`${req.method} ${req.url} ${req.headers['st2-api-key']} ${body}`);
        served++;
        // Every third answer is a 500 with a chunked body, the rest 202 with a content-length.
        if (served % 3 === 0) {
          res.writeHead(500);
          res.write('no');
          res.end('pe');
        } else {
          res.writeHead(202, { 'content-length': 2 });
          res.end('ok');
        }
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;

    const result = await driveHttp({
      port,
      requestPath: '/hook',
      body: '{"a":1}',
      headers: { 'st2-api-key': 'key' },
      connections: 3,
      seconds: 0.3,
    });

    expect(bodies).toEqual(new Set(['POST /hook key {"a":1}']));
    expect(result.sent).toBe(served);
    expect(result.latenciesMs).toHaveLength(served);
    expect(result.accepted).toBe(result.statuses.get(202));
    expect(result.statuses.get(500)).toBe(Math.floor(served / 3));
    expect(result.accepted + (result.statuses.get(500) ?? 0)).toBe(served);
    expect(served).toBeGreaterThan(3);
  });
});
