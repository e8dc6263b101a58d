import { Writable } from 'node:stream';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { LazyRequestLogger, lazyRequestLoggerFactory } from '../../api/lazy-request-logger.ts';

function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level }, stream) as unknown as FastifyBaseLogger, lines };
}

describe('LazyRequestLogger', () => {
  it('makes no child for a line below the level, and one child, with the bindings, for lines that are written', () => {
    const { logger, lines } = capture('warn');
    const child = vi.spyOn(logger, 'child');
    const log = new LazyRequestLogger(logger, { reqId: 'req-1' }, {});
    log.info({ a: 1 }, 'quiet');
    log.debug('quieter');
    expect(child).not.toHaveBeenCalled();
    log.warn({ b: 2 }, 'loud');
    log.error('louder');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines.map((l) => [l.reqId, l.msg, l.b])).toEqual([
      ['req-1', 'loud', 2],
      ['req-1', 'louder', undefined],
    ]);
    expect(log.level).toBe('warn');
  });

  it('is what Fastify hands a route as request.log: lines keep their reqId', async () => {
    const { logger, lines } = capture('info');
    const app = Fastify({ loggerInstance: logger, childLoggerFactory: lazyRequestLoggerFactory });
    app.get('/x', async (request) => {
      request.log.info({ route: 'x' }, 'handled');
      return { ok: true };
    });
    const response = await app.inject({ method: 'GET', url: '/x' });
    expect(response.json()).toEqual({ ok: true });
    const handled = lines.find((l) => l.msg === 'handled');
    expect(handled).toMatchObject({ route: 'x', reqId: expect.any(String) });
    await app.close();
  });
});
