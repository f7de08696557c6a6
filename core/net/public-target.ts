import { promises as dns, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import type { AddressPolicy } from './address-policy';

/** Resolves a host name to every address it has, as `dns.lookup(name, { all: true })` does. */
export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolve: Resolve = (hostname) => dns.lookup(hostname, { all: true });

/** What a user-supplied URL must satisfy before anything is sent to it. */
export interface TargetRules {
  policy: AddressPolicy;
  /** Plain http:// (unencrypted, unauthenticated server) is for local development only. */
  allowHttp: boolean;
  resolve: Resolve;
}

/**
 * A URL that may not be called: its scheme, a name that does not resolve, or an address the policy refuses.
 * The message is a sentence a customer can act on; `code` lets a delivery log tell refusals from network errors.
 */
export class TargetRefusedError extends Error {
  readonly code = 'ETARGETREFUSED';

  constructor(message: string) {
    super(message);
    this.name = 'TargetRefusedError';
  }
}

const PUBLIC_ONLY = 'webhooks may only target public addresses';

/** The scheme check alone, shared by registration and sending. */
export function checkScheme(url: URL, rules: Pick<TargetRules, 'allowHttp'>): void {
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && rules.allowHttp) return;
  throw new TargetRefusedError(
    url.protocol === 'http:'
      ? 'plain http:// is not accepted; use https:// so deliveries are encrypted and the receiver authenticated'
      : `the scheme ${url.protocol.replace(/:$/, '')} is not accepted; use https://`,
  );
}

/** The URL's host without the brackets of an IPv6 literal. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Every address `hostname` has, each allowed by the policy; throws TargetRefusedError otherwise. A name with one
 * refused address among public ones is refused as a whole: whichever address a connection picks must be safe.
 */
export async function resolvePublic(hostname: string, rules: TargetRules): Promise<LookupAddress[]> {
  if (isIP(hostname)) {
    const refusal = rules.policy.check(hostname);
    if (refusal) throw new TargetRefusedError(`${hostname} is ${refusal.kind}; ${PUBLIC_ONLY}`);
    return [{ address: hostname, family: isIP(hostname) }];
  }
  let addresses: LookupAddress[];
  try {
    addresses = await rules.resolve(hostname);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new TargetRefusedError(
      `${hostname} does not resolve${typeof code === 'string' ? ` (${code})` : ''}; expected a host name with public addresses`,
    );
  }
  if (addresses.length === 0) throw new TargetRefusedError(`${hostname} does not resolve to any address`);
  for (const { address } of addresses) {
    const refusal = rules.policy.check(address);
    if (refusal) {
      throw new TargetRefusedError(`${hostname} resolves to ${address}, ${refusal.kind}; ${PUBLIC_ONLY}`);
    }
  }
  return addresses;
}

/** Registration's check: the scheme, then the host's addresses as they resolve now. */
export async function checkTarget(url: URL, rules: TargetRules): Promise<void> {
  checkScheme(url, rules);
  await resolvePublic(hostOf(url), rules);
}

/**
 * A `lookup` for net/http/https connections that only ever hands back addresses the policy allows, so the socket
 * connects to exactly what was checked: a name that resolved to a public address at registration and to 127.0.0.1
 * now (DNS rebinding) is refused here. Node does not call `lookup` for an IP literal host: check those with
 * resolvePublic before connecting.
 */
export function publicLookup(rules: TargetRules): LookupFunction {
  return (hostname, options, callback) => {
    resolvePublic(hostname, rules).then(
      (all) => {
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
        const addresses = family === 4 || family === 6 ? all.filter((a) => a.family === family) : all;
        const [first] = addresses;
        if (!first) {
          const err: NodeJS.ErrnoException = new Error(`${hostname} has no IPv${family} address`);
          err.code = 'ENOTFOUND';
          callback(err, '');
        } else if (options.all) {
          callback(null, addresses);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (err: Error) => callback(err, ''),
    );
  };
}
