import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { TokenVerifier } from '../http/auth';
import type { ReadinessReport } from '../../contracts/http/common';
import { healthz, readyz } from '../http/health';
import { errorHandler, unknownRoute } from '../http/middleware';
import { closeServer, listen } from '../http/server';
import type { Logger } from '../logger';
import { metricsRoute } from './endpoint';

export interface MetricsServerOptions {
  host: string;
  /** 0: any free port; the URL says which. */
  port: number;
  verifyToken: TokenVerifier;
  scrapeToken: string | undefined;
  logger: Logger;
  /** Served at /readyz when given. */
  readiness?: () => Promise<ReadinessReport>;
}

export interface MetricsServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * The small HTTP listener of a process that serves nothing else (the outbox relay, the bridge, the workers):
 * `GET /metrics`, guarded like everywhere, `GET /healthz`, and `GET /readyz` where the process has a readiness.
 */
export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', healthz);
  if (opts.readiness) app.get('/readyz', readyz(opts.readiness, opts.logger));
  app.get('/metrics', ...metricsRoute(opts.verifyToken, opts.scrapeToken));
  app.use(unknownRoute);
  app.use(errorHandler(opts.logger));
  const server: Server = await listen(app, opts.host, opts.port);
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${host}:${port}/metrics`;
  opts.logger.info({ url }, 'metrics served');
  return { url, stop: () => closeServer(server) };
}
