/**
 * A worker process of the engine floor (queues.ts), for one floor queue (BENCH_FLOOR_QUEUE: orders, payments or
 * orderEvents) with the settings of the real worker of that queue. Says it is ready over IPC, as the system's
 * processes do, so the stack's launcher runs it; drains on SIGTERM.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { loadConfig, type Config } from '../../../core/config';
import { temporalDataConverter } from '../../../core/temporal/payload-codec';
import { floorActivities } from './activities';
import { FLOOR_TASK_QUEUES, type FloorQueue } from './queues';

/** The real worker's concurrency, pollers and rate limit for the queue (workers/<queue>/main.ts). */
function settingsOf(queue: FloorQueue, { workers }: Config): Partial<WorkerOptions> {
  switch (queue) {
    case 'orders':
      return {
        workflowsPath: require.resolve('./workflow'),
        maxConcurrentActivityTaskExecutions: workers.orders.maxActivities,
        maxConcurrentWorkflowTaskExecutions: workers.orders.maxWorkflowTasks,
        maxConcurrentActivityTaskPolls: workers.orders.pollers,
        maxConcurrentWorkflowTaskPolls: workers.orders.pollers,
      };
    case 'payments':
      return {
        maxConcurrentActivityTaskExecutions: workers.payments.maxActivities,
        maxConcurrentActivityTaskPolls: workers.payments.pollers,
        maxTaskQueueActivitiesPerSecond: workers.payments.ratePerSecond,
      };
    case 'orderEvents':
      return {
        maxConcurrentActivityTaskExecutions: workers.orderEvents.maxActivities,
        maxConcurrentActivityTaskPolls: workers.orderEvents.pollers,
      };
  }
}

async function main(): Promise<void> {
  const queue = process.env.BENCH_FLOOR_QUEUE as FloorQueue | undefined;
  if (!queue || !(queue in FLOOR_TASK_QUEUES))
    throw new Error(`BENCH_FLOOR_QUEUE: expected one of ${Object.keys(FLOOR_TASK_QUEUES).join(', ')}`);
  const config = loadConfig();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({
    address: config.temporal.address,
    ...config.temporal.transport,
  });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: FLOOR_TASK_QUEUES[queue],
    activities: floorActivities,
    // The bench's client encrypts payloads as the system's does; the floor pays for decrypting them too.
    dataConverter: temporalDataConverter(config.temporal),
    shutdownGraceTime: '5 seconds',
    ...settingsOf(queue, config),
  });
  const running = worker.run();
  process.send?.({ ready: true, taskQueue: FLOOR_TASK_QUEUES[queue] });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => worker.shutdown());
  await running;
  await connection.close();
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`floor worker: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
