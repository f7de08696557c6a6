import { z } from 'zod';
import { TRANSPORT_ENV, transportProblems } from '../transport';
import { analyticsEnv, analyticsSection } from './analytics';
import { apiEnv, apiSection } from './api';
import { authEnv, authSection } from './auth';
import { bridgeEnv, bridgeSection } from './bridge';
import { consumersEnv, consumersSection } from './consumers';
import { ConfigError, parseEnv } from './env';
import { httpEnv, httpSection } from './http';
import { kafkaEnv, kafkaSection } from './kafka';
import { LOCAL_SERVER_PORTS } from './local-servers';
import { loggingEnv } from './logging';
import { metricsEnv, metricsSection } from './metrics';
import { mongoEnv, mongoSection } from './mongo';
import { notificationsEnv, notificationsSection } from './notifications';
import { ordersEnv, ordersSection } from './orders';
import { outboxEnv, outboxSection } from './outbox';
import { paymentsEnv, paymentsSection } from './payments';
import { temporalEnv, temporalSection } from './temporal';
import { tracingEnv, tracingSection } from './tracing';
import { workersEnv, workersSection } from './workers';

/**
 * Every setting of the system's processes, read once from the environment into one typed object. Processes call
 * loadConfig() in their main and pass the result (or the slice they need) down. Each section has a file of its
 * own holding its variables (a zod schema) beside their place in the object loadConfig returns (whose type is
 * Config); this one composes them. The local stack's own settings (install folder, its servers' other ports) are
 * in tools/stack/config.ts.
 */

export { ConfigError, parseEnv } from './env';
export type { HttpService } from './http';
export { LOCAL_SERVER_PORTS } from './local-servers';
export { port, positiveInt } from './values';

// One schema, so one ConfigError names every bad variable of every section, in this order.
const envSchema = z.object({
  ...TRANSPORT_ENV,
  ...loggingEnv,
  ...LOCAL_SERVER_PORTS,
  ...kafkaEnv,
  ...temporalEnv,
  ...mongoEnv,
  ...authEnv,
  ...httpEnv,
  ...metricsEnv,
  ...apiEnv,
  ...outboxEnv,
  ...notificationsEnv,
  ...analyticsEnv,
  ...consumersEnv,
  ...ordersEnv,
  ...bridgeEnv,
  ...workersEnv,
  ...paymentsEnv,
  ...tracingEnv,
});

/** Every variable naming a port a process of the system binds or connects to on the local stack. */
export const PORT_VARIABLES: readonly string[] = Object.keys(envSchema.shape).filter((k) =>
  k.endsWith('_PORT'),
);

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const e = parseEnv(envSchema, env);
  const transport = transportProblems(e);
  if (transport.length > 0) throw new ConfigError(transport);
  const api = apiSection(e);
  // The sections are mapped in this order, so of several bad lists the same one is reported first.
  return {
    logLevel: e.LOG_LEVEL,
    kafka: kafkaSection(e),
    temporal: temporalSection(e),
    mongo: mongoSection(e),
    auth: authSection(e),
    http: httpSection(e, api.publicUrl),
    metrics: metricsSection(e),
    api,
    outbox: outboxSection(e),
    orders: ordersSection(e),
    bridge: bridgeSection(e),
    notifications: notificationsSection(e),
    analytics: analyticsSection(e),
    consumers: consumersSection(e),
    workers: workersSection(e),
    payments: paymentsSection(e),
    tracing: tracingSection(e),
  };
}

export type Config = ReturnType<typeof loadConfig>;
