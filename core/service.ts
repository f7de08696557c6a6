import type { ReadinessReport } from '../contracts/http/common';
import { ConfigError, loadConfig, type Config } from './config';
import { remoteTokenVerifier } from './http/auth';
import { createLogger, type Logger } from './logger';
import { initProcessMetrics } from './metrics/registry';
import { startMetricsServer } from './metrics/server';
import { startTracing } from './tracing/setup';

/** How the runner opens one connection a service needs (core/connections.ts), and closes it after the service. */
export interface Connector<T> {
  open(config: Config, logger: Logger): Promise<T>;
  close(connection: T): Promise<void>;
}

type Connectors = Record<string, Connector<unknown>>;

/** What a service's start is handed: the configuration, its logger, and each connection it declared, by name. */
export type ServiceContext<C extends Connectors> = { config: Config; logger: Logger } & {
  [K in keyof C]: C[K] extends Connector<infer T> ? T : never;
};

export interface Started {
  /** Stops taking new work, finishes or hands back what is in flight, closes what the start itself opened. */
  stop(): Promise<void>;
  /** One-line facts for the ready message (URL, task queue...). */
  info?: Record<string, unknown>;
}

export interface Service<C extends Connectors> {
  /** Names the process in its log lines, metric series (service="...") and spans. */
  name: string;
  /** Opened in this order before the start; closed in the reverse order once the service has stopped. */
  connects: C;
  start(context: ServiceContext<C>): Promise<Started>;
  /**
   * For a process with no HTTP server of its own: the port (0: any free one) where the runner serves its guarded
   * /metrics and /healthz, from before the connections open, so a process waiting for one is watched too.
   */
  metricsPort?: (config: Config) => number;
  /** Served at /readyz beside /metrics: whether this instance can do its job. */
  readiness?: (context: ServiceContext<C>) => () => Promise<ReadinessReport>;
}

/** Kubernetes' default grace period; the local launcher waits a little longer before it kills. */
const STOP_LIMIT_MS = 30_000;

const STARTING: ReadinessReport = {
  ok: false,
  checks: { started: { ok: false, required: true, detail: 'starting' } },
};

/**
 * The `main` of every process: config → logger → process metrics → tracing → connections → the service, and a
 * graceful stop on SIGTERM/SIGINT that closes everything in the reverse order, spans exported last. When started by
 * the local launcher (an IPC channel exists) it reports readiness with a message, so `npm start` knows when every
 * process is up.
 */
export function runService<C extends Connectors>(service: Service<C>): void {
  const { name } = service;
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(`${name}: ${(err as Error).message}`);
    process.exit(2);
  }
  const logger = createLogger(name, config.logLevel);
  initProcessMetrics(name);
  const tracing = startTracing(name, config.tracing);
  // What is open so far, in the order it was opened.
  const opened: (() => Promise<void>)[] = [];
  let stopping = false;

  const stop = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      logger.error(`graceful stop took longer than ${STOP_LIMIT_MS / 1000} s; exiting`);
      process.exit(1);
    }, STOP_LIMIT_MS);
    let code = exitCode;
    // Popped one by one: whatever a start still under way opens meanwhile is closed too, first.
    for (let close = opened.pop(); close; close = opened.pop()) {
      await close().catch((err: unknown) => {
        logger.error({ err }, 'error while stopping');
        code ||= 1;
      });
    }
    // Last: the spans of the work just drained are exported too.
    await tracing.shutdown().catch((err: unknown) => logger.warn({ err }, 'spans not exported'));
    logger.info('stopped');
    process.exit(code);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    logger.info({ signal }, 'stopping');
    void stop(0);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  startService(service, config, logger, opened).then(
    (info) => {
      logger.info(info, 'ready');
      process.send?.({ ready: true, name, ...info });
    },
    (err: unknown) => {
      if (stopping) return; // a stop cut the start short
      // A setting found missing only now (PAYLOAD_ENCRYPTION_KEYS for a Temporal client) stops the process like a
      // bad variable does: named on stderr, exit 2, nothing a restart would fix.
      if (err instanceof ConfigError) console.error(`${name}: ${err.message}`);
      else logger.fatal({ err }, 'failed to start');
      void stop(err instanceof ConfigError ? 2 : 1);
    },
  );
}

/** Opens the metrics listener, the connections and the service, each pushed on `opened`; resolves with the info. */
async function startService<C extends Connectors>(
  service: Service<C>,
  config: Config,
  logger: Logger,
  opened: (() => Promise<void>)[],
): Promise<Record<string, unknown>> {
  // Until the service has started, /readyz says it is starting.
  let readiness = async (): Promise<ReadinessReport> => STARTING;
  let metricsUrl: string | undefined;
  if (service.metricsPort) {
    const metrics = await startMetricsServer({
      host: config.metrics.host,
      port: service.metricsPort(config),
      verifyToken: remoteTokenVerifier(config.auth),
      scrapeToken: config.metrics.token,
      logger,
      readiness: service.readiness && (() => readiness()),
    });
    opened.push(metrics.stop);
    metricsUrl = metrics.url;
  }
  const context: Record<string, unknown> = { config, logger };
  for (const [key, connector] of Object.entries(service.connects)) {
    const connection = await connector.open(config, logger);
    opened.push(() => connector.close(connection));
    context[key] = connection;
  }
  const started = await service.start(context as ServiceContext<C>);
  opened.push(() => started.stop());
  if (service.readiness) readiness = service.readiness(context as ServiceContext<C>);
  return metricsUrl ? { ...started.info, metrics: metricsUrl } : { ...started.info };
}
