import { connect } from 'node:net';
import { describe, it } from 'vitest';

/**
 * Real services for integration tests (Redis, PostgreSQL on 127.0.0.1). A suite whose service is absent is
 * skipped with a message; with SQUALL_TEST_REQUIRE_SERVICES=1 (CI) it fails instead, so a missing service
 * can never pass silently.
 */

export const REDIS_HOST = '127.0.0.1';
export const REDIS_PORT = 6379;
export const REDIS_URL = `redis://${REDIS_HOST}:${REDIS_PORT}`;
export const PG_HOST = '127.0.0.1';
export const PG_PORT = 5432;

/** Opens a TCP connection and optionally checks the first reply to `probe`. */
function probeTcp(host: string, port: number, timeoutMs: number, probe?: { send: string; expect: RegExp }) {
  return new Promise<boolean>((resolve) => {
    const socket = connect({ host, port });
    let settled = false;
    let received = '';
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('error', () => done(false));
    socket.once('connect', () => {
      if (!probe) return done(true);
      socket.write(probe.send);
    });
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      if (probe?.expect.test(received)) done(true);
      else if (received.includes('\r\n')) done(false);
    });
  });
}

export interface ProbeOptions {
  host?: string;
  port?: number;
  timeoutMs?: number;
}

/** True when a Redis server answers PING on 127.0.0.1:6379 (or the given address). */
export async function redisAvailable(options: ProbeOptions = {}): Promise<boolean> {
  return probeTcp(options.host ?? REDIS_HOST, options.port ?? REDIS_PORT, options.timeoutMs ?? 1000, {
    send: 'PING\r\n',
    expect: /^\+PONG\r\n/,
  });
}

/** True when something accepts TCP connections on 127.0.0.1:5432 (or the given address). */
export async function pgAvailable(options: ProbeOptions = {}): Promise<boolean> {
  return probeTcp(options.host ?? PG_HOST, options.port ?? PG_PORT, options.timeoutMs ?? 1000);
}

export function servicesRequired(): boolean {
  return process.env.SQUALL_TEST_REQUIRE_SERVICES === '1';
}

const WHERE: Record<string, string> = {
  Redis: `${REDIS_HOST}:${REDIS_PORT}`,
  PostgreSQL: `${PG_HOST}:${PG_PORT}`,
};

function inferService(name: string): string | undefined {
  if (/redis/i.test(name)) return 'Redis';
  if (/postgres|\bpg\b/i.test(name)) return 'PostgreSQL';
  return undefined;
}

export interface ServiceGate {
  mode: 'run' | 'skip' | 'fail';
  message: string;
}

/** What describeWithService does for a suite: run it, skip it with a message, or fail it. */
export function serviceGate(name: string, available: boolean, service?: string): ServiceGate {
  if (available) return { mode: 'run', message: '' };
  const svc = service ?? inferService(name);
  const why = svc
    ? `${svc} is not reachable on ${WHERE[svc] ?? 'its usual address'}`
    : 'a required service is not reachable';
  if (servicesRequired())
    return { mode: 'fail', message: `${name}: ${why} and SQUALL_TEST_REQUIRE_SERVICES=1` };
  return { mode: 'skip', message: `skipping ${name}: ${why}` };
}

/**
 * `describe` that needs a service. `available` is the result of redisAvailable()/pgAvailable() (await it at
 * the top of the test file). `service` ('Redis' | 'PostgreSQL') defaults to what the suite name mentions.
 * Absent service: skipped with a warning, or one failing test when SQUALL_TEST_REQUIRE_SERVICES=1.
 */
export function describeWithService(
  name: string,
  available: boolean,
  fn: () => void,
  service?: string,
): void {
  const gate = serviceGate(name, available, service);
  if (gate.mode === 'run') {
    describe(name, fn);
  } else if (gate.mode === 'fail') {
    describe(name, () => {
      it('has its service', () => {
        throw new Error(gate.message);
      });
    });
  } else {
    console.warn(gate.message);
    describe.skip(name, fn);
  }
}
