import { describe, expect, it } from 'vitest';
import { Redactor } from '../../engine/executions/redact.ts';

describe('Redactor', () => {
  it('replaces secrets and their JSON-escaped, URL-encoded and base64 forms, longest first', () => {
    const r = new Redactor();
    r.add('p@ss "word"/1');
    r.add('ab'); // too short to redact from free text
    const b64 = Buffer.from('p@ss "word"/1').toString('base64').replace(/=+$/, '');
    expect(r.text('x p@ss "word"/1 y')).toBe('x ******** y');
    expect(r.text(JSON.stringify({ v: 'p@ss "word"/1' }))).toBe('{"v":"********"}');
    expect(r.text(`u=${encodeURIComponent('p@ss "word"/1')}`)).toBe('u=********');
    expect(r.text(`b=${b64}`)).toBe('b=********');
    expect(r.text('ab stays')).toBe('ab stays');
    expect(r.deep({ k: ['p@ss "word"/1'], n: 1 })).toEqual({ k: ['********'], n: 1 });
  });

  it('holds back a tail that could begin a secret', () => {
    const r = new Redactor();
    expect(r.holdback('anything')).toBe(8);
    r.add('secret-value');
    expect(r.holdback('output secr')).toBe(7);
    expect(r.holdback('output s')).toBe(7);
    expect(r.holdback('output x')).toBe(8);
    expect(r.holdback('')).toBe(0);
  });
});
