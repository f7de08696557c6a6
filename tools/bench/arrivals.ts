import type { Kafka, KafkaMessage, Producer } from 'kafkajs';
import { EventConsumer } from '../../core/kafka/event-consumer';
import type { Logger } from '../../core/logger';

/** Records when each key first arrives on a topic, with a consumer group of the run's own that starts at its end. */
export class ArrivalWatcher {
  readonly arrivals = new Map<string, number>();
  private consumer: EventConsumer<KafkaMessage> | undefined;

  async start(
    kafka: Kafka,
    { name, groupId, topic }: { name: string; groupId: string; topic: string },
    logger: Logger,
    producer: Producer,
  ): Promise<void> {
    this.consumer = new EventConsumer<KafkaMessage>({
      kafka,
      logger,
      name,
      groupId,
      topics: [topic],
      partitionsConcurrency: 6,
      maxAttempts: 1,
      newGroupFrom: 'end',
      dlqProducer: producer,
      parse: (message) => message,
      handle: (message) => {
        const key = message.key?.toString();
        if (key && !this.arrivals.has(key)) this.arrivals.set(key, Date.now());
        return Promise.resolve('seen');
      },
      classify: () => 'transient',
    });
    await this.consumer.start();
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
  }
}
