import type { Kafka } from 'kafkajs';
import { startOrder, UnknownOrderError, type StartStore } from '../../domain/orders/start-order';
import type { WorkflowStarter } from '../../domain/orders/workflow-start';
import { EventValidationError, parseEventMessage } from '../../contracts/events';
import { TOPICS } from '../../contracts/topics';
import { readTopic, type Start } from '../../core/kafka/topic-reader';
import { TASK_QUEUES } from '../../contracts/task-queues';

export interface ReconcileReport {
  /** Messages read. */
  seen: number;
  /** Orders whose workflow already existed (running or closed): left untouched. */
  existing: number;
  /** Orders whose stored outcome is final: never started again, even when Temporal has forgotten them. */
  final: number;
  started: number;
  /** Valid events of orders the order store does not have (the bridge dead-letters those). */
  unknown: number;
  /** Messages that are not valid order-created events (the bridge dead-letters those). */
  invalid: number;
}

export interface ReconcileOptions {
  kafka: Kafka;
  client: WorkflowStarter;
  /** The order store: asked before anything is started for an order, told once its start is done. */
  orders: StartStore;
  start: Start;
  end?: Date;
  topic?: string;
  taskQueue?: string;
  /** Given to every workflow started: see ProcessOrderInput.completionTimeoutMs. */
  completionTimeoutMs?: number;
}

const START_TIMEOUT_MS = 10_000;

/**
 * Re-reads `order-created` and starts the workflows that are missing, e.g. after a bridge outage or a loss of
 * Temporal's data, exactly as the bridge would (one run per order, ever): an order whose stored outcome is final, or
 * that has a workflow, running or closed, is left as it is, so running it twice starts nothing the second time.
 * Reads with a throwaway group; the bridge's offsets are not touched.
 */
export async function reconcile(opts: ReconcileOptions): Promise<ReconcileReport> {
  const report: ReconcileReport = { seen: 0, existing: 0, final: 0, started: 0, unknown: 0, invalid: 0 };
  const taskQueue = opts.taskQueue ?? TASK_QUEUES.orders;
  await readTopic(
    opts.kafka,
    opts.topic ?? TOPICS.orderCreated,
    { start: opts.start, end: opts.end },
    async ({ message }) => {
      report.seen++;
      let event;
      try {
        event = parseEventMessage('order-created', message);
      } catch (err) {
        if (!(err instanceof EventValidationError)) throw err;
        report.invalid++;
        return;
      }
      try {
        const outcome = await startOrder({ ...opts, taskQueue, startTimeoutMs: START_TIMEOUT_MS }, event);
        if (outcome === 'started') report.started++;
        else if (outcome === 'alreadyStarted') report.existing++;
        else report.final++;
      } catch (err) {
        if (!(err instanceof UnknownOrderError)) throw err;
        report.unknown++;
      }
    },
  );
  return report;
}
