/** One entry of the `hosts` parameter: `name`, `name:port`, `[v6]:port` or a bare IPv6 address. */
export interface HostTarget {
  /** The entry as written (trimmed): the key of this host in the result and the prefix of its live output. */
  label: string;
  host: string;
  port: number;
}

function parsePort(text: string, entry: string, what: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new Error(`${what}: "${entry}" has an invalid port (expected 1-65535)`);
  }
  return Number(text);
}

/** Parses one `host[:port]` (also `[v6]:port`); `defaultPort` applies when none is written. */
export function parseHost(entry: string, defaultPort: number, what = 'parameter "hosts"'): HostTarget {
  const label = entry.trim();
  if (label === '') throw new Error(`${what}: empty host name`);
  if (/[\s\0/@]/.test(label)) {
    throw new Error(`${what}: "${label}" is not a host name (expected host or host:port)`);
  }
  const bracketed = label.match(/^\[([^\]]+)\](?::(.*))?$/);
  if (bracketed) {
    const port = bracketed[2] === undefined ? defaultPort : parsePort(bracketed[2], label, what);
    return { label, host: bracketed[1]!, port };
  }
  const colons = label.split(':').length - 1;
  if (colons === 0) return { label, host: label, port: defaultPort };
  if (colons > 1) return { label, host: label, port: defaultPort }; // a bare IPv6 address
  const [host, port] = label.split(':') as [string, string];
  if (host === '') throw new Error(`${what}: "${label}" has no host name`);
  return { label, host, port: parsePort(port, label, what) };
}

/**
 * st2's `hosts`: a comma-separated list. Duplicate entries are dropped (a host runs the command once); the
 * same host under two names or two ports counts as two hosts, as in st2.
 */
export function parseHosts(hosts: unknown, defaultPort: number): HostTarget[] {
  if (typeof hosts !== 'string' || hosts.trim() === '') {
    throw new Error('parameter "hosts" must be a non-empty comma-separated list of host[:port]');
  }
  const seen = new Set<string>();
  const targets: HostTarget[] = [];
  for (const entry of hosts.split(',')) {
    if (entry.trim() === '') continue;
    const target = parseHost(entry, defaultPort);
    if (seen.has(target.label)) continue;
    seen.add(target.label);
    targets.push(target);
  }
  if (targets.length === 0) throw new Error('parameter "hosts" lists no host');
  return targets;
}
