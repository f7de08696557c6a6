import type { Context } from '@opentelemetry/api';
import type { KafkaMessage } from 'kafkajs';

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

/** A parsed message as `handleBatch` takes it. */
export interface ConsumedMessage<T> {
  value: T;
  position: MessagePosition;
  /** The context of the message's consumer span: what its effects carry on (a stored trace carrier). */
  trace: Context;
}

/** How a consumer's messages are parsed, applied and their failures judged (core/kafka/event-consumer.ts). */
export interface MessageHandling<T> {
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
  /**
   * Optional: makes the effects of consecutive messages of one partition durable together (a write per collection
   * rather than per message), as idempotently as `handle`, and answers each one's outcome in order. An outage is
   * waited out; any other failure has the messages handled one by one with `handle`, so one that can never succeed
   * is dead-lettered alone.
   */
  handleBatch?(messages: readonly ConsumedMessage<T>[]): Promise<string[]>;
  /** The most messages given to one handleBatch call (default 100). */
  maxBatchSize?: number;
  classify(err: unknown): HandlerFailure;
}
