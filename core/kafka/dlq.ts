import type { IHeaders, KafkaMessage, Producer, RecordMetadata } from 'kafkajs';
import { z } from 'zod';
import { dlqTopic } from '../../contracts/topics';

/**
 * The dead-letter channel every consumer uses: a message that fails validation, or keeps failing processing,
 * is copied unchanged (key, value, headers) to `<topic>.dlq` with headers saying where it came from and why,
 * so the consumer can commit past it and an operator can inspect or replay it.
 */

export const DLQ_HEADERS = {
  originalTopic: 'dlq-original-topic',
  originalPartition: 'dlq-original-partition',
  originalOffset: 'dlq-original-offset',
  error: 'dlq-error',
  failedAt: 'dlq-failed-at',
  consumer: 'dlq-consumer',
} as const;

/** Long enough for a validation report naming several fields, short enough to stay a header, not a payload. */
export const DLQ_ERROR_MAX_CHARS = 1000;

export interface DeadLetter {
  /** The topic the message was consumed from (any topic: its twin is `<topic>.dlq`). */
  topic: string;
  partition: number;
  message: KafkaMessage;
  error: Error | string;
  /** Who gave up on it: the consumer group (or process) name. */
  consumer: string;
}

/** What an operator needs to know about a dead letter, parsed back from its headers. */
export interface DlqHeaders {
  originalTopic: string;
  originalPartition: number;
  /** A Kafka offset is an int64: kept as the decimal string kafkajs uses. */
  originalOffset: string;
  error: string;
  /** ISO 8601. */
  failedAt: string;
  consumer: string;
}

/** Copies the message to the topic's dead-letter twin; resolves once the broker has it on every in-sync replica. */
export async function deadLetter(producer: Producer, letter: DeadLetter): Promise<RecordMetadata[]> {
  const { topic, partition, message } = letter;
  const headers: IHeaders = {
    ...message.headers,
    [DLQ_HEADERS.originalTopic]: topic,
    [DLQ_HEADERS.originalPartition]: String(partition),
    [DLQ_HEADERS.originalOffset]: message.offset,
    [DLQ_HEADERS.error]: describeError(letter.error),
    [DLQ_HEADERS.failedAt]: new Date().toISOString(),
    [DLQ_HEADERS.consumer]: letter.consumer,
  };
  return producer.send({
    topic: dlqTopic(topic),
    acks: -1,
    messages: [{ key: message.key, value: message.value, headers }],
  });
}

/**
 * One line, causes included (a Temporal ServiceError says "Failed to start Workflow" and keeps the gRPC reason in
 * its cause), cut to DLQ_ERROR_MAX_CHARS.
 */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (e instanceof Error) {
      parts.push(`${e.name}: ${e.message}`);
      e = e.cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  const line = parts.join('; caused by ').replace(/\s+/g, ' ').trim();
  return line.length <= DLQ_ERROR_MAX_CHARS ? line : `${line.slice(0, DLQ_ERROR_MAX_CHARS - 1)}…`;
}

const headerText = (name: string) =>
  z.string({ error: `missing header ${name}` }).min(1, `empty header ${name}`);

const dlqHeadersSchema = z.object({
  originalTopic: headerText(DLQ_HEADERS.originalTopic),
  originalPartition: headerText(DLQ_HEADERS.originalPartition)
    .regex(/^\d+$/, `header ${DLQ_HEADERS.originalPartition}: expected a partition number`)
    .transform(Number),
  originalOffset: headerText(DLQ_HEADERS.originalOffset).regex(
    /^\d+$/,
    `header ${DLQ_HEADERS.originalOffset}: expected an offset`,
  ),
  error: headerText(DLQ_HEADERS.error),
  failedAt: headerText(DLQ_HEADERS.failedAt).pipe(
    z.iso.datetime({ error: `header ${DLQ_HEADERS.failedAt}: expected an ISO date-time` }),
  ),
  consumer: headerText(DLQ_HEADERS.consumer),
});

function headerValue(headers: IHeaders | undefined, name: string): string | undefined {
  const raw = headers?.[name];
  // A header may repeat; the last one written is the one that counts (a re-dead-lettered message).
  const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  return value === undefined ? undefined : value.toString();
}

/** Parses the dead-letter headers of a message from a `.dlq` topic; throws naming every missing or bad one. */
export function readDlqHeaders(headers: IHeaders | undefined): DlqHeaders {
  const raw = Object.fromEntries(
    Object.entries(DLQ_HEADERS).map(([field, name]) => [field, headerValue(headers, name)]),
  );
  const parsed = dlqHeadersSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`not a dead letter: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  }
  return parsed.data;
}
