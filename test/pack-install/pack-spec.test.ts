import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { maskUrl, redact, splitCredentials } from '../../engine/pack-install/git.ts';
import { isVersionLike, parsePackSpec, sameVersion } from '../../engine/pack-install/pack-spec.ts';

describe('pack specs and URL credentials', () => {
  it('splits source and version at the last =, leaving templates alone', () => {
    expect(parsePackSpec('https://github.com/org/pack.git=v1.2.0')).toMatchObject({
      source: 'https://github.com/org/pack.git',
      version: 'v1.2.0',
      kind: 'git',
    });
    expect(parsePackSpec('https://u:{{ st2kv.system.token | decrypt_kv }}@host/r.git=main')).toMatchObject({
      source: 'https://u:{{ st2kv.system.token | decrypt_kv }}@host/r.git',
      version: 'main',
    });
    expect(parsePackSpec("https://u:{{ st2kv('t', decrypt=true) }}@host/r.git").version).toBeUndefined();
    expect(parsePackSpec('git@github.com:org/pack.git').kind).toBe('git');
    expect(parsePackSpec('core').kind).toBe('name');
    const dir = mkdtempSync(path.join(tmpdir(), 'spec-'));
    try {
      expect(parsePackSpec(`${dir}=abc123`)).toMatchObject({ kind: 'path', source: dir, version: 'abc123' });
    } finally {
      rmSync(dir, { recursive: true });
    }
    expect(() => parsePackSpec('/no/such/folder')).toThrow(/does not exist/);
  });

  it('takes credentials out of URLs and masks them for display', () => {
    expect(splitCredentials('https://bot:p%40ss@host/x.git')).toEqual({
      url: 'https://host/x.git',
      credentials: { username: 'bot', password: 'p@ss' },
    });
    expect(splitCredentials('/local/repo')).toEqual({ url: '/local/repo' });
    expect(maskUrl('https://bot:secret@host/x.git')).toBe('https://bot:********@host/x.git');
    expect(maskUrl('https://tokenonly@host/x.git')).toBe('https://********@host/x.git');
    expect(maskUrl('https://host/x.git')).toBe('https://host/x.git');
    expect(redact('fatal: auth failed for p@ss and p%40ss', ['p@ss'])).toBe(
      'fatal: auth failed for ******** and ********',
    );
  });

  it('compares versions without a leading v; only version-like refs are checked', () => {
    expect(sameVersion('v1.0.0', '1.0.0')).toBe(true);
    expect(sameVersion('1.0.1', '1.0.0')).toBe(false);
    expect(isVersionLike('v2.1')).toBe(true);
    expect(isVersionLike('main')).toBe(false);
    expect(isVersionLike('3f2a9c1')).toBe(false);
  });
});
