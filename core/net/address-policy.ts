import ipaddr from 'ipaddr.js';

/**
 * Which IP addresses an outbound call to a user-supplied URL may connect to. Only globally routable unicast
 * addresses pass: a URL a customer gives must never reach loopback, the private network, the cloud metadata
 * endpoint (169.254.169.254) or this machine's own listeners. IPv6 forms that carry an IPv4 address
 * (::ffff:127.0.0.1, ::127.0.0.1, 64:ff9b::7f00:1, 2002:7f00:1::) are judged by the IPv4 address they carry.
 *
 * Pure: no DNS, no sockets. Resolving names and checking again when connecting is public-target.ts's job.
 */
export interface AddressPolicy {
  /** Why `address` may not be connected to, or undefined when it may. */
  check(address: string): AddressRefusal | undefined;
}

export interface AddressRefusal {
  /** The address as given. */
  address: string;
  /** What it is, for a sentence: "a loopback address". */
  kind: string;
}

export interface AddressPolicyOptions {
  /**
   * CIDRs let through whatever they are (e.g. `127.0.0.1/32` to deliver to a receiver on this machine while
   * developing). Checked first, so they also override `ownAddresses`.
   */
  allowedCidrs?: readonly string[];
  /** This machine's addresses and the services' listen addresses: refused even when public. */
  ownAddresses?: readonly string[];
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

const IPV4_KINDS: Record<string, string> = {
  unspecified: 'an unspecified ("this network") address',
  broadcast: 'the broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address',
  loopback: 'a loopback address',
  carrierGradeNat: 'a carrier-grade NAT (shared) address',
  private: 'a private address',
  reserved: 'a reserved, benchmarking or documentation address',
  as112: 'an AS112 (DNS sink) address',
  amt: 'an AMT relay address',
};

const IPV6_KINDS: Record<string, string> = {
  unspecified: 'an unspecified address',
  linkLocal: 'a link-local address',
  multicast: 'a multicast address',
  loopback: 'a loopback address',
  uniqueLocal: 'a private (unique local) address',
  deprecatedSiteLocal: 'a site-local address',
  discard: 'a discard-only address',
  rfc6052: 'a local-use NAT64 address',
  teredo: 'a Teredo tunnel address',
  benchmarking: 'a benchmarking address',
  amt: 'an AMT relay address',
  as112v6: 'an AS112 (DNS sink) address',
  deprecatedOrchid: 'an ORCHID address',
  orchid2: 'an ORCHID address',
  droneRemoteIdProtocolEntityTags: 'a drone remote ID address',
  segmentRouting: 'a segment routing address',
  reserved: 'a reserved or documentation address',
};

/** 2000::/3: every IPv6 address a public host can have; the rest is unassigned or special. */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

export function createAddressPolicy(options: AddressPolicyOptions = {}): AddressPolicy {
  const allowed = (options.allowedCidrs ?? []).map((cidr) => parseCidr(cidr));
  const own = new Set<string>();
  for (const address of options.ownAddresses ?? []) {
    const parsed = parseAddress(address);
    if (parsed) own.add(canonical(parsed));
  }

  const isAllowed = (address: ipaddr.IPv4 | ipaddr.IPv6) =>
    allowed.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));

  function judge(address: ipaddr.IPv4 | ipaddr.IPv6, given: string): AddressRefusal | undefined {
    if (isAllowed(address)) return undefined;
    if (address.kind() === 'ipv4') {
      const range = address.range();
      if (range !== 'unicast') {
        return { address: given, kind: IPV4_KINDS[range] ?? `a special-purpose address (${range})` };
      }
    } else {
      const v6 = address as ipaddr.IPv6;
      const carried = embeddedIPv4(v6);
      if (carried) {
        const refusal = judge(carried.address, given);
        return refusal && { address: given, kind: `${refusal.kind} (${carried.form} ${carried.address})` };
      }
      const range = v6.range();
      if (range !== 'unicast') {
        return { address: given, kind: IPV6_KINDS[range] ?? `a special-purpose address (${range})` };
      }
      if (!v6.match(GLOBAL_UNICAST_V6)) return { address: given, kind: 'an unassigned IPv6 address' };
    }
    // Last, so a loopback or private address of this machine is reported as what it is.
    if (own.has(canonical(address))) return { address: given, kind: "this service's own address" };
    return undefined;
  }

  return {
    check(address) {
      const parsed = parseAddress(address);
      if (!parsed) return { address, kind: 'not an IP address' };
      return judge(parsed, address);
    },
  };
}

/** Throws naming the bad entry; used by config parsing so a typo stops the process at start-up. */
export function parseCidr(cidr: string): Cidr {
  try {
    return ipaddr.parseCIDR(cidr.trim());
  } catch {
    throw new Error(`expected a CIDR such as 127.0.0.1/32 or ::1/128 (received ${JSON.stringify(cidr)})`);
  }
}

/**
 * Strictly an IPv4 dotted quad or an IPv6 address (brackets allowed). Looser IPv4 spellings ("127.1",
 * "0x7f000001") are not addresses here: URLs normalise them, and a resolver turns them into dotted quads.
 */
function parseAddress(value: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  if (ipaddr.IPv4.isValidFourPartDecimal(bare)) return ipaddr.IPv4.parse(bare);
  if (ipaddr.IPv6.isValid(bare)) return ipaddr.IPv6.parse(bare);
  return undefined;
}

function canonical(address: ipaddr.IPv4 | ipaddr.IPv6): string {
  return address.kind() === 'ipv6' ? (address as ipaddr.IPv6).toNormalizedString() : address.toString();
}

/** The IPv4 address an IPv6 form carries, where the network would deliver to that IPv4 address. */
function embeddedIPv4(address: ipaddr.IPv6): { address: ipaddr.IPv4; form: string } | undefined {
  const parts = address.parts;
  const lastTwo = () => new ipaddr.IPv4(address.toByteArray().slice(12));
  const range = address.range();
  if (range === 'ipv4Mapped') return { address: lastTwo(), form: 'IPv4-mapped' };
  if (range === 'rfc6145') return { address: lastTwo(), form: 'IPv4-translated' };
  // 64:ff9b::/96 is NAT64's well-known prefix; 64:ff9b:1::/48 (local use) has no fixed layout and is refused.
  if (range === 'rfc6052' && address.match(ipaddr.parseCIDR('64:ff9b::/96'))) {
    return { address: lastTwo(), form: 'NAT64' };
  }
  if (range === '6to4') {
    const bytes = address.toByteArray();
    return { address: new ipaddr.IPv4(bytes.slice(2, 6)), form: '6to4' };
  }
  // ::a.b.c.d (deprecated IPv4-compatible); :: and ::1 are judged as themselves.
  if (parts.slice(0, 6).every((p) => p === 0) && range !== 'unspecified' && range !== 'loopback') {
    return { address: lastTwo(), form: 'IPv4-compatible' };
  }
  return undefined;
}
