import { BlockList, isIP } from 'node:net';

/*
 * Which address a request comes from, for the per-address share of body reads. Behind a proxy
 * every socket comes from the proxy, so X-Forwarded-For is read, but only through proxies the
 * operator listed in TRUSTED_PROXIES: from the socket's peer, each hop that is a trusted proxy is
 * replaced by the address it says it received the request from (the right-most entry first).
 * A client can prepend whatever it likes to the header; it cannot make a trusted proxy append it.
 */

export type TrustedProxies = BlockList;

/** `127.0.0.1, 10.0.0.0/8, ::1` (addresses or CIDR ranges); throws a RangeError naming the entry. */
export function parseTrustedProxies(list: string): TrustedProxies {
  const blocks = new BlockList();
  for (const raw of list.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address);
    if (family === 0) throw new RangeError(`"${entry.slice(0, 64)}" is not an IP address or CIDR range`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) {
      blocks.addAddress(address, type);
    } else {
      const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : Number.NaN;
      if (!(bits >= 0 && bits <= (family === 6 ? 128 : 32))) throw new RangeError(`"${entry.slice(0, 64)}" has an invalid prefix length`);
      blocks.addSubnet(address, bits, type);
    }
  }
  return blocks;
}

// An IPv4 peer on a dual-stack socket shows as ::ffff:1.2.3.4; one address, one spelling.
function normalise(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function isTrusted(address: string, trusted: TrustedProxies): boolean {
  const family = isIP(address);
  return family !== 0 && trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | readonly string[] | undefined,
  trusted: TrustedProxies | undefined,
): string {
  let address = normalise(socketAddress ?? 'unknown');
  if (trusted === undefined || forwardedFor === undefined) return address;
  const hops = (typeof forwardedFor === 'string' ? [forwardedFor] : forwardedFor)
    .join(',')
    .split(',')
    .map((hop) => normalise(hop.trim()))
    .filter((hop) => hop !== '');
  while (isTrusted(address, trusted)) {
    const next = hops.pop();
    // A hop that is not an address ends the walk at the last proxy we trust: it is that proxy's
    // client, unknown to us, so the request counts against the proxy's own share.
    if (next === undefined || isIP(next) === 0) break;
    address = next;
  }
  return address;
}
