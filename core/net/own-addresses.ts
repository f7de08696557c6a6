import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/**
 * The addresses a request from this machine could reach its own services at: every address of its network
 * interfaces (a service listening on 0.0.0.0 answers on all of them, public ones included) and the configured
 * listen hosts that are IP literals. Host names among `listenHosts` are left to the address policy's other rules.
 */
export function ownAddresses(
  listenHosts: readonly string[],
  interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces(),
): string[] {
  const found = new Set<string>();
  for (const entries of Object.values(interfaces)) {
    for (const entry of entries ?? []) found.add(entry.address.replace(/%.*$/, ''));
  }
  for (const host of listenHosts) if (isIP(host)) found.add(host);
  return [...found];
}
