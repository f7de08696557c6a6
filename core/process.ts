import { ConfigError, loadConfig, type Config } from './config';
import { createLogger, type Logger } from './logger';
import { initProcessMetrics } from './metrics/registry';
import { startTracing } from './tracing/setup';

export interface Running {
  /** Stops taking new work, finishes or hands back what is in flight, closes connections. */
  stop(): Promise<void>;
  /** Optional one-line facts for the ready message (URL, task queue...). */
  info?: Record<string, unknown>;
}

/**
 * The `main` of every process: config → logger → component → graceful shutdown on SIGTERM/SIGINT.
 * When started by the local launcher (an IPC channel exists) it reports readiness with a message, so
 * `npm start` knows when every process is up.
 */
export function runProcess(name: string, start: (config: Config, logger: Logger) => Promise<Running>): void {
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
  let running: Running | undefined;
  let stopping = false;

  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    setTimeout(() => {
      logger.error('graceful stop took longer than 30 s; exiting');
      process.exit(1);
    }, 30_000);
    try {
      await running?.stop();
      // Last: the spans of the work just drained are exported too.
      await tracing.shutdown().catch((err: unknown) => logger.warn({ err }, 'spans not exported'));
      logger.info('stopped');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'error while stopping');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  start(config, logger).then(
    (r) => {
      running = r;
      logger.info(r.info ?? {}, 'ready');
      process.send?.({ ready: true, name, ...(r.info ?? {}) });
      if (stopping) void r.stop();
    },
    (err: unknown) => {
      // A setting the component found missing (PAYLOAD_ENCRYPTION_KEYS for a Temporal client) stops the process
      // like a bad variable does: named on stderr, exit 2, nothing a restart would fix.
      if (err instanceof ConfigError) {
        console.error(`${name}: ${err.message}`);
        process.exit(2);
      }
      logger.fatal({ err }, 'failed to start');
      process.exit(1);
    },
  );
}
