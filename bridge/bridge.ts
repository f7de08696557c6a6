import type { Kafka, Producer } from 'kafkajs';
import { parseEventMessage, type OrderCreatedV1 } from '../contracts/events';
import { orderWorkflowId } from '../contracts/order-workflow';
import { TASK_QUEUES } from '../contracts/task-queues';
import { TOPICS } from '../contracts/topics';
import type { Backoff } from '../core/backoff';
import { EventConsumer, type HandlerFailure } from '../core/kafka/event-consumer';
import type { Logger } from '../core/logger';
import { classifyStartFailure } from '../core/temporal/start-failures';
import { startOrder, UnknownOrderError, type StartStore } from '../domain/orders/start-order';
import type { WorkflowStarter } from '../domain/orders/workflow-start';

export interface BridgeDeps {
  kafka: Kafka;
  client: WorkflowStarter;
  /** The order store: asked before anything is started for an order, told once its start is done. */
  orders: StartStore;
  logger: Logger;
  groupId: string;
  /** How many partitions are worked on at once; messages within a partition stay in order. */
  partitionsConcurrency: number;
  topic?: string;
  taskQueue?: string;
  /** Shared producer for dead letters; when absent the bridge creates (and closes) its own. */
  dlqProducer?: Producer;
  backoff?: Backoff;
  /** Deadline of one start call, so a hung server cannot stall a partition past the group's session timeout. */
  startTimeoutMs?: number;
  /** Given to every workflow started: see ProcessOrderInput.completionTimeoutMs. */
  completionTimeoutMs?: number;
  /** Where a group with no committed offsets starts (default `beginning`: no accepted order is ever skipped). */
  newGroupFrom?: 'beginning' | 'end';
}

export interface BridgeStats {
  started: number;
  alreadyStarted: number;
  /** Orders whose stored outcome is final: not started again, whatever Temporal or Kafka still hold. */
  alreadyFinal: number;
  deadLettered: number;
  /** Start attempts that failed transiently and were tried again. */
  retried: number;
}

/**
 * Consumes `order-created` and starts one ProcessOrder workflow per order (domain/orders/start-order.ts: never for an
 * order whose stored outcome is final), then deletes the order's outbox entry. An offset is committed only after
 * Temporal acknowledged the start of its message's workflow and the entry is gone (or the message was
 * dead-lettered), so a crash redelivers and the start is repeated, which Temporal dedupes by workflow id.
 */
export class OrderBridge {
  private readonly consumer: EventConsumer<OrderCreatedV1>;

  constructor(deps: BridgeDeps) {
    const topic = deps.topic ?? TOPICS.orderCreated;
    const taskQueue = deps.taskQueue ?? TASK_QUEUES.orders;
    const startTimeoutMs = deps.startTimeoutMs ?? 10_000;
    const log = deps.logger.child({ component: 'bridge', topic, taskQueue });

    this.consumer = new EventConsumer<OrderCreatedV1>({
      ...deps,
      name: 'bridge',
      topics: [topic],
      parse: (message) => parseEventMessage('order-created', message),
      handle: async (event) => {
        const outcome = await startOrder({ ...deps, taskQueue, startTimeoutMs }, event);
        const where = { orderId: event.orderId, workflowId: orderWorkflowId(event.orderId) };
        const said = {
          started: 'workflow started',
          alreadyStarted: 'workflow already started',
          alreadyFinal: 'order already final; not started again',
        } as const;
        log.info(where, said[outcome]);
        return outcome;
      },
      // Only an order the store does not have, or a start Temporal rejects as invalid, is dead-lettered; anything
      // else (Temporal or the order store down, an error of unknown kind) is waited out, however long.
      classify: (err): HandlerFailure =>
        err instanceof UnknownOrderError || classifyStartFailure(err) === 'permanent'
          ? 'permanent'
          : 'unavailable',
    });
  }

  stats(): BridgeStats {
    const {
      started = 0,
      alreadyStarted = 0,
      alreadyFinal = 0,
      deadLettered,
      retried,
    } = this.consumer.stats();
    return { started, alreadyStarted, alreadyFinal, deadLettered, retried };
  }

  /** Resolves once the consumer has joined its group and fetching has begun. */
  async start(): Promise<void> {
    await this.consumer.start();
  }

  /** Stops fetching, lets in-flight starts finish and commits them, then disconnects. */
  async stop(): Promise<void> {
    await this.consumer.stop();
  }
}
