import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * Every setting of every process, read once from the environment into one typed object.
 * Processes call loadConfig() in their main and pass the result (or the slice they need) down.
 */

/** The folder holding package.json, whether this runs from source or from dist/. */
function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
}

const REPO_ROOT = findRepoRoot(__dirname);

const PORT = 'expected a TCP port number 1-65535';
const port = z.coerce.number({ error: PORT }).int(PORT).min(1, PORT).max(65535, PORT);
const REPLICAS = 'expected a whole number of processes 0-32';
const replicas = z.coerce.number({ error: REPLICAS }).int(REPLICAS).min(0, REPLICAS).max(32, REPLICAS);
const POSITIVE = 'expected a positive whole number';
const positiveInt = z.coerce.number({ error: POSITIVE }).int(POSITIVE).positive(POSITIVE);

const hostPort = z
  .string()
  .trim()
  .regex(/^[^\s:,]+:\d{1,5}$/, 'expected host:port');

const envSchema = z.object({
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'expected one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),

  STACK_DIR: z.string().min(1).optional(),
  STACK_KAFKA_PORT: port.default(9092),
  STACK_KAFKA_CONTROLLER_PORT: port.default(9093),
  STACK_TEMPORAL_PORT: port.default(7233),
  STACK_TEMPORAL_UI_PORT: port.default(8233),
  STACK_TEMPORAL_HTTP_PORT: port.default(7243),
  STACK_TEMPORAL_METRICS_PORT: port.default(7244),
  STACK_MONGO_PORT: port.default(27017),
  STACK_MONGO_DEBUG_PORT: port.default(27018),
  STACK_READY_TIMEOUT_MS: positiveInt.default(180_000),

  KAFKA_BROKERS: z.string().trim().min(1).optional(),
  KAFKA_CLIENT_ID: z.string().min(1).default('order-pipeline'),
  KAFKA_TOPIC_PARTITIONS: positiveInt.max(1000, 'expected at most 1000').default(6),
  KAFKA_REPLICATION_FACTOR: positiveInt.max(10, 'expected at most 10').default(1),

  TEMPORAL_ADDRESS: hostPort.optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_UI_URL: z.url({ error: 'expected an http(s) URL' }).optional(),

  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
  API_PUBLIC_URL: z.url({ error: 'expected an http(s) URL' }).optional(),
  API_BODY_LIMIT_BYTES: positiveInt.default(64 * 1024),

  OUTBOX_POLL_MS: positiveInt.default(250),
  OUTBOX_BATCH_SIZE: positiveInt.max(1000, 'expected at most 1000').default(100),

  NOTIFICATIONS_HOST: z.string().min(1).default('127.0.0.1'),
  NOTIFICATIONS_PORT: port.default(3001),
  NOTIFICATIONS_PUBLIC_URL: z.url({ error: 'expected an http(s) URL' }).optional(),
  NOTIFICATIONS_GROUP_ID: z.string().min(1).default('notifications'),
  NOTIFICATIONS_HEARTBEAT_MS: positiveInt.default(15_000),
  WEBHOOK_TIMEOUT_MS: positiveInt.default(5_000),
  WEBHOOK_MAX_ATTEMPTS: positiveInt.max(100, 'expected at most 100').default(8),
  WEBHOOK_BACKOFF_INITIAL_MS: positiveInt.default(1_000),
  WEBHOOK_BACKOFF_MAX_MS: positiveInt.default(300_000),
  WEBHOOK_POLL_MS: positiveInt.default(500),
  WEBHOOK_CONCURRENCY: positiveInt.max(256, 'expected at most 256').default(16),

  ANALYTICS_HOST: z.string().min(1).default('127.0.0.1'),
  ANALYTICS_PORT: port.default(3002),
  ANALYTICS_PUBLIC_URL: z.url({ error: 'expected an http(s) URL' }).optional(),
  ANALYTICS_GROUP_ID: z.string().min(1).default('analytics'),

  CONSUMER_PARTITIONS_CONCURRENCY: positiveInt.max(64, 'expected at most 64').default(6),
  CONSUMER_MAX_ATTEMPTS: positiveInt.max(100, 'expected at most 100').default(5),
  CONSUMER_NEW_GROUP_FROM: z
    .enum(['beginning', 'end'], { error: 'expected beginning or end' })
    .default('beginning'),

  BRIDGE_GROUP_ID: z.string().min(1).default('order-bridge'),
  BRIDGE_PARTITIONS_CONCURRENCY: positiveInt.max(64, 'expected at most 64').default(6),
  BRIDGE_MAX_ATTEMPTS: positiveInt.max(100, 'expected at most 100').default(5),

  // Processes per worker, as `npm start` runs them (docker compose uses --scale).
  WORKERS_ORDERS: replicas.default(1),
  WORKERS_PAYMENTS: replicas.default(1),
  WORKERS_ORDER_EVENTS: replicas.default(1),
  WORKER_ORDERS_MAX_ACTIVITIES: positiveInt.default(50),
  WORKER_ORDERS_MAX_WORKFLOW_TASKS: positiveInt.default(50),
  WORKER_PAYMENTS_MAX_ACTIVITIES: positiveInt.default(20),
  WORKER_PAYMENTS_RATE_PER_SECOND: positiveInt.default(100),
  WORKER_ORDERS_POLLERS: positiveInt.max(100, 'expected at most 100').default(10),
  WORKER_PAYMENTS_POLLERS: positiveInt.max(100, 'expected at most 100').default(10),
  WORKER_ORDER_EVENTS_POLLERS: positiveInt.max(100, 'expected at most 100').default(10),
  WORKER_ORDER_EVENTS_MAX_ACTIVITIES: positiveInt.default(50),

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

  MONGO_URL: z
    .string()
    .trim()
    .regex(/^mongodb(\+srv)?:\/\//, 'expected a mongodb:// or mongodb+srv:// URL')
    .optional(),
});

export type Env = z.infer<typeof envSchema>;

export interface HttpService {
  host: string;
  port: number;
  /** Base of the links the service returns. */
  publicUrl: string;
}

export interface Config {
  logLevel: Env['LOG_LEVEL'];
  kafka: {
    brokers: string[];
    clientId: string;
    topicPartitions: number;
    replicationFactor: number;
    /** true when KAFKA_BROKERS was given: the local stack does not start a broker. */
    external: boolean;
  };
  temporal: {
    address: string;
    namespace: string;
    uiUrl: string;
    external: boolean;
  };
  mongo: {
    url: string;
    external: boolean;
  };
  api: HttpService & { bodyLimitBytes: number };
  outbox: { pollMs: number; batchSize: number };
  bridge: { groupId: string; partitionsConcurrency: number; maxAttempts: number };
  notifications: HttpService & {
    groupId: string;
    /** Interval of SSE heartbeat comments, which keep proxies from closing an idle stream. */
    heartbeatMs: number;
    webhooks: {
      timeoutMs: number;
      maxAttempts: number;
      backoff: { initialMs: number; maxMs: number };
      pollMs: number;
      concurrency: number;
    };
  };
  analytics: HttpService & { groupId: string };
  /** The notification and analytics consumers' loop (common/event-consumer.ts). */
  consumers: {
    partitionsConcurrency: number;
    maxAttempts: number;
    /** Where a consumer group with no committed offsets starts. */
    newGroupFrom: 'beginning' | 'end';
  };
  workers: {
    /** `pollers`: concurrent long polls per task type, how fast a worker can take on new tasks. */
    orders: { replicas: number; maxActivities: number; maxWorkflowTasks: number; pollers: number };
    /** `ratePerSecond`: charges and refunds started per second across ALL payments workers (the gateway's limit). */
    payments: { replicas: number; maxActivities: number; pollers: number; ratePerSecond: number };
    orderEvents: { replicas: number; maxActivities: number; pollers: number };
  };
  payments: {
    latencyMs: number;
    transientFailureRate: number;
    /** Charges above this are declined (a card limit). */
    declineOverCents: number;
    /** Customers whose cards are always declined. */
    declineCustomers: string[];
  };
  stack: {
    dir: string;
    repoRoot: string;
    readyTimeoutMs: number;
    ports: {
      kafka: number;
      kafkaController: number;
      temporal: number;
      temporalUi: number;
      temporalHttp: number;
      temporalMetrics: number;
      mongo: number;
      /** The FerretDB launcher's profiling endpoints (Go pprof, per-command timings). */
      mongoDebug: number;
    };
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

function describeReceived(env: NodeJS.ProcessEnv, key: PropertyKey | undefined): string {
  if (typeof key !== 'string') return '';
  const value = env[key];
  return value === undefined ? ' (not set)' : ` (received ${JSON.stringify(value)})`;
}

function httpService(host: string, port: number, publicUrl: string | undefined): HttpService {
  return { host, port, publicUrl: (publicUrl ?? `http://${host}:${port}`).replace(/\/+$/, '') };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "not set" in shells and compose files alike.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map(
        (issue) => `${String(issue.path[0])}: ${issue.message}${describeReceived(cleaned, issue.path[0])}`,
      ),
    );
  }
  const e = parsed.data;

  const brokers = (e.KAFKA_BROKERS ?? `127.0.0.1:${e.STACK_KAFKA_PORT}`)
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  const badBroker = brokers.find((b) => !hostPort.safeParse(b).success);
  if (badBroker !== undefined) {
    throw new ConfigError([
      `KAFKA_BROKERS: expected a comma-separated list of host:port (received ${JSON.stringify(e.KAFKA_BROKERS)}; bad entry ${JSON.stringify(badBroker)})`,
    ]);
  }

  return {
    logLevel: e.LOG_LEVEL,
    kafka: {
      brokers,
      clientId: e.KAFKA_CLIENT_ID,
      topicPartitions: e.KAFKA_TOPIC_PARTITIONS,
      replicationFactor: e.KAFKA_REPLICATION_FACTOR,
      external: e.KAFKA_BROKERS !== undefined,
    },
    temporal: {
      address: e.TEMPORAL_ADDRESS ?? `127.0.0.1:${e.STACK_TEMPORAL_PORT}`,
      namespace: e.TEMPORAL_NAMESPACE,
      uiUrl: (e.TEMPORAL_UI_URL ?? `http://127.0.0.1:${e.STACK_TEMPORAL_UI_PORT}`).replace(/\/+$/, ''),
      external: e.TEMPORAL_ADDRESS !== undefined,
    },
    mongo: {
      url: e.MONGO_URL ?? `mongodb://127.0.0.1:${e.STACK_MONGO_PORT}/orders`,
      external: e.MONGO_URL !== undefined,
    },
    api: {
      ...httpService(e.API_HOST, e.API_PORT, e.API_PUBLIC_URL),
      bodyLimitBytes: e.API_BODY_LIMIT_BYTES,
    },
    outbox: { pollMs: e.OUTBOX_POLL_MS, batchSize: e.OUTBOX_BATCH_SIZE },
    notifications: {
      ...httpService(e.NOTIFICATIONS_HOST, e.NOTIFICATIONS_PORT, e.NOTIFICATIONS_PUBLIC_URL),
      groupId: e.NOTIFICATIONS_GROUP_ID,
      heartbeatMs: e.NOTIFICATIONS_HEARTBEAT_MS,
      webhooks: {
        timeoutMs: e.WEBHOOK_TIMEOUT_MS,
        maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
        backoff: { initialMs: e.WEBHOOK_BACKOFF_INITIAL_MS, maxMs: e.WEBHOOK_BACKOFF_MAX_MS },
        pollMs: e.WEBHOOK_POLL_MS,
        concurrency: e.WEBHOOK_CONCURRENCY,
      },
    },
    analytics: {
      ...httpService(e.ANALYTICS_HOST, e.ANALYTICS_PORT, e.ANALYTICS_PUBLIC_URL),
      groupId: e.ANALYTICS_GROUP_ID,
    },
    consumers: {
      partitionsConcurrency: e.CONSUMER_PARTITIONS_CONCURRENCY,
      maxAttempts: e.CONSUMER_MAX_ATTEMPTS,
      newGroupFrom: e.CONSUMER_NEW_GROUP_FROM,
    },
    bridge: {
      groupId: e.BRIDGE_GROUP_ID,
      partitionsConcurrency: e.BRIDGE_PARTITIONS_CONCURRENCY,
      maxAttempts: e.BRIDGE_MAX_ATTEMPTS,
    },
    workers: {
      orders: {
        replicas: e.WORKERS_ORDERS,
        maxActivities: e.WORKER_ORDERS_MAX_ACTIVITIES,
        maxWorkflowTasks: e.WORKER_ORDERS_MAX_WORKFLOW_TASKS,
        pollers: e.WORKER_ORDERS_POLLERS,
      },
      payments: {
        replicas: e.WORKERS_PAYMENTS,
        maxActivities: e.WORKER_PAYMENTS_MAX_ACTIVITIES,
        pollers: e.WORKER_PAYMENTS_POLLERS,
        ratePerSecond: e.WORKER_PAYMENTS_RATE_PER_SECOND,
      },
      orderEvents: {
        replicas: e.WORKERS_ORDER_EVENTS,
        maxActivities: e.WORKER_ORDER_EVENTS_MAX_ACTIVITIES,
        pollers: e.WORKER_ORDER_EVENTS_POLLERS,
      },
    },
    payments: {
      latencyMs: e.PAYMENT_LATENCY_MS,
      transientFailureRate: e.PAYMENT_TRANSIENT_FAILURE_RATE,
      declineOverCents: e.PAYMENT_DECLINE_OVER_CENTS,
      declineCustomers: e.PAYMENT_DECLINE_CUSTOMERS.split(',')
        .map((c) => c.trim())
        .filter(Boolean),
    },
    stack: {
      dir: path.resolve(REPO_ROOT, e.STACK_DIR ?? '.stack'),
      repoRoot: REPO_ROOT,
      readyTimeoutMs: e.STACK_READY_TIMEOUT_MS,
      ports: {
        kafka: e.STACK_KAFKA_PORT,
        kafkaController: e.STACK_KAFKA_CONTROLLER_PORT,
        temporal: e.STACK_TEMPORAL_PORT,
        temporalUi: e.STACK_TEMPORAL_UI_PORT,
        temporalHttp: e.STACK_TEMPORAL_HTTP_PORT,
        temporalMetrics: e.STACK_TEMPORAL_METRICS_PORT,
        mongo: e.STACK_MONGO_PORT,
        mongoDebug: e.STACK_MONGO_DEBUG_PORT,
      },
    },
  };
}
