import ipaddr from 'ipaddr.js';
import { BlockList } from 'node:net';

export interface ParsedRange {
  /** Canonical text of the network address. */
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
  /** Canonical form to store: a bare address for a full-length prefix, else `addr/prefix`. */
  canonical: string;
}

/**
 * Parses an IPv4/IPv6 address or CIDR range (ipaddr.js does the grammar).
 * Returns null when the text is neither. Host bits in a range are cleared (`10.0.0.7/8` → `10.0.0.0/8`),
 * which is what an admin who pasted a host address with a mask means.
 */
export function parseIpOrCidr(text: string): ParsedRange | null {
  const s = text.trim();
  // ipaddr.js also takes inet_aton shorthands ("1.2.3" = 1.2.0.3); from an admin that is a typo.
  const addrPart = s.split('/')[0];
  if (!addrPart.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(addrPart)) return null;
  try {
    if (s.includes('/')) {
      const [addr, prefix] = ipaddr.parseCIDR(s);
      const family = addr.kind();
      const network = family === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(s) : ipaddr.IPv6.networkAddressFromCIDR(s);
      const full = family === 'ipv4' ? 32 : 128;
      const address = network.toString();
      return { address, prefix, family, canonical: prefix === full ? address : `${address}/${prefix}` };
    }
    if (!ipaddr.isValid(s)) return null;
    const addr = ipaddr.parse(s);
    const family = addr.kind();
    const address = addr.toString();
    return { address, prefix: family === 'ipv4' ? 32 : 128, family, canonical: address };
  } catch {
    return null;
  }
}

/** Builds a matcher for a list of already validated addresses/ranges. An empty list allows everyone. */
export function ipMatcher(ranges: readonly string[]): (ip: string) => boolean {
  if (ranges.length === 0) return () => true;
  const list = new BlockList();
  for (const r of ranges) {
    const p = parseIpOrCidr(r);
    if (p) list.addSubnet(p.address, p.prefix, p.family);
  }
  return (ip: string) => {
    const addr = normaliseIp(ip);
    if (!addr) return false;
    return list.check(addr.address, addr.family);
  };
}

/** IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what a dual-stack socket reports) is treated as IPv4. */
export function normaliseIp(ip: string): { address: string; family: 'ipv4' | 'ipv6' } | null {
  try {
    const a = ipaddr.process(ip.trim());
    return { address: a.toString(), family: a.kind() };
  } catch {
    return null;
  }
}

/**
 * What a per-client budget (logins, refused webhooks) is kept under: an IPv6 client counts per /64, the block one subscriber usually holds
 * (counted per address, anyone with a /64 would have an unlimited budget).
 */
export function ipBucket(ip: string): string {
  if (!ip.includes(':')) return ip;
  return parseIpOrCidr(`${ip}/64`)?.canonical ?? ip;
}
