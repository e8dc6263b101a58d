import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseHost, parseHosts } from '../../../engine/runners/remote-shell/hosts.ts';
import { KnownHosts, knownHostName } from '../../../engine/runners/remote-shell/known-hosts.ts';

describe('hosts parameter', () => {
  it('parses st2 host lists: names, ports, IPv6, blanks and duplicates', () => {
    expect(parseHosts(' web1, web2:2222 ,,[::1]:2200, fe80::1 ,web1', 22)).toEqual([
      { label: 'web1', host: 'web1', port: 22 },
      { label: 'web2:2222', host: 'web2', port: 2222 },
      { label: '[::1]:2200', host: '::1', port: 2200 },
      { label: 'fe80::1', host: 'fe80::1', port: 22 },
    ]);
    expect(parseHosts('a', 2022)).toEqual([{ label: 'a', host: 'a', port: 2022 }]);
  });

  it('rejects what is not a host list, naming the parameter', () => {
    expect(() => parseHosts('', 22)).toThrow(/parameter "hosts" must be a non-empty/);
    expect(() => parseHosts(' , ', 22)).toThrow(/lists no host/);
    expect(() => parseHosts('web:99999', 22)).toThrow(/"web:99999" has an invalid port/);
    expect(() => parseHosts('user@web', 22)).toThrow(/is not a host name/);
    expect(() => parseHosts('a b', 22)).toThrow(/is not a host name/);
    expect(() => parseHosts(42, 22)).toThrow(/must be a non-empty/);
    expect(() => parseHost(':22', 22, 'parameter "bastion_host"')).toThrow(
      /parameter "bastion_host": ":22" has no host name/,
    );
  });
});

const KEY_A = Buffer.from('key-a-blob');
const KEY_B = Buffer.from('key-b-blob');
const b64 = (b: Buffer) => b.toString('base64');

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('known_hosts', () => {
  it('names hosts as OpenSSH writes them', () => {
    expect(knownHostName('Web', 22)).toBe('web');
    expect(knownHostName('web', 2222)).toBe('[web]:2222');
  });

  it('accepts the known key, refuses another key for a known host (mismatch) and unknown hosts', () => {
    const kh = KnownHosts.parse(
      [
        '# comment',
        `web,10.0.0.1 ssh-ed25519 ${b64(KEY_A)} root@web`,
        `[web]:2222 ssh-rsa ${b64(KEY_B)}`,
        'garbage line',
      ].join('\n'),
      '/k',
    );
    expect(kh.verify('web', 22, KEY_A)).toEqual({ ok: true });
    expect(kh.verify('WEB', 22, KEY_A)).toEqual({ ok: true });
    expect(kh.verify('10.0.0.1', 22, KEY_A)).toEqual({ ok: true });
    expect(kh.verify('web', 22, KEY_B)).toEqual({
      ok: false,
      reason: 'mismatch',
      knownTypes: ['ssh-ed25519'],
    });
    expect(kh.verify('web', 2222, KEY_B)).toEqual({ ok: true });
    expect(kh.verify('web', 2222, KEY_A)).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(kh.verify('db', 22, KEY_A)).toEqual({ ok: false, reason: 'unknown', knownTypes: [] });
    expect(kh.keyTypesFor('web', 2222)).toEqual(['ssh-rsa']);
  });

  it('understands hashed names, wildcards, negation and @revoked', () => {
    const kh = KnownHosts.parse(
      [
        `${hashed('[hidden]:2200')} ssh-ed25519 ${b64(KEY_A)}`,
        `*.example.com,!bad.example.com ssh-ed25519 ${b64(KEY_B)}`,
        `@revoked * ssh-ed25519 ${b64(Buffer.from('stolen'))}`,
        `@cert-authority *.corp ssh-ed25519 ${b64(KEY_A)}`,
      ].join('\n'),
    );
    expect(kh.verify('hidden', 2200, KEY_A)).toEqual({ ok: true });
    expect(kh.verify('hidden', 22, KEY_A)).toMatchObject({ reason: 'unknown' });
    expect(kh.verify('a.example.com', 22, KEY_B)).toEqual({ ok: true });
    expect(kh.verify('bad.example.com', 22, KEY_B)).toMatchObject({ reason: 'unknown' });
    expect(kh.verify('a.example.com', 22, Buffer.from('stolen'))).toMatchObject({ reason: 'revoked' });
    expect(kh.verify('x.corp', 22, KEY_A)).toMatchObject({ reason: 'unknown' }); // CA lines are not host keys
  });

  it('treats a missing file as knowing no host', () => {
    const kh = KnownHosts.load('/nonexistent/squall/known_hosts');
    expect(kh.missing).toBe(true);
    expect(kh.verify('web', 22, KEY_A)).toMatchObject({ reason: 'unknown' });
  });
});
