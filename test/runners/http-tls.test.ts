import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpRequestRunner } from '../../engine/runners/http-request/http-runner.ts';
import { makeContext } from './runner-context.ts';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const available = hasOpenssl();
const dir = mkdtempSync(join(tmpdir(), 'squall-tls-'));
let server: Server | undefined;
let url = '';

beforeAll(async () => {
  if (!available) return;
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ].concat(['-days', '1', '-subj', '/CN=127.0.0.1']),
    { stdio: 'ignore' },
  );
  server = createServer(
    { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
    (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('secure');
    },
  );
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  server?.closeAllConnections();
  if (server) await new Promise((resolve) => server!.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!available)('http-request TLS (needs the openssl command)', () => {
  const runner = new HttpRequestRunner({ allowHosts: ['127.0.0.1'] });

  it('verifies certificates by default and skips verification with verify_ssl_cert: false', async () => {
    const strict = await runner.run(makeContext({ parameters: { url } }));
    expect(strict.status).toBe('failed');
    expect((strict.result as { error: string }).error).toMatch(/self[- ]signed|certificate/i);
    const relaxed = await runner.run(makeContext({ parameters: { url, verify_ssl_cert: false } }));
    expect(relaxed.status).toBe('succeeded');
    expect(relaxed.result).toMatchObject({ status_code: 200, body: 'secure' });
  });
});
