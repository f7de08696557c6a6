import { z } from 'zod';
import type { EnvOf } from './env';
import { listenPort } from './values';

/**
 * `/metrics` (core/metrics/): served by the HTTP services on their own port and by the relay, the bridge and the
 * workers on a small listener of their own at METRICS_HOST, whose ports are declared here, together, and read into
 * the section of the process that binds each.
 */
export const metricsEnv = {
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  // A scrape credential for Prometheus: long and random, in the characters a bearer token may carry.
  METRICS_TOKEN: z
    .string()
    .regex(/^[A-Za-z0-9\-._~+/]{24,}=*$/, 'expected at least 24 characters of A-Z a-z 0-9 - . _ ~ + /')
    .optional(),
  OUTBOX_RELAY_METRICS_PORT: listenPort.default(9464),
  BRIDGE_METRICS_PORT: listenPort.default(9465),
  WORKER_ORDERS_METRICS_PORT: listenPort.default(9466),
  WORKER_PAYMENTS_METRICS_PORT: listenPort.default(9467),
  WORKER_ORDER_EVENTS_METRICS_PORT: listenPort.default(9468),
};

/** An operator's token, or `token` (the scrape credential given to Prometheus), reads `/metrics`. */
export function metricsSection(e: EnvOf<Pick<typeof metricsEnv, 'METRICS_HOST' | 'METRICS_TOKEN'>>) {
  return { host: e.METRICS_HOST, token: e.METRICS_TOKEN };
}
