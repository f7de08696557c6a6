import type { Kafka, Producer } from 'kafkajs';
import type { Backoff } from '../core/backoff';
import { EventConsumer, type HandlerFailure } from '../core/kafka/event-consumer';
import { parseEvent, type OrderCreatedV1 } from '../contracts/events';
import type { Logger } from '../core/logger';
import { TOPICS } from '../contracts/topics';
import { PROCESS_ORDER_WORKFLOW, orderWorkflowId } from '../contracts/order-workflow';
import { processOrderStartOptions, type WorkflowStarter } from '../domain/orders/workflow-start';
import { classifyStartFailure } from '../core/temporal/start-failures';
import { TASK_QUEUES } from '../contracts/task-queues';

export interface BridgeDeps {
  kafka: Kafka;
  client: WorkflowStarter;
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
}

export interface BridgeStats {
  started: number;
  alreadyStarted: number;
  deadLettered: number;
  /** Start attempts that failed transiently and were tried again. */
  retried: number;
}

/**
 * Consumes `order-created` and starts one ProcessOrder workflow per order. An offset is committed only after
 * Temporal acknowledged the start of its message's workflow (or the message was dead-lettered), so a crash
 * redelivers and the start is repeated, which Temporal dedupes by workflow id.
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
      parse: (message) => parseEvent('order-created', message.value),
      handle: async (event) => {
        const options = processOrderStartOptions(event, taskQueue);
        const where = { orderId: event.orderId, workflowId: orderWorkflowId(event.orderId) };
        try {
          await deps.client.withDeadline(Date.now() + startTimeoutMs, () =>
            deps.client.workflow.start(PROCESS_ORDER_WORKFLOW, options),
          );
        } catch (err) {
          if (classifyStartFailure(err) !== 'already-started') throw err;
          log.info(where, 'workflow already started');
          return 'alreadyStarted';
        }
        log.info(where, 'workflow started');
        return 'started';
      },
      // An existing workflow never gets here (the handler counts it as done); a start that is not definitely
      // invalid is waited out, however long, rather than dead-lettered.
      classify: (err): HandlerFailure =>
        classifyStartFailure(err) === 'permanent' ? 'permanent' : 'unavailable',
    });
  }

  stats(): BridgeStats {
    const { started = 0, alreadyStarted = 0, deadLettered, retried } = this.consumer.stats();
    return { started, alreadyStarted, deadLettered, retried };
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
