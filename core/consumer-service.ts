import type { Kafka } from 'kafkajs';
import type { Connection } from 'mongoose';
import type { Config } from './config';
import { createKafka } from './kafka/client';
import type { Logger } from './logger';
import { connectMongo } from './mongo/connection';
import { runProcess } from './process';

export interface ServiceDeps {
  config: Config;
  logger: Logger;
  kafka: Kafka;
  db: Connection;
}

/** The `main` of a consumer service: its database connection, its Kafka client, the service, graceful stop. */
export function runConsumerService(
  name: string,
  start: (deps: ServiceDeps) => Promise<{ url: string; stop(): Promise<void> }>,
): void {
  runProcess(name, async (config, logger) => {
    const db = await connectMongo(config.mongo);
    try {
      const service = await start({ config, logger, kafka: createKafka(config.kafka, logger), db });
      return {
        info: { url: service.url, metrics: `${service.url}/metrics` },
        async stop() {
          await service.stop();
          await db.close();
        },
      };
    } catch (err) {
      await db.close();
      throw err;
    }
  });
}
