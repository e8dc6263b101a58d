import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * OpenSSH known_hosts, read-only: plain and hashed (`|1|salt|hash`) host patterns, `[host]:port` for ports other
 * than 22, `*`/`?` wildcards, `!negation`, and the `@revoked` marker (`@cert-authority` lines are ignored: Squall
 * does not verify host certificates, so such a host counts as unknown).
 */

interface KnownHostLine {
  marker?: 'revoked' | 'cert-authority';
  patterns: string[];
  keyType: string;
  key: Buffer;
  line: number;
}

export type HostKeyVerdict =
  | { ok: true }
  | { ok: false; reason: 'unknown' | 'mismatch' | 'revoked'; knownTypes: string[] };

/** How OpenSSH writes a host in known_hosts: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === 22 ? name : `[${name}]:${port}`;
}

function wildcardMatch(pattern: string, text: string): boolean {
  let regex = '^';
  for (const ch of pattern) {
    if (ch === '*') regex += '.*';
    else if (ch === '?') regex += '.';
    else regex += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${regex}$`, 's').test(text);
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return digest === hash;
  }
  return wildcardMatch(pattern.toLowerCase(), name);
}

/** A line applies when one of its patterns matches and none of its negated (`!`) patterns does. */
function lineMatches(patterns: string[], name: string): boolean {
  let matched = false;
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) {
      if (patternMatches(pattern.slice(1), name)) return false;
    } else if (patternMatches(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

/** The host-key algorithms that can produce a key of this type (RSA keys sign with SHA-2 or SHA-1). */
export function algorithmsForKeyType(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType];
}

export class KnownHosts {
  readonly #lines: KnownHostLine[];

  private constructor(
    readonly path: string | undefined,
    lines: KnownHostLine[],
    readonly missing: boolean,
  ) {
    this.#lines = lines;
  }

  /** Reads a known_hosts file; a missing file knows no host (every host is then unknown). */
  static load(path: string): KnownHosts {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new KnownHosts(path, [], true);
      throw new Error(`known_hosts ${path}: ${(error as Error).message}`);
    }
    return KnownHosts.parse(text, path);
  }

  static parse(text: string, path?: string): KnownHosts {
    const lines: KnownHostLine[] = [];
    text.split(/\r?\n/).forEach((raw, index) => {
      const trimmed = raw.trim();
      if (trimmed === '' || trimmed.startsWith('#')) return;
      const fields = trimmed.split(/\s+/);
      let marker: KnownHostLine['marker'];
      if (fields[0]?.startsWith('@')) {
        const name = fields.shift()!.slice(1);
        if (name !== 'revoked' && name !== 'cert-authority') return; // unknown marker: OpenSSH skips the line
        marker = name;
      }
      const [hosts, keyType, keyB64] = fields;
      if (!hosts || !keyType || !keyB64 || !/^[A-Za-z0-9+/]+=*$/.test(keyB64)) return; // malformed: skipped
      lines.push({
        marker,
        patterns: hosts.split(','),
        keyType,
        key: Buffer.from(keyB64, 'base64'),
        line: index + 1,
      });
    });
    return new KnownHosts(path, lines, false);
  }

  /** Key types known for this host (to prefer the matching host-key algorithms in the handshake). */
  keyTypesFor(host: string, port: number): string[] {
    const name = knownHostName(host, port);
    const types = this.#lines
      .filter((l) => l.marker === undefined && lineMatches(l.patterns, name))
      .map((l) => l.keyType);
    return [...new Set(types)];
  }

  /** Whether `key` (the server's public key blob) is the one known for host:port. */
  verify(host: string, port: number, key: Buffer): HostKeyVerdict {
    const name = knownHostName(host, port);
    if (this.#lines.some((l) => l.marker === 'revoked' && l.key.equals(key))) {
      return { ok: false, reason: 'revoked', knownTypes: [] };
    }
    const matching = this.#lines.filter((l) => l.marker === undefined && lineMatches(l.patterns, name));
    if (matching.some((l) => l.key.equals(key))) return { ok: true };
    const knownTypes = [...new Set(matching.map((l) => l.keyType))];
    return { ok: false, reason: matching.length > 0 ? 'mismatch' : 'unknown', knownTypes };
  }
}
