import type { Kafka } from 'kafkajs';
import type { Connection } from 'mongoose';
import { createKafka } from './kafka/client';
import { connectMongo } from './mongo/connection';
import type { Connector } from './service';
import { connectTemporal } from './temporal/connection';

/**
 * What a service can connect to, declared as `connects: { mongo: MONGO, kafka: KAFKA }`: the runner
 * (core/service.ts) opens each before the service starts and closes it after the service has stopped.
 */

export const MONGO: Connector<Connection> = {
  open: (config) => connectMongo(config.mongo),
  close: (connection) => connection.close(),
};

/** A Kafka client holds no connection: the producers, consumers and admins the service makes from it connect. */
export const KAFKA: Connector<Kafka> = {
  open: async (config, logger) => createKafka(config.kafka, logger),
  close: async () => undefined,
};

/**
 * A Temporal client, connected lazily: a service that does part of its job without Temporal starts while Temporal
 * is down (the API takes orders; the bridge waits for it as for any outage).
 */
export const TEMPORAL: Connector<Awaited<ReturnType<typeof connectTemporal>>> = {
  open: (config) => connectTemporal(config.temporal, { lazy: true }),
  close: ({ connection }) => connection.close(),
};
