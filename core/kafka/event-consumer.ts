import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { DEFAULT_BACKOFF, type Backoff } from '../backoff';
import { countHandled, trackConsumerLag } from './metrics';
import { startNewGroupAtEnd } from './group-start';
import { MessageHandler } from './message-handler';
import { whileBrokerSettles } from './settling';
import type { Logger } from '../logger';
import type { MessageHandling } from './handling';

export type { ConsumedMessage, HandlerFailure, MessageHandling, MessagePosition } from './handling';

export interface EventConsumerDeps<T> extends MessageHandling<T> {
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
const DEFAULT_MAX_BATCH_SIZE = 100;
/** In a long batch, commit finished work at least this often so a crash redelivers little. */
const COMMIT_INTERVAL_MS = 1_000;

/**
 * The at-least-once loop every consumer of the system runs: messages of a partition are handled in order, one after
 * another or, with `handleBatch`, several at a time; an offset is committed only once its message's effect is
 * durable (or it was dead-lettered), so a crash redelivers and the idempotent handler makes it an exactly-once
 * effect. A message that fails validation, or keeps failing, goes to `<topic>.dlq` and the partition moves on; a
 * dependency outage makes the partition wait.
 */
export class EventConsumer<T> {
  private readonly backoff: Backoff;
  private readonly log: Logger;
  private readonly handler: MessageHandler<T>;
  private readonly totals: ConsumerStats = { deadLettered: 0, retried: 0 };
  /** Wakes retry waits at once when stop() is called. */
  private readonly stopping = new AbortController();
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private untrackLag: (() => Promise<void>) | undefined;

  constructor(private readonly deps: EventConsumerDeps<T>) {
    this.backoff = deps.backoff ?? DEFAULT_BACKOFF;
    this.log = deps.logger.child({ component: deps.name, groupId: deps.groupId });
    this.handler = new MessageHandler({
      deps,
      log: this.log,
      backoff: this.backoff,
      maxAttempts: deps.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      stopping: this.stopping.signal,
      producer: () => {
        if (!this.producer) throw new Error(`${deps.name} not started`);
        return this.producer;
      },
      retried: () => this.totals.retried++,
    });
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

    const size = this.deps.handleBatch ? (this.deps.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE) : 1;
    for (let from = 0; from < batch.messages.length && keepGoing(); from += size) {
      const slice: KafkaMessage[] = batch.messages.slice(from, from + size);
      const outcomes = await this.handler.settle({ topic, partition }, slice, { heartbeat, keepGoing });
      // Interrupted while retrying: leave these messages (and everything after them) to the next fetch or owner.
      if (outcomes === undefined) break;
      for (const outcome of outcomes) {
        counts[outcome] = (counts[outcome] ?? 0) + 1;
        this.totals[outcome] = (this.totals[outcome] ?? 0) + 1;
        countHandled(topic, this.deps.groupId, outcome);
      }
      const last = slice.at(-1)!.offset;
      resolveOffset(last);
      toCommit = (BigInt(last) + 1n).toString();
      if (Date.now() - lastCommit >= COMMIT_INTERVAL_MS) await commit();
      await heartbeat();
    }
    await commit();

    if (Object.keys(counts).length > 0) {
      this.log.info({ topic, partition, ...counts, totals: { ...this.totals } }, 'batch processed');
    }
  }
}
