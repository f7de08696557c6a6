import fs from 'node:fs';
import net from 'node:net';

/** Linux's default when /proc cannot be read; the IANA range elsewhere lies inside it or above it. */
const DEFAULT_EPHEMERAL: [number, number] = [32768, 60999];
/** Below this lie the well-known ports and most servers' defaults (8080, 9092, 27017 are probed like any other). */
const LOWEST = 10000;

/** The range the kernel draws outgoing connections' local ports from. */
export function ephemeralRange(
  read: () => string = () => fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8'),
): [number, number] {
  try {
    const [low = NaN, high = NaN] = read().trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low > 0 && low <= high) return [low, high];
  } catch {
    // not Linux, or /proc not mounted
  }
  return DEFAULT_EPHEMERAL;
}

/**
 * Where a listener's port is drawn from: outside the ephemeral range. A port the kernel handed out for `listen(0)`
 * comes from that range, and once the probe closes it, any process's next outgoing connection (a Kafka or
 * Temporal client's) may take it as its local port and keep it for as long as the connection lives, so the
 * listener it was meant for fails with EADDRINUSE on every restart.
 */
export function listenerRange([low, high]: [number, number]): [number, number] {
  if (low - 1 - LOWEST >= 1000) return [LOWEST, low - 1];
  if (65535 - high >= 1000) return [high + 1, 65535];
  return [LOWEST, 65535];
}

function probe(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

const handedOut = new Set<number>();

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now, for a listener that must not collide with another.
 * Drawn at random (so that processes picking at the same moment rarely pick alike) and never twice by one process.
 */
export async function freePort(range: [number, number] = listenerRange(ephemeralRange())): Promise<number> {
  const [low, high] = range;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (handedOut.has(port)) continue;
    if (await probe(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port on 127.0.0.1 between ${low} and ${high} after 200 tries`);
}
