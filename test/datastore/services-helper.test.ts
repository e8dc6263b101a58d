import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pgAvailable, redisAvailable, serviceGate } from '../helpers/services.ts';

/** A loopback server that answers each connection with `reply` (or stays silent). */
async function fakeServer(reply?: string): Promise<{ server: Server; port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (reply !== undefined) socket.once('data', () => socket.write(reply));
  });
  server.on('close', () => {
    for (const s of sockets) s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

describe('test/helpers/services probes', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.close();
    }
  });

  const start = async (reply?: string) => {
    const f = await fakeServer(reply);
    servers.push(f.server);
    return f.port;
  };

  it('sees Redis only when PING is answered with PONG', async () => {
    expect(await redisAvailable({ port: await start('+PONG\r\n') })).toBe(true);
    expect(await redisAvailable({ port: await start('-ERR nope\r\n') })).toBe(false);
    expect(await redisAvailable({ port: await start(), timeoutMs: 200 })).toBe(false);
  });

  it('sees PostgreSQL when the port accepts connections', async () => {
    expect(await pgAvailable({ port: await start() })).toBe(true);
    const closed = await start();
    servers.pop()?.close();
    expect(await pgAvailable({ port: closed, timeoutMs: 500 })).toBe(false);
  });
});

describe('describeWithService decisions', () => {
  const saved = process.env.SQUALL_TEST_REQUIRE_SERVICES;
  afterEach(() => {
    if (saved === undefined) delete process.env.SQUALL_TEST_REQUIRE_SERVICES;
    else process.env.SQUALL_TEST_REQUIRE_SERVICES = saved;
  });

  it('runs with the service, skips with a message without it, fails when services are required', () => {
    delete process.env.SQUALL_TEST_REQUIRE_SERVICES;
    expect(serviceGate('datastore on Redis', true).mode).toBe('run');
    expect(serviceGate('datastore on Redis', false)).toEqual({
      mode: 'skip',
      message: 'skipping datastore on Redis: Redis is not reachable on 127.0.0.1:6379',
    });
    expect(serviceGate('store', false, 'PostgreSQL').message).toBe(
      'skipping store: PostgreSQL is not reachable on 127.0.0.1:5432',
    );
    process.env.SQUALL_TEST_REQUIRE_SERVICES = '1';
    expect(serviceGate('datastore on Redis', false)).toEqual({
      mode: 'fail',
      message:
        'datastore on Redis: Redis is not reachable on 127.0.0.1:6379 and SQUALL_TEST_REQUIRE_SERVICES=1',
    });
    expect(serviceGate('datastore on Redis', true).mode).toBe('run');
  });
});
