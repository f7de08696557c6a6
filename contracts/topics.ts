/** Kafka topic names, defined once. Every event about an order is keyed by its orderId. */
export const TOPICS = {
  orderCreated: 'order-created',
  orderProcessed: 'order-processed',
} as const;

export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

/** The dead-letter twin of a topic: where messages that fail validation or keep failing go. */
export function dlqTopic<T extends string>(topic: T): `${T}.dlq` {
  return `${topic}.dlq`;
}

export function isDlqTopic(topic: string): boolean {
  return Object.values(TOPICS).some((t) => dlqTopic(t) === topic);
}

/** Every topic the system needs, created by provisioning (stack up, compose init job). */
export const ALL_TOPICS: readonly string[] = Object.values(TOPICS).flatMap((t) => [t, dlqTopic(t)]);
