import fs from 'node:fs';
import path from 'node:path';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay } from '../core/backoff';
import type { Config } from '../core/config';
import type { Logger } from '../core/logger';
import type { Started } from '../core/service';
import { temporalDataConverter } from '../core/temporal/payload-codec';
import { workerTracingInterceptors, workflowSpanSinks } from '../core/temporal/tracing';
import { processTracing } from '../core/tracing/setup';
import { temporalLogger } from './temporal-logger';
import { addMetricsSource } from '../core/metrics/endpoint';
import { metricsServiceName } from '../core/metrics/registry';
import { temporalSdkMetrics } from './temporal-metrics';

/**
 * Workflow code for a worker. WORKFLOW_BUNDLE names a bundle prebuilt by `npm run build:workflows` (npm start and
 * the Docker image set it) for a fast start; without it the worker bundles the sources itself, so a stale bundle
 * can never run by accident.
 */
export function workflowCode(
  bundle = process.env.WORKFLOW_BUNDLE,
): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (bundle) {
    if (!fs.existsSync(bundle))
      throw new Error(`WORKFLOW_BUNDLE: no such file ${bundle}; run npm run build:workflows`);
    return { workflowBundle: { codePath: path.resolve(bundle) } };
  }
  return { workflowsPath: require.resolve('../workflows') };
}

/**
 * The worker's connection, once Temporal answers: a worker started (or restarted) while Temporal is down waits for
 * it, as it would wait on an established connection, rather than exit and be restarted in a loop.
 */
async function connectWhenUp(
  { address, transport }: Pick<Config['temporal'], 'address' | 'transport'>,
  logger: Logger,
): Promise<NativeConnection> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await NativeConnection.connect({ address, ...transport });
    } catch (err) {
      const retryInMs = backoffDelay(attempt, { initialMs: 500, maxMs: 10_000 });
      logger.warn(
        { err: (err as Error).message, address, attempt, retryInMs },
        'Temporal not reachable; waiting',
      );
      await sleep(retryInMs);
    }
  }
}

export interface WorkerSpec {
  taskQueue: string;
  activities: object;
  /** Only the `orders` worker runs workflow code; the others run activities only. */
  workflows: boolean;
  options?: Partial<WorkerOptions>;
  /** Closes what the activities hold and the runner does not (a Kafka producer) after the worker drained. */
  close?: () => Promise<void>;
}

/**
 * Starts one worker, for a worker's service start (core/service.ts, which serves its /metrics). Stopping drains it:
 * the worker stops polling, in-flight activities get the grace time to finish (after which they are cancelled and
 * retried elsewhere by Temporal), then it closes.
 */
export async function startWorker(config: Config, logger: Logger, spec: WorkerSpec): Promise<Started> {
  // Before waiting for Temporal: without the payload keys the worker could neither read its tasks nor write results.
  const dataConverter = temporalDataConverter(config.temporal);
  // Once per process, before the first connection: the SDK's and its native core's lines go through pino too.
  const sdkMetrics = await temporalSdkMetrics(metricsServiceName(), logger);
  Runtime.install({
    logger: temporalLogger(logger),
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      metrics: sdkMetrics.exporter,
    },
  });
  addMetricsSource(sdkMetrics.read);
  const connection = await connectWhenUp(config.temporal, logger);
  const code = spec.workflows ? workflowCode() : {};
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: spec.taskQueue,
    activities: spec.activities,
    dataConverter,
    ...code,
    // Workflow and activity spans, children of the span that started the run (core/temporal/tracing.ts).
    interceptors: workerTracingInterceptors({ bundlesWorkflows: 'workflowsPath' in code }),
    sinks: workflowSpanSinks(processTracing()),
    shutdownGraceTime: '20 seconds',
    ...spec.options,
  });
  const run = worker.run();
  run.catch((err: unknown) => {
    logger.fatal({ err }, 'worker stopped unexpectedly');
    process.exit(1);
  });
  return {
    info: { taskQueue: spec.taskQueue, workflows: spec.workflows },
    async stop() {
      worker.shutdown();
      await run;
      await spec.close?.();
      await connection.close();
    },
  };
}
