import { setTimeout as sleep } from 'node:timers/promises';
import { context, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { KafkaMessage, Producer } from 'kafkajs';
import { backoffDelay, type Backoff } from '../backoff';
import { EventValidationError } from '../../contracts/events';
import type { Logger } from '../logger';
import { messageAttributes } from '../tracing/messaging';
import { contextFrom } from '../tracing/propagation';
import { recordFailure, tracer } from '../tracing/spans';
import { deadLetter } from './dlq';
import type { ConsumedMessage, MessageHandling, MessagePosition } from './handling';

/** Longest stretch without a heartbeat while waiting to retry; well under the group's session timeout. */
const HEARTBEAT_SLICE_MS = 1_000;

export interface BatchControl {
  heartbeat: () => Promise<void>;
  keepGoing: () => boolean;
}

/** A fetched message, parsed (or refused), in its consumer span: child of the producer's span in its headers. */
interface Opened<T> {
  message: KafkaMessage;
  position: MessagePosition;
  span: Span;
  trace: Context;
  parsed: { value: T } | { invalid: EventValidationError };
}

export interface HandlerSettings<T> {
  deps: MessageHandling<T> & { groupId: string };
  log: Logger;
  backoff: Backoff;
  maxAttempts: number;
  /** Aborted when the consumer stops: wakes retry waits at once. */
  stopping: AbortSignal;
  producer: () => Producer;
  /** Counts a retry in the consumer's stats. */
  retried: () => void;
}

/**
 * Takes consecutive messages of one partition to a final outcome each: dead-lettered at once when invalid; applied
 * together by `handleBatch` when the consumer has one, waiting out an outage; one after another by `handle`
 * otherwise, or when a batch fails for another reason (so a message that can never succeed is dead-lettered alone,
 * after its attempts). Every message has its consumer span, whichever way it is applied.
 */
export class MessageHandler<T> {
  constructor(private readonly s: HandlerSettings<T>) {}

  /** Each message's outcome, in order; undefined when told to stop first (nothing of them may be committed). */
  async settle(
    position: Omit<MessagePosition, 'offset'>,
    messages: readonly KafkaMessage[],
    ctl: BatchControl,
  ): Promise<string[] | undefined> {
    const opened: Opened<T>[] = [];
    const outcomes: (string | undefined)[] = [];
    try {
      for (const message of messages)
        opened.push(this.open({ ...position, offset: message.offset }, message));
      // Within the message's span, as everything done about one message: its log lines name the trace.
      for (const [i, item] of opened.entries()) {
        const { parsed } = item;
        if ('invalid' in parsed)
          outcomes[i] = await context.with(item.trace, () => this.refuse(item, parsed.invalid));
      }
      const valid = opened.filter((item) => 'value' in item.parsed);
      const together = this.s.deps.handleBatch && valid.length > 0 ? await this.together(valid, ctl) : null;
      if (together === undefined) return undefined;
      for (const [i, item] of opened.entries()) {
        if (outcomes[i] !== undefined) continue;
        const outcome = together?.get(item) ?? (await context.with(item.trace, () => this.alone(item, ctl)));
        if (outcome === undefined) return undefined;
        outcomes[i] = outcome;
      }
      return outcomes as string[];
    } finally {
      for (const [i, { span }] of opened.entries()) {
        span.setAttribute('consumer.outcome', outcomes[i] ?? 'interrupted');
        if (outcomes[i] === 'deadLettered')
          span.setStatus({ code: SpanStatusCode.ERROR, message: 'dead-lettered' });
        span.end();
      }
    }
  }

  private open(position: MessagePosition, message: KafkaMessage): Opened<T> {
    const attributes = {
      ...messageAttributes(position.topic, 'process', message.key?.toString()),
      'messaging.consumer.group.name': this.s.deps.groupId,
      'messaging.destination.partition.id': String(position.partition),
      'messaging.kafka.offset': position.offset,
    };
    const parent = contextFrom(message.headers);
    const span = tracer().startSpan(
      `process ${position.topic}`,
      { kind: SpanKind.CONSUMER, attributes },
      parent,
    );
    const opened = { message, position, span, trace: trace.setSpan(parent, span) };
    try {
      return { ...opened, parsed: { value: this.s.deps.parse(message, position) } };
    } catch (err) {
      if (err instanceof EventValidationError) return { ...opened, parsed: { invalid: err } };
      recordFailure(span, err);
      span.end();
      throw err;
    }
  }

  private async refuse(item: Opened<T>, err: EventValidationError): Promise<string> {
    await this.deadLetter(item, err);
    this.logOf(item).warn({ problems: err.problems }, 'invalid event dead-lettered');
    return 'deadLettered';
  }

  /**
   * The messages applied by one `handleBatch` call, retried while a dependency is unavailable: their outcomes;
   * null to apply them one by one instead; undefined when told to stop.
   */
  private async together(
    items: Opened<T>[],
    ctl: BatchControl,
  ): Promise<Map<Opened<T>, string> | null | undefined> {
    const consumed: ConsumedMessage<T>[] = items.map((item) => ({
      value: (item.parsed as { value: T }).value,
      position: item.position,
      trace: item.trace,
    }));
    const first = items[0]!.position;
    for (let attempt = 1; ; attempt++) {
      try {
        const outcomes = await this.s.deps.handleBatch!(consumed);
        if (outcomes.length !== items.length)
          throw new Error(`handleBatch answered ${outcomes.length} outcomes for ${items.length} messages`);
        return new Map(items.map((item, i) => [item, outcomes[i]!]));
      } catch (err) {
        const failure = this.s.deps.classify(err);
        const where = { ...first, messages: items.length, attempt, failure };
        if (failure !== 'unavailable') {
          this.s.log.warn({ err, ...where }, 'batch failed; handling its messages one by one');
          return null;
        }
        const delayMs = backoffDelay(attempt, this.s.backoff);
        this.s.log.warn({ err, ...where, delayMs }, 'batch failed; will retry');
        this.s.retried();
        if (!(await this.waitBeforeRetry(delayMs, ctl))) return undefined;
      }
    }
  }

  /** Handles one message to a final outcome, or returns undefined when told to stop while retrying. */
  private async alone(item: Opened<T>, ctl: BatchControl): Promise<string | undefined> {
    const { value } = item.parsed as { value: T };
    const log = this.logOf(item);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.s.deps.handle(value, item.position);
      } catch (err) {
        const failure = this.s.deps.classify(err);
        if (failure === 'permanent' || (failure === 'transient' && attempt >= this.s.maxAttempts)) {
          await this.deadLetter(item, err instanceof Error ? err : String(err));
          log.error({ err, attempt, failure }, 'message failed; dead-lettered');
          return 'deadLettered';
        }
        const delayMs = backoffDelay(attempt, this.s.backoff);
        const maxAttempts = failure === 'unavailable' ? null : this.s.maxAttempts;
        log.warn({ err, attempt, failure, maxAttempts, delayMs }, 'message failed; will retry');
        this.s.retried();
        if (!(await this.waitBeforeRetry(delayMs, ctl))) {
          log.info({ attempt }, 'stopped while retrying; message left uncommitted for redelivery');
          return undefined;
        }
      }
    }
  }

  private logOf(item: Opened<T>): Logger {
    return this.s.log.child({ orderId: item.message.key?.toString(), ...item.position });
  }

  private async deadLetter(item: Opened<T>, error: Error | string) {
    await deadLetter(this.s.producer(), {
      topic: item.position.topic,
      partition: item.position.partition,
      message: item.message,
      error,
      consumer: this.s.deps.groupId,
    });
  }

  /** Sleeps in heartbeat-sized slices; false when the consumer stops or loses the partition meanwhile. */
  private async waitBeforeRetry(delayMs: number, ctl: BatchControl): Promise<boolean> {
    for (let left = delayMs; left > 0; left -= HEARTBEAT_SLICE_MS) {
      await sleep(Math.min(left, HEARTBEAT_SLICE_MS), undefined, { signal: this.s.stopping }).catch(
        () => undefined,
      );
      if (!ctl.keepGoing()) return false;
      await ctl.heartbeat();
    }
    return ctl.keepGoing();
  }
}
