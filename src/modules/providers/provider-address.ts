import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Where provider calls may go. The URLs are set by admins (API base URL, MultiInfo host, the generic HTTP
 * template), so without a rule a mailbox could make this server call its own network: the cloud's metadata
 * service, the database, an internal admin page. The rule: https, and only public unicast addresses, checked
 * on the literal address at save time and on every address a name resolves to at call time (the address
 * checked is the one connected to). ALLOW_PRIVATE_PROVIDER_URLS lifts it for development and the tests'
 * local fakes.
 */

/** Why an IP address is not a public unicast one ("a loopback address"), or null when it is. */
export function nonPublicAddress(ip: string): string | null {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.parse(ip);
  } catch {
    return 'not an IP address';
  }
  // An IPv4 address written as IPv6 (::ffff:127.0.0.1) reaches the IPv4 address.
  if (addr instanceof ipaddr.IPv6 && addr.isIPv4MappedAddress()) addr = addr.toIPv4Address();
  const range = addr.range();
  switch (range) {
    case 'unicast':
      return null;
    case 'loopback':
      return 'a loopback address';
    case 'private':
    case 'uniqueLocal':
    case 'carrierGradeNat':
      return 'a private address';
    case 'linkLocal':
      return 'a link-local address';
    case 'unspecified':
      return 'the unspecified address (this host)';
    default:
      return `a special-purpose address (${range})`;
  }
}

/** A URL's host as an IP address when it is written as one (IPv6 without its brackets), else null. */
function literalAddress(hostname: string): string | null {
  const h = hostname.replace(/^\[(.*)\]$/, '$1');
  return net.isIP(h) ? h : null;
}

export interface AddressProblem {
  rule: 'https' | 'publicAddress';
  message: string;
}

/** The save-time check of a provider URL: https, and not a literal non-public address. */
export function providerUrlProblem(url: URL, allowPrivate: boolean): AddressProblem | null {
  if (allowPrivate) return null;
  if (url.protocol !== 'https:')
    return {
      rule: 'https',
      message: 'must be an https:// URL: provider calls carry credentials and are never sent unencrypted',
    };
  return hostProblem(url.hostname, false);
}

/** The save-time check of a bare host name (MultiInfo `host`, with an optional port): not a literal non-public address. */
export function hostProblem(host: string, allowPrivate: boolean): AddressProblem | null {
  if (allowPrivate) return null;
  const literal = literalAddress(host.replace(/:\d+$/, ''));
  const why = literal ? nonPublicAddress(literal) : null;
  return why
    ? { rule: 'publicAddress', message: `${literal} is ${why}; provider calls go only to public addresses` }
    : null;
}

/** Raised (as a connection error) when a provider's host is or resolves to a non-public address. */
export class NonPublicAddressError extends Error {
  readonly code = 'ENONPUBLIC';
}

/** The call-time check of a host written as an IP address (no lookup happens for those). */
export function literalHostError(hostname: string): NonPublicAddressError | null {
  const literal = literalAddress(hostname);
  const why = literal ? nonPublicAddress(literal) : null;
  return why ? new NonPublicAddressError(`${literal} is ${why}`) : null;
}

/**
 * A `lookup` for node:http(s) that resolves like the default one but fails when any address of the name is
 * not public: the connection is made to an address checked here, so a name cannot be re-pointed between a
 * check and the connect.
 */
export const publicOnlyLookup: net.LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return (callback as (e: NodeJS.ErrnoException) => void)(err);
    for (const a of addresses) {
      const why = nonPublicAddress(a.address);
      if (why)
        return (callback as (e: NodeJS.ErrnoException) => void)(
          new NonPublicAddressError(`the name ${hostname} resolves to ${why}`),
        );
    }
    if (options.all) return (callback as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
    const first = addresses[0];
    if (!first)
      return (callback as (e: NodeJS.ErrnoException) => void)(
        Object.assign(new Error(`the name ${hostname} has no address`), { code: 'ENOTFOUND' }),
      );
    (callback as (e: null, a: string, f: number) => void)(null, first.address, first.family);
  });
};
