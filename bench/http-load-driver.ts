/**
 * The webhook benches' load driver: `connections` keep-alive HTTP/1.1 connections, each sending the next POST as
 * soon as the previous response has fully arrived (closed loop, no pipelining), for `seconds`.
 *
 * Written on raw sockets rather than node:http's client because the driver shares the 2-core machine with the
 * server it measures: node:http's Agent/ClientRequest/IncomingMessage cost ~65 µs of CPU per request here — more
 * than the bare server's ~47 µs — so at 8,000 req/s the driver alone took half a core from the server. This one
 * sends a prebuilt request and reads only the status line and Content-Length of each response (~10 µs).
 */

import net from 'node:net';

export interface LoadResult {
  sent: number;
  /** Responses with status 202. */
  accepted: number;
  seconds: number;
  latenciesMs: number[];
  /** Responses by status code, for a clear message when the server answers something else. */
  statuses: Map<number, number>;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** Where the chunked body starting at `offset` ends (after its last chunk and trailer), or -1 if not all here. */
function chunkedBodyEnd(buffer: Buffer, offset: number): number {
  let at = offset;
  for (;;) {
    const lineEnd = buffer.indexOf('\r\n', at);
    if (lineEnd < 0) return -1;
    const size = Number.parseInt(buffer.toString('latin1', at, lineEnd), 16);
    if (Number.isNaN(size)) throw new Error('load driver: malformed chunk size in a chunked response');
    if (size === 0) {
      const trailerEnd = buffer.indexOf(HEADER_END, lineEnd);
      if (trailerEnd === lineEnd) return lineEnd + 4; // no trailer: "0\r\n\r\n"
      return trailerEnd < 0 ? -1 : trailerEnd + 4;
    }
    at = lineEnd + 2 + size + 2;
    if (at > buffer.length) return -1;
  }
}

/** Parses complete responses off the front of `buffer`; returns the status of each and what is left over. */
export function takeResponses(buffer: Buffer): { statuses: number[]; rest: Buffer } {
  const statuses: number[] = [];
  let offset = 0;
  for (;;) {
    const headerEnd = buffer.indexOf(HEADER_END, offset);
    if (headerEnd < 0) break;
    const head = buffer.toString('latin1', offset, headerEnd);
    const status = Number(head.slice(9, 12));
    const lengthMatch = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const bodyEnd = lengthMatch
      ? headerEnd + 4 + Number(lengthMatch[1])
      : /\r\ntransfer-encoding:\s*chunked/i.test(head)
        ? chunkedBodyEnd(buffer, headerEnd + 4)
        : headerEnd + 4;
    if (bodyEnd < 0 || bodyEnd > buffer.length) break;
    statuses.push(status);
    offset = bodyEnd;
  }
  return { statuses, rest: offset === 0 ? buffer : buffer.subarray(offset) };
}

export function buildRequest(
  port: number,
  requestPath: string,
  body: string,
  headers: Record<string, string>,
) {
  const lines = [
    `POST ${requestPath} HTTP/1.1`,
    `host: 127.0.0.1:${port}`,
    'connection: keep-alive',
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

/** Drives POSTs of `body` to `requestPath` for `seconds`; resolves once every connection has had its last answer. */
export async function driveHttp(options: {
  port: number;
  requestPath: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  seconds: number;
}): Promise<LoadResult> {
  const request = buildRequest(options.port, options.requestPath, options.body, options.headers);
  const result: LoadResult = { sent: 0, accepted: 0, seconds: 0, latenciesMs: [], statuses: new Map() };
  const start = performance.now();
  const deadline = start + options.seconds * 1000;

  const runConnection = () =>
    new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port: options.port, noDelay: true });
      let pending: Buffer = Buffer.alloc(0);
      let sentAt = 0;
      const send = () => {
        sentAt = performance.now();
        result.sent++;
        socket.write(request);
      };
      socket.once('connect', send);
      socket.on('data', (chunk: Buffer) => {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        let taken: ReturnType<typeof takeResponses>;
        try {
          taken = takeResponses(pending);
        } catch (error) {
          socket.destroy();
          reject(error);
          return;
        }
        pending = taken.rest;
        for (const status of taken.statuses) {
          const now = performance.now();
          result.latenciesMs.push(now - sentAt);
          result.statuses.set(status, (result.statuses.get(status) ?? 0) + 1);
          if (status === 202) result.accepted++;
          if (now < deadline) send();
          else {
            socket.end();
            resolve();
          }
        }
      });
      socket.once('error', reject);
      socket.once('close', () => resolve());
    });

  await Promise.all(Array.from({ length: options.connections }, runConnection));
  result.seconds = (performance.now() - start) / 1000;
  return result;
}
