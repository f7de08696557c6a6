import type { IHeaders, Kafka } from 'kafkajs';
import { DLQ_HEADERS, readDlqHeaders, type DlqHeaders } from './dlq';
import { dlqTopic } from '../../contracts/topics';
import { readTopic } from './topic-reader';

export interface DeadLetterEntry {
  /** Where it sits in the dead-letter topic: `partition:offset`, the id to replay it by. */
  id: string;
  key: string | null;
  value: string | null;
  headers: IHeaders;
  /** When it was dead-lettered (the message's Kafka timestamp), ms since the epoch. */
  timestamp: number;
  /** Why and from where; null when the headers are not a dead letter's (written by something else). */
  letter: DlqHeaders | null;
  problem?: string;
}

/** Every message in `<topic>.dlq`, oldest first per partition (`newestFirst` orders them across partitions). */
export async function listDeadLetters(kafka: Kafka, topic: string): Promise<DeadLetterEntry[]> {
  const entries: DeadLetterEntry[] = [];
  await readTopic(kafka, dlqTopic(topic), { start: { beginning: true } }, async ({ partition, message }) => {
    let letter: DlqHeaders | null = null;
    let problem: string | undefined;
    try {
      letter = readDlqHeaders(message.headers);
    } catch (err) {
      problem = (err as Error).message;
    }
    entries.push({
      id: `${partition}:${message.offset}`,
      key: message.key?.toString() ?? null,
      value: message.value?.toString() ?? null,
      headers: message.headers ?? {},
      timestamp: Number(message.timestamp),
      letter,
      ...(problem ? { problem } : {}),
    });
  });
  return entries;
}

/** Dead letters across partitions, the most recently dead-lettered first (by failedAt, else the message's time). */
export function newestFirst(letters: readonly DeadLetterEntry[]): DeadLetterEntry[] {
  const at = (l: DeadLetterEntry) => (l.letter ? Date.parse(l.letter.failedAt) : NaN) || l.timestamp;
  return [...letters].sort((a, b) => at(b) - at(a));
}

export interface ReplayOptions {
  /** Only this dead letter (`partition:offset`); all of them when absent. */
  id?: string;
  /** A corrected value to publish instead of the dead one (only with `id`). */
  value?: string;
}

/**
 * Re-publishes dead letters to the topic they came from, with their key and their own headers (the dead-letter
 * headers dropped, `dlq-replayed-from` added), for the consumers to process again; consumers dedupe on eventId, so
 * replaying one that had in fact been processed changes nothing. Returns the ids replayed.
 */
export async function replayDeadLetters(
  kafka: Kafka,
  topic: string,
  opts: ReplayOptions = {},
): Promise<string[]> {
  if (opts.value !== undefined && opts.id === undefined) {
    throw new Error('a corrected value replaces one dead letter: give its id too');
  }
  const letters = (await listDeadLetters(kafka, topic)).filter(
    (l) => opts.id === undefined || l.id === opts.id,
  );
  if (opts.id !== undefined && letters.length === 0)
    throw new Error(`no dead letter ${opts.id} in ${dlqTopic(topic)}`);
  const dlqNames = new Set<string>(Object.values(DLQ_HEADERS));
  const producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (const letter of letters) {
      const headers: IHeaders = Object.fromEntries(
        Object.entries(letter.headers).filter(([name]) => !dlqNames.has(name)),
      );
      headers['dlq-replayed-from'] = `${dlqTopic(topic)}/${letter.id}`;
      await producer.send({
        topic: letter.letter?.originalTopic ?? topic,
        acks: -1,
        messages: [{ key: letter.key, value: opts.value ?? letter.value, headers }],
      });
    }
  } finally {
    await producer.disconnect();
  }
  return letters.map((l) => l.id);
}
