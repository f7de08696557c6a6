import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { DEFAULT_BACKOFF, backoffDelay, type Backoff } from '../backoff';
import { deadLetter } from './dlq';
import { countHandled, trackConsumerLag } from './metrics';
import { startNewGroupAtEnd } from './group-start';
import { whileBrokerSettles } from './settling';
import { EventValidationError } from '../../contracts/events';
import type { Logger } from '../logger';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { messageAttributes } from '../tracing/messaging';
import { contextFrom } from '../tracing/propagation';
import { inSpan } from '../tracing/spans';

/**
 * What a failure of a message's handler means:
 * - `permanent`: this message can never succeed: dead-letter it now.
 * - `unavailable`: a dependency is down or overloaded; nothing is wrong with the message, so it is retried with
 *   backoff for as long as the outage lasts (the partition waits) and never dead-lettered — otherwise an outage
 *   would empty the topic into its DLQ.
 * - `transient`: anything else: retried with backoff, dead-lettered once the attempts are used up.
 */
export type HandlerFailure = 'permanent' | 'unavailable' | 'transient';

/** Where a message came from; handlers use it for logs and for position-based idempotency. */
export interface MessagePosition {
  topic: string;
  partition: number;
  /** kafkajs' decimal string: an offset is an int64. */
  offset: string;
}

export interface EventConsumerDeps<T> {
  kafka: Kafka;
  logger: Logger;
  /** Names the consumer in logs and in the dead letters it writes. */
  name: string;
  groupId: string;
  topics: readonly string[];
  /** How many partitions are worked on at once; messages within a partition stay in order. */
  partitionsConcurrency: number;
  /** Attempts of a transiently failing message before it is dead-lettered (default 5). */
  maxAttempts?: number;
  /**
   * Turns a message into what `handle` takes. Throwing EventValidationError dead-letters the message at once;
   * the message key is the orderId by contract, so even an unparseable message stays traceable to its order.
   */
  parse(message: KafkaMessage, position: MessagePosition): T;
  /**
   * Makes the message's effect durable, idempotently (a crash before the commit redelivers it). Returns an
   * outcome name, counted in stats().
   */
  handle(value: T, position: MessagePosition): Promise<string>;
  classify(err: unknown): HandlerFailure;
  /** Shared producer for dead letters; when absent the consumer creates (and closes) its own. */
  dlqProducer?: Producer;
  backoff?: Backoff;
  /**
   * Where a group with no committed offsets starts. Default `beginning`, so nothing produced before the first run
   * is skipped; `end` skips the history (a throwaway environment, a test run with a group of its own).
   */
  newGroupFrom?: 'beginning' | 'end';
}

export type ConsumerStats = Record<string, number> & { deadLettered: number; retried: number };

const DEFAULT_MAX_ATTEMPTS = 5;
/** Longest stretch without a heartbeat while waiting to retry; well under the group's session timeout. */
const HEARTBEAT_SLICE_MS = 1_000;
/** In a long batch, commit finished work at least this often so a crash redelivers little. */
const COMMIT_INTERVAL_MS = 1_000;

interface BatchControl {
  heartbeat: () => Promise<void>;
  keepGoing: () => boolean;
}

/**
 * The at-least-once loop every consumer of the system runs: messages of a partition are handled one after another;
 * an offset is committed only once its message's effect is durable (or it was dead-lettered), so a crash
 * redelivers and the idempotent handler makes it an exactly-once effect. A message that fails validation, or keeps
 * failing, goes to `<topic>.dlq` and the partition moves on; a dependency outage makes the partition wait.
 */
export class EventConsumer<T> {
  private readonly backoff: Backoff;
  private readonly maxAttempts: number;
  private readonly log: Logger;
  private readonly totals: ConsumerStats = { deadLettered: 0, retried: 0 };
  /** Wakes retry waits at once when stop() is called. */
  private readonly stopping = new AbortController();
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private untrackLag: (() => Promise<void>) | undefined;

  constructor(private readonly deps: EventConsumerDeps<T>) {
    this.backoff = deps.backoff ?? DEFAULT_BACKOFF;
    this.maxAttempts = deps.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.log = deps.logger.child({ component: deps.name, groupId: deps.groupId });
  }

  stats(): ConsumerStats {
    return { ...this.totals };
  }

  /** Resolves once the consumer has joined its group and fetching has begun. */
  async start(): Promise<void> {
    if (this.consumer) throw new Error(`${this.deps.name} already started`);
    const { kafka, groupId, topics, partitionsConcurrency } = this.deps;
    this.producer =
      this.deps.dlqProducer ?? kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
    if (!this.deps.dlqProducer) await this.producer.connect();

    if (this.deps.newGroupFrom === 'end')
      await this.retryingTransient("setting a new group's start", () =>
        startNewGroupAtEnd(kafka, groupId, topics, this.log),
      );

    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: partitionsConcurrency,
      eachBatch: (payload) => this.handleBatch(payload),
    });
    this.untrackLag = trackConsumerLag({ kafka, groupId, topics, logger: this.log });
    this.log.info({ topics, partitionsConcurrency }, 'consuming');
  }

  private retryingTransient<R>(what: string, step: () => Promise<R>): Promise<R> {
    return whileBrokerSettles(what, step, {
      log: this.log,
      backoff: this.backoff,
      signal: this.stopping.signal,
    });
  }

  /** Stops fetching, lets in-flight messages finish and commits them, then disconnects. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.untrackLag?.();
    // kafkajs' disconnect waits for the running eachBatch calls, which commit what they finished before returning.
    await this.consumer?.disconnect();
    if (!this.deps.dlqProducer) await this.producer?.disconnect();
    this.log.info({ ...this.totals }, 'stopped consuming');
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    const { topic, partition } = batch;
    // Stop at once when stopping, or when the partition was revoked or sought elsewhere (isStale).
    const keepGoing = () => isRunning() && !isStale() && !this.stopping.signal.aborted;
    const counts: Record<string, number> = {};
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
      const outcome = await this.handleMessage({ topic, partition, offset: message.offset }, message, {
        heartbeat,
        keepGoing,
      });
      // Interrupted while retrying: leave this message (and everything after it) to the next fetch or owner.
      if (outcome === undefined) break;
      counts[outcome] = (counts[outcome] ?? 0) + 1;
      this.totals[outcome] = (this.totals[outcome] ?? 0) + 1;
      countHandled(topic, this.deps.groupId, outcome);
      resolveOffset(message.offset);
      toCommit = (BigInt(message.offset) + 1n).toString();
      if (Date.now() - lastCommit >= COMMIT_INTERVAL_MS) await commit();
      await heartbeat();
    }
    await commit();

    if (Object.keys(counts).length > 0) {
      this.log.info({ topic, partition, ...counts, totals: { ...this.totals } }, 'batch processed');
    }
  }

  /**
   * `handleMessage` in a consumer span, child of the producer's span named in the message's headers: the trace of
   * the order goes on through this consumer, and its log lines name it.
   */
  private handleMessage(position: MessagePosition, message: KafkaMessage, ctl: BatchControl) {
    const attributes = {
      ...messageAttributes(position.topic, 'process', message.key?.toString()),
      'messaging.consumer.group.name': this.deps.groupId,
      'messaging.destination.partition.id': String(position.partition),
      'messaging.kafka.offset': position.offset,
    };
    const parent = contextFrom(message.headers);
    return inSpan(
      `process ${position.topic}`,
      { kind: SpanKind.CONSUMER, attributes, parent },
      async (span) => {
        const outcome = await this.handleMessageNow(position, message, ctl);
        span.setAttribute('consumer.outcome', outcome ?? 'interrupted');
        if (outcome === 'deadLettered')
          span.setStatus({ code: SpanStatusCode.ERROR, message: 'dead-lettered' });
        return outcome;
      },
    );
  }

  /** Handles one message to a final outcome, or returns undefined when told to stop while retrying. */
  private async handleMessageNow(
    position: MessagePosition,
    message: KafkaMessage,
    ctl: BatchControl,
  ): Promise<string | undefined> {
    const log = this.log.child({ orderId: message.key?.toString(), ...position });
    let value: T;
    try {
      value = this.deps.parse(message, position);
    } catch (err) {
      if (!(err instanceof EventValidationError)) throw err;
      await this.deadLetter(position, message, err);
      log.warn({ problems: err.problems }, 'invalid event dead-lettered');
      return 'deadLettered';
    }

    for (let attempt = 1; ; attempt++) {
      try {
        return await this.deps.handle(value, position);
      } catch (err) {
        const failure = this.deps.classify(err);
        if (failure === 'permanent' || (failure === 'transient' && attempt >= this.maxAttempts)) {
          await this.deadLetter(position, message, err instanceof Error ? err : String(err));
          log.error({ err, attempt, failure }, 'message failed; dead-lettered');
          return 'deadLettered';
        }
        const delayMs = backoffDelay(attempt, this.backoff);
        log.warn(
          {
            err,
            attempt,
            failure,
            maxAttempts: failure === 'unavailable' ? null : this.maxAttempts,
            delayMs,
          },
          'message failed; will retry',
        );
        this.totals.retried++;
        if (!(await this.waitBeforeRetry(delayMs, ctl))) {
          log.info({ attempt }, 'stopped while retrying; message left uncommitted for redelivery');
          return undefined;
        }
      }
    }
  }

  private async deadLetter(position: MessagePosition, message: KafkaMessage, error: Error | string) {
    if (!this.producer) throw new Error(`${this.deps.name} not started`);
    await deadLetter(this.producer, {
      topic: position.topic,
      partition: position.partition,
      message,
      error,
      consumer: this.deps.groupId,
    });
  }

  /** Sleeps in heartbeat-sized slices; false when the consumer stops or loses the partition meanwhile. */
  private async waitBeforeRetry(delayMs: number, ctl: BatchControl): Promise<boolean> {
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
