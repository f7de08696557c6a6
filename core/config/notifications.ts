import { z } from 'zod';
import type { EnvOf } from './env';
import { httpService } from './http';
import { cidrList, flag, port, positiveInt, upTo, url } from './values';

export const notificationsEnv = {
  NOTIFICATIONS_HOST: z.string().min(1).default('127.0.0.1'),
  NOTIFICATIONS_PORT: port.default(3001),
  NOTIFICATIONS_PUBLIC_URL: url.optional(),
  NOTIFICATIONS_GROUP_ID: z.string().min(1).default('notifications'),
  NOTIFICATIONS_HEARTBEAT_MS: positiveInt.default(15_000),
  NOTIFICATIONS_MAX_STREAMS: positiveInt.default(1_000),
  NOTIFICATIONS_MAX_STREAMS_PER_CALLER: positiveInt.default(10),
  WEBHOOK_TIMEOUT_MS: positiveInt.default(5_000),
  WEBHOOK_MAX_ATTEMPTS: upTo(100).default(8),
  WEBHOOK_BACKOFF_INITIAL_MS: positiveInt.default(1_000),
  WEBHOOK_BACKOFF_MAX_MS: positiveInt.default(300_000),
  WEBHOOK_POLL_MS: positiveInt.default(500),
  WEBHOOK_CONCURRENCY: upTo(256).default(16),
  WEBHOOK_MAX_PER_CUSTOMER: upTo(1000).default(10),
  WEBHOOK_ALLOW_HTTP: flag,
  WEBHOOK_ALLOWED_CIDRS: cidrList,
  // Key material: validated (without echoing it) where the notification service parses it into a keyring.
  WEBHOOK_SECRET_KEYS: z.string().optional(),
  WEBHOOK_SECRET_ROTATION_GRACE_MS: z.coerce
    .number({ error: 'expected milliseconds' })
    .int('expected milliseconds')
    .nonnegative('expected milliseconds >= 0')
    .default(24 * 60 * 60_000),
};

export function notificationsSection(e: EnvOf<typeof notificationsEnv>) {
  return {
    ...httpService(e.NOTIFICATIONS_HOST, e.NOTIFICATIONS_PORT, e.NOTIFICATIONS_PUBLIC_URL),
    groupId: e.NOTIFICATIONS_GROUP_ID,
    /** Interval of SSE heartbeat comments, which keep proxies from closing an idle stream. */
    heartbeatMs: e.NOTIFICATIONS_HEARTBEAT_MS,
    streamLimits: { perCaller: e.NOTIFICATIONS_MAX_STREAMS_PER_CALLER, total: e.NOTIFICATIONS_MAX_STREAMS },
    webhooks: {
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      backoff: { initialMs: e.WEBHOOK_BACKOFF_INITIAL_MS, maxMs: e.WEBHOOK_BACKOFF_MAX_MS },
      pollMs: e.WEBHOOK_POLL_MS,
      concurrency: e.WEBHOOK_CONCURRENCY,
      maxPerCustomer: e.WEBHOOK_MAX_PER_CUSTOMER,
      /** Where deliveries may go (core/net/address-policy.ts): public https endpoints only, by default. */
      targets: {
        /** Plain http:// URLs accepted; for local development only. */
        allowHttp: e.WEBHOOK_ALLOW_HTTP,
        /** Let through whatever they are, loopback included; for local testing only. */
        allowedCidrs: e.WEBHOOK_ALLOWED_CIDRS,
      },
      /**
       * `id:base64key,…` (core/crypto/keyring.ts) sealing each webhook's signing secret at rest; the notification
       * service refuses to start without it. Kept as text here so no other process needs it.
       */
      secretKeys: e.WEBHOOK_SECRET_KEYS,
      /** After a rotation, deliveries carry the previous secret's signature too for this long. */
      secretRotationGraceMs: e.WEBHOOK_SECRET_ROTATION_GRACE_MS,
    },
  };
}
