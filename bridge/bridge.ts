import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowStartOptions } from '@temporalio/client';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { deadLetter } from '../common/dlq';
import { EventValidationError, parseEvent, type OrderCreatedV1 } from '../common/events';
import type { Logger } from '../common/logger';
import { TOPICS } from '../common/topics';
import { ORDERS_TASK_QUEUE, PROCESS_ORDER_WORKFLOW, orderWorkflowId } from '../workflows/order-contract';
import { processOrderStartOptions, type ProcessOrderWorkflow } from './order-start';
import { DEFAULT_BACKOFF, backoffDelay, classifyStartFailure, type Backoff } from './start-failures';

/** The part of a Temporal `Client` the bridge uses; a real Client fits, and tests can wrap one. */
export interface WorkflowStarter {
  workflow: {
    start(workflowType: string, options: WorkflowStartOptions<ProcessOrderWorkflow>): Promise<unknown>;
  };
  withDeadline<R>(deadline: number | Date, fn: () => Promise<R>): Promise<R>;
}

export interface BridgeDeps {
  kafka: Kafka;
  client: WorkflowStarter;
  logger: Logger;
  groupId: string;
  /** How many partitions are worked on at once; messages within a partition stay in order. */
  partitionsConcurrency: number;
  /** Start attempts per message before it is dead-lettered. */
  maxAttempts: number;
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

type Outcome = 'started' | 'alreadyStarted' | 'deadLettered';

/** Longest stretch without a heartbeat while waiting to retry; well under the group's session timeout. */
const HEARTBEAT_SLICE_MS = 1_000;
/** In a long batch, commit finished work at least this often so a crash redelivers little. */
const COMMIT_INTERVAL_MS = 1_000;

/**
 * Consumes `order-created` and starts one ProcessOrder workflow per order. An offset is committed only after
 * Temporal acknowledged the start of its message's workflow (or the message was dead-lettered), so a crash
 * redelivers and the start is repeated, which Temporal dedupes by workflow id.
 */
export class OrderBridge {
  private readonly topic: string;
  private readonly taskQueue: string;
  private readonly backoff: Backoff;
  private readonly startTimeoutMs: number;
  private readonly log: Logger;
  private readonly totals: BridgeStats = { started: 0, alreadyStarted: 0, deadLettered: 0, retried: 0 };
  /** Wakes retry waits at once when stop() is called. */
  private readonly stopping = new AbortController();
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;

  constructor(private readonly deps: BridgeDeps) {
    this.topic = deps.topic ?? TOPICS.orderCreated;
    this.taskQueue = deps.taskQueue ?? ORDERS_TASK_QUEUE;
    this.backoff = deps.backoff ?? DEFAULT_BACKOFF;
    this.startTimeoutMs = deps.startTimeoutMs ?? 10_000;
    this.log = deps.logger.child({ component: 'bridge', topic: this.topic, groupId: deps.groupId });
  }

  stats(): BridgeStats {
    return { ...this.totals };
  }

  /** Resolves once the consumer has joined its group and fetching has begun. */
  async start(): Promise<void> {
    if (this.consumer) throw new Error('bridge already started');
    const { kafka, groupId, partitionsConcurrency } = this.deps;
    this.producer =
      this.deps.dlqProducer ?? kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
    if (!this.deps.dlqProducer) await this.producer.connect();

    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
    this.consumer = consumer;
    await consumer.connect();
    // A new group starts at the beginning: an order accepted before the bridge first ran must still be processed.
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: partitionsConcurrency,
      eachBatch: (payload) => this.handleBatch(payload),
    });
    this.log.info({ taskQueue: this.taskQueue, partitionsConcurrency }, 'bridge consuming');
  }

  /** Stops fetching, lets in-flight starts finish and commits them, then disconnects. */
  async stop(): Promise<void> {
    this.stopping.abort();
    // kafkajs' disconnect waits for the running eachBatch calls, which commit what they finished before returning.
    await this.consumer?.disconnect();
    if (!this.deps.dlqProducer) await this.producer?.disconnect();
    this.log.info({ ...this.totals }, 'bridge stopped');
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    const { topic, partition } = batch;
    // Stop at once when stopping, or when the partition was revoked or sought elsewhere (isStale).
    const keepGoing = () => isRunning() && !isStale() && !this.stopping.signal.aborted;
    const counts: Record<Outcome, number> = { started: 0, alreadyStarted: 0, deadLettered: 0 };
    let toCommit: string | undefined;
    let lastCommit = Date.now();
    const commit = async () => {
      if (toCommit === undefined) return;
      // Explicit offsets: with autoCommit off, the argument-less form would commit nothing.
      await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: toCommit }] }] });
      toCommit = undefined;
      lastCommit = Date.now();
    };

    for (const message of batch.messages) {
      if (!keepGoing()) break;
      const outcome = await this.handleMessage(topic, partition, message, { heartbeat, keepGoing });
      // Interrupted while retrying: leave this message (and everything after it) to the next fetch or owner.
      if (outcome === undefined) break;
      counts[outcome]++;
      this.totals[outcome]++;
      resolveOffset(message.offset);
      toCommit = (BigInt(message.offset) + 1n).toString();
      if (Date.now() - lastCommit >= COMMIT_INTERVAL_MS) await commit();
      await heartbeat();
    }
    await commit();

    if (counts.started + counts.alreadyStarted + counts.deadLettered > 0) {
      this.log.info({ partition, ...counts, totals: { ...this.totals } }, 'batch processed');
    }
  }

  /** Handles one message to a final outcome, or returns undefined when told to stop while retrying. */
  private async handleMessage(
    topic: string,
    partition: number,
    message: KafkaMessage,
    ctl: { heartbeat: () => Promise<void>; keepGoing: () => boolean },
  ): Promise<Outcome | undefined> {
    // The key is the orderId by contract, so even an unparseable message can be traced to its order.
    const where = { orderId: message.key?.toString(), partition, offset: message.offset };
    let event: OrderCreatedV1;
    try {
      event = parseEvent('order-created', message.value);
    } catch (err) {
      if (!(err instanceof EventValidationError)) throw err;
      await this.deadLetter(topic, partition, message, err);
      this.log.warn({ ...where, problems: err.problems }, 'invalid order-created event dead-lettered');
      return 'deadLettered';
    }

    const log = this.log.child({
      ...where,
      orderId: event.orderId,
      workflowId: orderWorkflowId(event.orderId),
    });
    const options = processOrderStartOptions(event, this.taskQueue);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.deps.client.withDeadline(Date.now() + this.startTimeoutMs, () =>
          this.deps.client.workflow.start(PROCESS_ORDER_WORKFLOW, options),
        );
        log.info({ attempt }, 'workflow started');
        return 'started';
      } catch (err) {
        const failure = classifyStartFailure(err);
        if (failure === 'already-started') {
          log.info({ attempt }, 'workflow already started');
          return 'alreadyStarted';
        }
        if (failure === 'permanent' || (failure === 'transient' && attempt >= this.deps.maxAttempts)) {
          await this.deadLetter(topic, partition, message, err instanceof Error ? err : String(err));
          log.error({ err, attempt, failure }, 'could not start workflow; message dead-lettered');
          return 'deadLettered';
        }
        const delayMs = backoffDelay(attempt, this.backoff);
        log.warn(
          {
            err,
            attempt,
            failure,
            maxAttempts: failure === 'unavailable' ? null : this.deps.maxAttempts,
            delayMs,
          },
          'could not start workflow; will retry',
        );
        this.totals.retried++;
        if (!(await this.waitBeforeRetry(delayMs, ctl))) {
          log.info({ attempt }, 'stopped while retrying; message left uncommitted for redelivery');
          return undefined;
        }
      }
    }
  }

  private async deadLetter(topic: string, partition: number, message: KafkaMessage, error: Error | string) {
    if (!this.producer) throw new Error('bridge not started');
    await deadLetter(this.producer, { topic, partition, message, error, consumer: this.deps.groupId });
  }

  /** Sleeps in heartbeat-sized slices; false when the bridge stops or loses the partition meanwhile. */
  private async waitBeforeRetry(
    delayMs: number,
    ctl: { heartbeat: () => Promise<void>; keepGoing: () => boolean },
  ): Promise<boolean> {
    for (let left = delayMs; left > 0; left -= HEARTBEAT_SLICE_MS) {
      await sleep(Math.min(left, HEARTBEAT_SLICE_MS), undefined, { signal: this.stopping.signal }).catch(
        () => undefined,
      );
      if (!ctl.keepGoing()) return false;
      await ctl.heartbeat();
    }
    return ctl.keepGoing();
  }
}
