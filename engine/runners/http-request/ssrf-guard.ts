/**
 * SSRF guard for the http-request runner. Every address a request connects to is checked at connect time
 * (custom `lookup`), so a name that resolves to a public address when checked and to 127.0.0.1 when connecting
 * (DNS rebinding) cannot slip through: the socket only ever uses addresses this guard approved.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Ranges blocked unless allowed by `runners.http.allowHosts`. */
const BLOCKED: Array<[string, number, 'ipv4' | 'ipv6', string]> = [
  ['0.0.0.0', 8, 'ipv4', 'this-network (0.0.0.0/8)'],
  ['10.0.0.0', 8, 'ipv4', 'private (10.0.0.0/8)'],
  ['100.64.0.0', 10, 'ipv4', 'shared address space (100.64.0.0/10)'],
  ['127.0.0.0', 8, 'ipv4', 'loopback (127.0.0.0/8)'],
  ['169.254.0.0', 16, 'ipv4', 'link-local / cloud metadata (169.254.0.0/16)'],
  ['172.16.0.0', 12, 'ipv4', 'private (172.16.0.0/12)'],
  ['192.0.0.0', 24, 'ipv4', 'IETF protocol assignments (192.0.0.0/24)'],
  ['192.168.0.0', 16, 'ipv4', 'private (192.168.0.0/16)'],
  ['198.18.0.0', 15, 'ipv4', 'benchmarking (198.18.0.0/15)'],
  ['224.0.0.0', 4, 'ipv4', 'multicast (224.0.0.0/4)'],
  ['240.0.0.0', 4, 'ipv4', 'reserved (240.0.0.0/4)'],
  ['::', 128, 'ipv6', 'unspecified (::)'],
  ['::1', 128, 'ipv6', 'loopback (::1)'],
  ['fe80::', 10, 'ipv6', 'link-local (fe80::/10)'],
  ['fc00::', 7, 'ipv6', 'unique local / cloud metadata (fc00::/7)'],
  ['ff00::', 8, 'ipv6', 'multicast (ff00::/8)'],
];

function expandIpv6(address: string): number[] | undefined {
  let text = address;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  // Trailing dotted IPv4 (::ffff:1.2.3.4) → two hextets.
  const dotted = text.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    const o = dotted[2]!.split('.').map(Number);
    text = `${dotted[1]}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const parts = [...head, ...Array<string>(Math.max(fill, 0)).fill('0'), ...tail];
  if (parts.length !== 8) return undefined;
  return parts.map((p) => Number.parseInt(p, 16));
}

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), if any. */
export function embeddedIpv4(address: string): string | undefined {
  const h = expandIpv6(address);
  if (!h) return undefined;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeros = (from: number, to: number) => h.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && h[5] === 0xffff) return v4(h[6]!, h[7]!); // ::ffff:a.b.c.d
  if (zeros(0, 6) && (h[6] !== 0 || h[7]! > 1)) return v4(h[6]!, h[7]!); // ::a.b.c.d (deprecated)
  if (h[0] === 0x64 && h[1] === 0xff9b && zeros(2, 6)) return v4(h[6]!, h[7]!); // NAT64 64:ff9b::/96
  if (h[0] === 0x2002) return v4(h[1]!, h[2]!); // 6to4
  return undefined;
}

export class HostPolicy {
  readonly #blocked = new BlockList();
  readonly #blockedNames: Array<{ list: BlockList; name: string }> = [];
  readonly #allowedAddresses = new BlockList();
  readonly #allowedHosts = new Set<string>();

  /** `allowHosts`: host names (exact, case-insensitive), IP addresses or CIDRs the runner may reach anyway. */
  constructor(allowHosts: readonly string[] = []) {
    for (const [net, prefix, type, name] of BLOCKED) {
      this.#blocked.addSubnet(net, prefix, type);
      const one = new BlockList();
      one.addSubnet(net, prefix, type);
      this.#blockedNames.push({ list: one, name });
    }
    for (const raw of allowHosts) {
      const entry = raw
        .trim()
        .toLowerCase()
        .replace(/^\[|\]$/g, '');
      if (!entry) continue;
      const cidr = entry.match(/^(.+)\/(\d{1,3})$/);
      if (cidr && isIP(cidr[1]!)) {
        this.#allowedAddresses.addSubnet(cidr[1]!, Number(cidr[2]), isIP(cidr[1]!) === 6 ? 'ipv6' : 'ipv4');
      } else if (isIP(entry)) {
        this.#allowedAddresses.addAddress(entry, isIP(entry) === 6 ? 'ipv6' : 'ipv4');
      } else {
        this.#allowedHosts.add(entry);
      }
    }
  }

  hostAllowed(hostname: string): boolean {
    return this.#allowedHosts.has(normalizeHost(hostname));
  }

  /** Why an address may not be reached, or undefined when it may. */
  blockedReason(address: string): string | undefined {
    const family = isIP(address);
    if (family === 0) return `"${address}" is not an IP address`;
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (this.#allowedAddresses.check(address, type)) return undefined;
    const inner = family === 6 ? embeddedIpv4(address) : undefined;
    if (inner !== undefined) {
      if (this.#allowedAddresses.check(inner, 'ipv4')) return undefined;
      const reason = this.blockedReason(inner);
      if (reason) return `${reason} (embedded in ${address})`;
    }
    if (!this.#blocked.check(address, type)) return undefined;
    return this.#blockedNames.find((b) => b.list.check(address, type))?.name ?? 'blocked range';
  }

  /** Throws when a request to `hostname` (literal IP or name) is refused before any lookup. */
  checkLiteral(hostname: string): void {
    const host = normalizeHost(hostname);
    if (isIP(host) && !this.hostAllowed(host)) {
      const reason = this.blockedReason(host);
      if (reason) throw new SsrfBlockedError(host, host, reason);
    }
  }

  /** A `lookup` for http.request that resolves every address and refuses the host if any is blocked. */
  lookup(): LookupFunction {
    return ((hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback) => {
      dnsLookup(
        hostname,
        { all: true, family: options?.family ?? 0 },
        (error, addresses: LookupAddress[]) => {
          if (error) return callback(error, options?.all ? [] : '', 0);
          if (!this.hostAllowed(hostname)) {
            for (const { address } of addresses) {
              const reason = this.blockedReason(address);
              if (reason)
                return callback(new SsrfBlockedError(hostname, address, reason), options?.all ? [] : '', 0);
            }
          }
          if (options?.all) return callback(null, addresses);
          const first = addresses[0]!;
          return callback(null, first.address, first.family);
        },
      );
    }) as unknown as LookupFunction;
  }
}

type LookupCallback = (error: Error | null, address: string | LookupAddress[], family?: number) => void;

export function normalizeHost(hostname: string): string {
  return hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
}

export class SsrfBlockedError extends Error {
  readonly code = 'ESSRFBLOCKED';
  constructor(host: string, address: string, reason: string) {
    super(
      `request to ${host}${address !== host ? ` (${address})` : ''} blocked: ${reason} addresses are not reachable ` +
        'from actions unless listed in runners.http.allowHosts',
    );
    this.name = 'SsrfBlockedError';
  }
}
