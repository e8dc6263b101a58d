import { afterEach, describe, expect, it, vi } from 'vitest';
import { isoNow } from '../../engine/time/iso-now.ts';

describe('isoNow', () => {
  afterEach(() => vi.useRealTimers());

  it('is the current time as toISOString() gives it, following the clock forwards and backwards', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-12-07T01:02:03.004Z'));
    expect(isoNow()).toBe('2026-12-07T01:02:03.004Z');
    expect(isoNow()).toBe('2026-12-07T01:02:03.004Z');
    vi.setSystemTime(new Date('2026-12-07T01:02:03.005Z'));
    expect(isoNow()).toBe('2026-12-07T01:02:03.005Z');
    vi.setSystemTime(new Date('2025-01-01T00:00:00.000Z')); // a clock set back is followed too
    expect(isoNow()).toBe('2025-01-01T00:00:00.000Z');
  });
});
