import path from 'node:path';
import { z } from 'zod';
import { TRANSPORT_ENV, kafkaTransport, temporalTransport, transportProblems } from './transport';
import { parseCidr } from './net/address-policy';
import { parseKeyring, type Keyring } from './crypto/keyring';

/**
 * Every setting of the system's processes, read once from the environment into one typed object. Processes call
 * loadConfig() in their main and pass the result (or the slice they need) down. Each setting is written twice: its
 * variable in the schema, its place in the object loadConfig returns (whose type is Config). The local stack's own
 * settings (install folder, its servers' other ports) are in stack/config.ts.
 */

const PORT = 'expected a TCP port number 1-65535';
export const port = z.coerce.number({ error: PORT }).int(PORT).min(1, PORT).max(65535, PORT);
const LISTEN_PORT = 'expected a TCP port number 0-65535 (0: any free port)';
/** A port to listen on; 0 lets the system pick a free one (the process logs which). */
const listenPort = z.coerce
  .number({ error: LISTEN_PORT })
  .int(LISTEN_PORT)
  .min(0, LISTEN_PORT)
  .max(65535, LISTEN_PORT);
const REPLICAS = 'expected a whole number of processes 0-32';
const replicas = z.coerce.number({ error: REPLICAS }).int(REPLICAS).min(0, REPLICAS).max(32, REPLICAS);
const POSITIVE = 'expected a positive whole number';
export const positiveInt = z.coerce.number({ error: POSITIVE }).int(POSITIVE).positive(POSITIVE);
const upTo = (max: number) => positiveInt.max(max, `expected at most ${max}`);
const url = z.url({ error: 'expected an http(s) URL' });

const flag = z
  .enum(['true', 'false'], { error: 'expected true or false' })
  .default('false')
  .transform((v) => v === 'true');

/** A comma-separated list of CIDRs, each checked so a typo stops the process instead of widening nothing. */
const cidrList = z
  .string()
  .default('')
  .transform((spec, ctx) => {
    const cidrs = spec
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean);
    for (const cidr of cidrs) {
      try {
        parseCidr(cidr);
      } catch {
        ctx.issues.push({
          code: 'custom',
          input: spec,
          message: `expected comma-separated CIDRs such as 127.0.0.1/32; bad entry ${JSON.stringify(cidr)}`,
        });
        return z.NEVER;
      }
    }
    return cidrs;
  });

const hostPort = z
  .string()
  .trim()
  .regex(/^[^\s:,]+:\d{1,5}$/, 'expected host:port');

/**
 * Where the local stack's servers listen. The processes connect there unless KAFKA_BROKERS, TEMPORAL_ADDRESS or
 * MONGO_URL name another server, so two checkouts with different ports run side by side.
 */
export const LOCAL_SERVER_PORTS = {
  STACK_KAFKA_PORT: port.default(9092),
  STACK_TEMPORAL_PORT: port.default(7233),
  STACK_TEMPORAL_UI_PORT: port.default(8233),
  STACK_MONGO_PORT: port.default(27017),
  STACK_ISSUER_PORT: port.default(8090),
};

const envSchema = z.object({
  ...TRANSPORT_ENV,
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'expected one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  ...LOCAL_SERVER_PORTS,

  KAFKA_BROKERS: z.string().trim().min(1).optional(),
  KAFKA_CLIENT_ID: z.string().min(1).default('order-pipeline'),
  KAFKA_TOPIC_PARTITIONS: upTo(1000).default(6),
  KAFKA_REPLICATION_FACTOR: upTo(10).default(1),
  KAFKA_RETENTION_DAYS: upTo(3650).default(30),
  KAFKA_DLQ_RETENTION_DAYS: upTo(3650).default(90),

  TEMPORAL_ADDRESS: hostPort.optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_UI_URL: url.optional(),
  // Any string here: parseKeyring checks it, naming the bad entry without echoing the key material.
  PAYLOAD_ENCRYPTION_KEYS: z.string().optional(),
  CODEC_CORS_ORIGINS: z.string().optional(),
  CODEC_BODY_LIMIT_BYTES: positiveInt.default(4 * 1024 * 1024),

  MONGO_URL: z
    .string()
    .trim()
    .regex(/^mongodb(\+srv)?:\/\//, 'expected a mongodb:// or mongodb+srv:// URL')
    .optional(),
  MONGO_WAIT_QUEUE_TIMEOUT_MS: positiveInt.default(5_000),

  AUTH_JWKS_URL: url.optional(),
  AUTH_ISSUER: z.string().min(1).optional(),
  AUTH_AUDIENCE: z.string().min(1).default('order-pipeline'),
  HTTP_RATE_LIMIT_PER_MINUTE: z.coerce
    .number({ error: 'expected requests a minute, 0 for no limit' })
    .int('expected requests a minute, 0 for no limit')
    .nonnegative('expected requests a minute, 0 for no limit')
    .default(600),
  CORS_ORIGINS: z.string().optional(),
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

  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
  API_PUBLIC_URL: url.optional(),
  API_BODY_LIMIT_BYTES: positiveInt.default(64 * 1024),
  API_MAX_IN_FLIGHT: positiveInt.default(200),

  OUTBOX_POLL_MS: positiveInt.default(250),
  OUTBOX_BATCH_SIZE: upTo(1000).default(100),

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

  ANALYTICS_HOST: z.string().min(1).default('127.0.0.1'),
  ANALYTICS_PORT: port.default(3002),
  ANALYTICS_PUBLIC_URL: url.optional(),
  ANALYTICS_GROUP_ID: z.string().min(1).default('analytics'),

  CONSUMER_PARTITIONS_CONCURRENCY: upTo(64).default(6),
  CONSUMER_MAX_ATTEMPTS: upTo(100).default(5),
  CONSUMER_NEW_GROUP_FROM: z
    .enum(['beginning', 'end'], { error: 'expected beginning or end' })
    .default('beginning'),

  ORDER_COMPLETION_TIMEOUT_MS: positiveInt.default(24 * 60 * 60_000),
  STALE_ORDER_AFTER_MS: positiveInt.default(10 * 60_000),
  STALE_ORDER_SWEEP_MS: z.coerce
    .number({ error: 'expected milliseconds, 0 for no sweep' })
    .int('expected milliseconds, 0 for no sweep')
    .nonnegative('expected milliseconds, 0 for no sweep')
    .default(5 * 60_000),

  BRIDGE_GROUP_ID: z.string().min(1).default('order-bridge'),
  BRIDGE_PARTITIONS_CONCURRENCY: upTo(64).default(6),
  BRIDGE_NEW_GROUP_FROM: z
    .enum(['beginning', 'end'], { error: 'expected beginning or end' })
    .default('beginning'),

  // Processes per worker, as `npm start` runs them (docker compose uses --scale).
  WORKERS_ORDERS: replicas.default(1),
  WORKERS_PAYMENTS: replicas.default(1),
  WORKERS_ORDER_EVENTS: replicas.default(1),
  WORKER_ORDERS_MAX_ACTIVITIES: positiveInt.default(50),
  WORKER_ORDERS_MAX_WORKFLOW_TASKS: positiveInt.default(50),
  WORKER_ORDERS_POLLERS: upTo(100).default(10),
  WORKER_PAYMENTS_MAX_ACTIVITIES: positiveInt.default(20),
  WORKER_PAYMENTS_POLLERS: upTo(100).default(10),
  WORKER_PAYMENTS_RATE_PER_SECOND: positiveInt.default(100),
  WORKER_ORDER_EVENTS_MAX_ACTIVITIES: positiveInt.default(50),
  WORKER_ORDER_EVENTS_POLLERS: upTo(100).default(10),

  PAYMENT_LATENCY_MS: z.coerce
    .number({ error: 'expected milliseconds' })
    .int()
    .nonnegative('expected >= 0')
    .default(20),
  PAYMENT_TRANSIENT_FAILURE_RATE: z.coerce
    .number({ error: 'expected a probability 0-1' })
    .min(0, 'expected a probability 0-1')
    .max(1, 'expected a probability 0-1')
    .default(0),
  PAYMENT_DECLINE_OVER_CENTS: positiveInt.default(1_000_000),
  PAYMENT_DECLINE_CUSTOMERS: z.string().default(''),

  OTEL_TRACES_EXPORTER: z
    .enum(['file', 'otlp', 'none'], { error: 'expected file, otlp or none' })
    .default('file'),
  OTEL_EXPORTER_OTLP_ENDPOINT: url.default('http://localhost:4318'),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url.optional(),
  TRACES_DIR: z.string().min(1).optional(),
  STACK_DIR: z.string().min(1).optional(),
});

/** Every variable naming a port a process of the system binds or connects to on the local stack. */
export const PORT_VARIABLES: readonly string[] = Object.keys(envSchema.shape).filter((k) =>
  k.endsWith('_PORT'),
);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment with `schema`; throws one ConfigError naming every bad variable, what was expected and
 * what was received. Empty strings mean "not set", in shells and compose files alike.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => {
      const key = issue.path[0];
      const value = typeof key === 'string' ? cleaned[key] : undefined;
      const received = value === undefined ? ' (not set)' : ` (received ${JSON.stringify(value)})`;
      return `${String(key)}: ${issue.message}${typeof key === 'string' ? received : ''}`;
    }),
  );
}

function httpService(host: string, port: number, publicUrl: string | undefined) {
  /** `publicUrl`: the base of the links the service returns. */
  return { host, port, publicUrl: (publicUrl ?? `http://${host}:${port}`).replace(/\/+$/, '') };
}

function brokerList(given: string | undefined, localPort: number): string[] {
  const brokers = (given ?? `127.0.0.1:${localPort}`)
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  const bad = brokers.find((b) => !hostPort.safeParse(b).success);
  if (bad !== undefined) {
    throw new ConfigError([
      `KAFKA_BROKERS: expected a comma-separated list of host:port (received ${JSON.stringify(given)}; bad entry ${JSON.stringify(bad)})`,
    ]);
  }
  return brokers;
}

/**
 * Whom the HTTP services trust: a JWKS, the issuer and audience its tokens must name. Unset, the local stack's own
 * issuer (on STACK_ISSUER_PORT), which `npm start` runs and `npm run stack:token --` mints for.
 */
function localIssuerDefaults(e: {
  AUTH_JWKS_URL?: string;
  AUTH_ISSUER?: string;
  AUTH_AUDIENCE: string;
  STACK_ISSUER_PORT: number;
}) {
  const local = `http://127.0.0.1:${e.STACK_ISSUER_PORT}`;
  return {
    jwksUrl: e.AUTH_JWKS_URL ?? `${local}/.well-known/jwks.json`,
    issuer: e.AUTH_ISSUER ?? local,
    audience: e.AUTH_AUDIENCE,
    /** true when AUTH_JWKS_URL was given: the local stack does not run its issuer. */
    external: e.AUTH_JWKS_URL !== undefined,
  };
}

function payloadKeyring(spec: string | undefined): Keyring | undefined {
  if (spec === undefined) return undefined;
  try {
    return parseKeyring(spec, 'PAYLOAD_ENCRYPTION_KEYS');
  } catch (err) {
    throw new ConfigError([(err as Error).message]);
  }
}

/** `scheme://host[:port]` entries, normalised to the form a browser sends in its Origin header. */
function originList(given: string | undefined, variable: string): string[] {
  const entries = (given ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  return entries.map((entry) => {
    const url = URL.canParse(entry) ? new URL(entry) : undefined;
    const bare = url && !url.username && !url.password && url.pathname === '/' && !url.search && !url.hash;
    if (!url || !bare || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new ConfigError([
        `${variable}: expected a comma-separated list of origins like https://temporal.example.com (received ${JSON.stringify(given)}; bad entry ${JSON.stringify(entry)})`,
      ]);
    }
    return url.origin;
  });
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const e = parseEnv(envSchema, env);
  const transport = transportProblems(e);
  if (transport.length > 0) throw new ConfigError(transport);
  const uiUrl = (e.TEMPORAL_UI_URL ?? `http://127.0.0.1:${e.STACK_TEMPORAL_UI_PORT}`).replace(/\/+$/, '');
  const api = httpService(e.API_HOST, e.API_PORT, e.API_PUBLIC_URL);
  return {
    logLevel: e.LOG_LEVEL,
    kafka: {
      brokers: brokerList(e.KAFKA_BROKERS, e.STACK_KAFKA_PORT),
      /** TLS and SASL (core/transport.ts); plaintext when unset. */
      transport: kafkaTransport(e),
      clientId: e.KAFKA_CLIENT_ID,
      topicPartitions: e.KAFKA_TOPIC_PARTITIONS,
      replicationFactor: e.KAFKA_REPLICATION_FACTOR,
      /**
       * How long the topics keep messages, set explicitly on every topic by provisioning. Long, because
       * order-created is what reconciliation re-reads and a dead letter waits for an operator; exactly once does
       * not depend on it (the bridge asks the order store before starting anything).
       */
      retentionDays: { events: e.KAFKA_RETENTION_DAYS, deadLetters: e.KAFKA_DLQ_RETENTION_DAYS },
      /** true when KAFKA_BROKERS was given: the local stack does not start a broker. */
      external: e.KAFKA_BROKERS !== undefined,
    },
    temporal: {
      address: e.TEMPORAL_ADDRESS ?? `127.0.0.1:${e.STACK_TEMPORAL_PORT}`,
      /** TLS, mutual TLS or an API key (core/transport.ts); plaintext when unset. */
      transport: temporalTransport(e),
      namespace: e.TEMPORAL_NAMESPACE,
      uiUrl,
      external: e.TEMPORAL_ADDRESS !== undefined,
      /**
       * The keys every payload of the system's workflows is encrypted with (core/temporal/payload-codec.ts);
       * undefined when PAYLOAD_ENCRYPTION_KEYS is not set, which a process that makes a Temporal client or worker
       * refuses.
       */
      payloadKeys: payloadKeyring(e.PAYLOAD_ENCRYPTION_KEYS),
      /** The codec endpoint the Web UI decodes payloads through (core/temporal/codec-server.ts). */
      codecServer: {
        /** Browser origins allowed to call it with credentials: the Web UI's, then CODEC_CORS_ORIGINS. */
        corsOrigins: [
          ...new Set([new URL(uiUrl).origin, ...originList(e.CODEC_CORS_ORIGINS, 'CODEC_CORS_ORIGINS')]),
        ],
        bodyLimitBytes: e.CODEC_BODY_LIMIT_BYTES,
      },
    },
    mongo: {
      url: e.MONGO_URL ?? `mongodb://127.0.0.1:${e.STACK_MONGO_PORT}/orders`,
      external: e.MONGO_URL !== undefined,
      /** How long a call waits for a free connection of the pool before it fails as "unavailable". */
      waitQueueTimeoutMs: e.MONGO_WAIT_QUEUE_TIMEOUT_MS,
    },
    auth: localIssuerDefaults(e),
    /**
     * What every HTTP service applies: a request budget per caller and minute (0: none), and the browser origins
     * it answers: the API's own, whose operator console calls the notification and analytics services, then
     * CORS_ORIGINS.
     */
    http: {
      rateLimitPerMinute: e.HTTP_RATE_LIMIT_PER_MINUTE,
      corsOrigins: [
        ...new Set([new URL(api.publicUrl).origin, ...originList(e.CORS_ORIGINS, 'CORS_ORIGINS')]),
      ],
    },
    /**
     * `/metrics` (core/metrics/): served by the HTTP services on their own port and by the relay, the bridge and
     * the workers on a small listener of their own at `host` (its port in their section). An operator's token, or
     * `token` (the scrape credential given to Prometheus), reads it.
     */
    metrics: { host: e.METRICS_HOST, token: e.METRICS_TOKEN },
    api: {
      ...api,
      bodyLimitBytes: e.API_BODY_LIMIT_BYTES,
      /** Requests served at once; beyond that, 503 at once (shed, not queued behind the database). */
      maxInFlight: e.API_MAX_IN_FLIGHT,
    },
    outbox: {
      pollMs: e.OUTBOX_POLL_MS,
      batchSize: e.OUTBOX_BATCH_SIZE,
      metricsPort: e.OUTBOX_RELAY_METRICS_PORT,
    },
    orders: {
      /**
       * How long the steps after an order's capture wait out an outage before its run gives up (without a
       * refund: a retry completes it), given to every workflow started.
       */
      completionTimeoutMs: e.ORDER_COMPLETION_TIMEOUT_MS,
      /**
       * An order still `accepted` this long after it was accepted is stale (a workflow records `processing`
       * within seconds of its start): the bridge's sweep, every `staleSweepMs` (0: none), and `npm run orders --
       * reconcile --stale` put it back on its way.
       */
      staleAfterMs: e.STALE_ORDER_AFTER_MS,
      staleSweepMs: e.STALE_ORDER_SWEEP_MS,
    },
    bridge: {
      groupId: e.BRIDGE_GROUP_ID,
      partitionsConcurrency: e.BRIDGE_PARTITIONS_CONCURRENCY,
      /** Where a bridge group with no committed offsets starts: `end` only for a throwaway run of its own. */
      newGroupFrom: e.BRIDGE_NEW_GROUP_FROM,
      metricsPort: e.BRIDGE_METRICS_PORT,
    },
    notifications: {
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
    },
    analytics: {
      ...httpService(e.ANALYTICS_HOST, e.ANALYTICS_PORT, e.ANALYTICS_PUBLIC_URL),
      groupId: e.ANALYTICS_GROUP_ID,
    },
    /** The notification and analytics consumers' loop (core/kafka/event-consumer.ts). */
    consumers: {
      partitionsConcurrency: e.CONSUMER_PARTITIONS_CONCURRENCY,
      maxAttempts: e.CONSUMER_MAX_ATTEMPTS,
      /** Where a consumer group with no committed offsets starts. */
      newGroupFrom: e.CONSUMER_NEW_GROUP_FROM,
    },
    /** `pollers`: concurrent long polls per task type, how fast a worker can take on new tasks. */
    workers: {
      orders: {
        replicas: e.WORKERS_ORDERS,
        maxActivities: e.WORKER_ORDERS_MAX_ACTIVITIES,
        maxWorkflowTasks: e.WORKER_ORDERS_MAX_WORKFLOW_TASKS,
        pollers: e.WORKER_ORDERS_POLLERS,
        metricsPort: e.WORKER_ORDERS_METRICS_PORT,
      },
      payments: {
        replicas: e.WORKERS_PAYMENTS,
        maxActivities: e.WORKER_PAYMENTS_MAX_ACTIVITIES,
        pollers: e.WORKER_PAYMENTS_POLLERS,
        /** Charges and refunds started per second across ALL payments workers (the gateway's limit). */
        ratePerSecond: e.WORKER_PAYMENTS_RATE_PER_SECOND,
        metricsPort: e.WORKER_PAYMENTS_METRICS_PORT,
      },
      orderEvents: {
        replicas: e.WORKERS_ORDER_EVENTS,
        maxActivities: e.WORKER_ORDER_EVENTS_MAX_ACTIVITIES,
        pollers: e.WORKER_ORDER_EVENTS_POLLERS,
        metricsPort: e.WORKER_ORDER_EVENTS_METRICS_PORT,
      },
    },
    payments: {
      latencyMs: e.PAYMENT_LATENCY_MS,
      transientFailureRate: e.PAYMENT_TRANSIENT_FAILURE_RATE,
      /** Charges above this are declined (a card limit). */
      declineOverCents: e.PAYMENT_DECLINE_OVER_CENTS,
      /** Customers whose cards are always declined. */
      declineCustomers: e.PAYMENT_DECLINE_CUSTOMERS.split(',')
        .map((c) => c.trim())
        .filter(Boolean),
    },
    /** OpenTelemetry (core/tracing): where each process's spans go. */
    tracing: {
      exporter: e.OTEL_TRACES_EXPORTER,
      /** `file`: JSON lines, one file per process; the local stack's folder unless TRACES_DIR names another. */
      dir: path.resolve(e.TRACES_DIR ?? path.join(e.STACK_DIR ?? '.stack', 'traces')),
      /** `otlp`: OTLP over HTTP, as the OpenTelemetry variables say (the endpoint's /v1/traces). */
      otlpTracesUrl:
        e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
        `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`,
    },
  };
}

export type Config = ReturnType<typeof loadConfig>;
export type HttpService = ReturnType<typeof httpService>;
