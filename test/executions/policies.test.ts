import { describe, expect, it } from 'vitest';
import { attributeKey, policiesFor } from '../../engine/executions/policies.ts';
import { policy } from './harness.ts';

describe('policiesFor', () => {
  it('parses st2 concurrency, concurrency.attr and retry parameters for the action only', () => {
    const all = [
      policy('p.a', 'action.concurrency', { threshold: '2', action: 'cancel' }, 'conc'),
      policy('p.a', 'action.concurrency.attr', { threshold: 1, attributes: 'host' }, 'attr'),
      policy('p.a', 'action.retry', { retry_on: 'timeout', max_retry_count: 3, delay: 500 }, 'retry'),
      policy('p.b', 'action.concurrency', { threshold: 1 }, 'other'),
      { ...policy('p.a', 'action.concurrency', { threshold: 1 }, 'off'), enabled: false },
      policy('p.a', 'action.something_else', {}, 'unknown'),
    ];
    const out = policiesFor(all, 'p.a');
    expect(out.concurrency).toEqual([
      { ref: 'tests.conc', threshold: 2, action: 'cancel', attributes: undefined },
      { ref: 'tests.attr', threshold: 1, action: 'delay', attributes: ['host'] },
    ]);
    // st2 caps the retry delay at 120 s.
    expect(out.retry).toEqual([
      { ref: 'tests.retry', retryOn: 'timeout', maxRetryCount: 3, delaySeconds: 120 },
    ]);
    expect(policiesFor(all, 'p.none')).toEqual({ concurrency: [], retry: [] });
  });

  it('groups by the attribute values', () => {
    const p = { ref: 'r', threshold: 1, action: 'delay' as const, attributes: ['host', 'port'] };
    expect(attributeKey(p, { host: 'a', port: 22 })).toBe(attributeKey(p, { port: 22, host: 'a', x: 1 }));
    expect(attributeKey(p, { host: 'a' })).not.toBe(attributeKey(p, { host: 'b' }));
  });
});
