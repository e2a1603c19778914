import type { BlockList } from 'node:net';
import { normaliseIp } from '../common/ip';

/**
 * The client's IP address for the allow list. X-Forwarded-For is believed only when the TCP peer is a
 * trusted proxy: then the hops are walked from the nearest one, skipping trusted proxies, and the first
 * untrusted address is the client. Anyone else could write any address into the header.
 * A hop that is not an address (forged or broken header) is returned as is: it matches no allow list.
 */
export function clientIp(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: BlockList,
): string {
  const p = peer ? normaliseIp(peer) : null;
  if (!p) return peer ?? 'unknown';
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
  if (!header || !trusted.check(p.address, p.family)) return p.address;
  const hops = header
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  let last = p.address;
  for (let i = hops.length - 1; i >= 0; i--) {
    const h = normaliseIp(hops[i]);
    if (!h) return hops[i].slice(0, 45);
    if (!trusted.check(h.address, h.family)) return h.address;
    last = h.address;
  }
  // Every hop is a trusted proxy: the farthest one is the best we know.
  return last;
}
