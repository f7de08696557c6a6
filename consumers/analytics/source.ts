/**
 * Where a message was read: `stream` names the Kafka cluster and topic (e.g. `${clusterId}/${topic}`), so the
 * offsets of a recreated cluster never meet the positions recorded by the old one.
 */
export interface EventSource {
  stream: string;
  topic: string;
  partition: number;
  /** kafkajs gives offsets as decimal strings. */
  offset: string;
}

/**
 * The offset as a number, to compare with the rollups' `lastOffset`. Kafka offsets are 64-bit, but a partition
 * would need 2^53 messages to leave the exact range of a double; refusing is safer than comparing rounded values.
 */
export function offsetNumber(source: EventSource): number {
  const { offset } = source;
  const value = /^\d+$/.test(offset) ? Number(offset) : NaN;
  if (!Number.isSafeInteger(value))
    throw new RangeError(`offset: expected a decimal integer string below 2^53, received "${offset}"`);
  return value;
}

export function checkSource(source: EventSource): void {
  if (typeof source.stream !== 'string' || source.stream === '')
    throw new TypeError(`stream: expected a non-empty string, received ${JSON.stringify(source.stream)}`);
  if (typeof source.topic !== 'string' || source.topic === '')
    throw new TypeError(`topic: expected a non-empty string, received ${JSON.stringify(source.topic)}`);
  if (!Number.isInteger(source.partition) || source.partition < 0)
    throw new RangeError(`partition: expected a whole number >= 0, received ${source.partition}`);
  offsetNumber(source);
}

export function samePosition(a: EventSource, b: EventSource): boolean {
  return a.stream === b.stream && a.topic === b.topic && a.partition === b.partition && a.offset === b.offset;
}
