import type { Kafka } from 'kafkajs';
import { processOrderStartOptions, type WorkflowStarter } from '../domain/orders/workflow-start';
import { classifyStartFailure } from '../core/temporal/start-failures';
import { EventValidationError, parseEvent } from '../contracts/events';
import { TOPICS } from '../contracts/topics';
import { PROCESS_ORDER_WORKFLOW } from '../contracts/order-workflow';
import { readTopic, type Start } from '../core/kafka/topic-reader';
import { TASK_QUEUES } from '../contracts/task-queues';

export interface ReconcileReport {
  /** Messages read. */
  seen: number;
  /** Orders whose workflow already existed (running or closed): left untouched. */
  existing: number;
  started: number;
  /** Messages that are not valid order-created events (the bridge dead-letters those). */
  invalid: number;
}

export interface ReconcileOptions {
  kafka: Kafka;
  client: WorkflowStarter;
  start: Start;
  end?: Date;
  topic?: string;
  taskQueue?: string;
}

/**
 * Re-reads `order-created` and starts the workflows that are missing, e.g. after a bridge outage or a loss of
 * Temporal's data, exactly as the bridge would (one run per order, ever): an order that has a workflow, running or
 * closed, is left as it is, so running it twice starts nothing the second time. Reads with a throwaway group; the
 * bridge's offsets are not touched.
 */
export async function reconcile(opts: ReconcileOptions): Promise<ReconcileReport> {
  const report: ReconcileReport = { seen: 0, existing: 0, started: 0, invalid: 0 };
  const taskQueue = opts.taskQueue ?? TASK_QUEUES.orders;
  await readTopic(
    opts.kafka,
    opts.topic ?? TOPICS.orderCreated,
    { start: opts.start, end: opts.end },
    async ({ message }) => {
      report.seen++;
      let event;
      try {
        event = parseEvent('order-created', message.value);
      } catch (err) {
        if (!(err instanceof EventValidationError)) throw err;
        report.invalid++;
        return;
      }
      try {
        await opts.client.workflow.start(PROCESS_ORDER_WORKFLOW, processOrderStartOptions(event, taskQueue));
        report.started++;
      } catch (err) {
        if (classifyStartFailure(err) !== 'already-started') throw err;
        report.existing++;
      }
    },
  );
  return report;
}
