import type { Connection as TemporalConnection } from '@temporalio/client';
import type { Admin } from 'kafkajs';
import type { Connection as MongoConnection } from 'mongoose';
import type { ReadinessReport } from '../contracts/http/common';
import type { Config } from '../core/config';
import { createKafka } from '../core/kafka/client';
import type { Logger } from '../core/logger';
import type { OrderStore } from '../domain/orders/order-store';
import {
  createReadiness,
  type Check,
  kafkaAdminAccess,
  kafkaCheck,
  mongoCheck,
  READINESS_TIMEOUT_MS,
  temporalCheck,
} from '../core/readiness';

/**
 * The API is ready when its own database answers: that is all it needs to accept an order (into the order store and
 * its outbox list) and to read one back. Kafka and Temporal are reported, not gating: while either is down orders
 * are still accepted, and the outbox relay and the bridge catch up once it is back. So is the outbox list, which
 * fails while the relay has parked orders it cannot publish.
 */
export function apiReadiness(deps: {
  mongo: MongoConnection;
  orders: OrderStore;
  kafkaAdmin: Admin;
  temporal: TemporalConnection;
}): () => Promise<ReadinessReport> {
  return createReadiness({
    checks: { mongo: mongoCheck(deps.mongo) },
    reported: {
      kafka: kafkaCheck(kafkaAdminAccess(deps.kafkaAdmin)),
      temporal: temporalCheck(deps.temporal),
      outbox: outboxCheck(deps.orders),
    },
  });
}

/** The outbox list: how many orders wait for the relay; failing while the relay has parked any. */
function outboxCheck(orders: OrderStore): Check {
  return async () => {
    const { waiting, parked } = await orders.outboxCounts();
    if (parked > 0) {
      throw new Error(
        `${parked} parked (see npm run orders -- reconcile --stale), ${waiting} waiting to be published`,
      );
    }
    return `${waiting} waiting to be published, none parked`;
  };
}

/** A Kafka admin client for the probe: short timeouts and no retries, so it answers quickly rather than wait. */
export function probeKafkaAdmin(config: Config['kafka'], logger?: Logger): Admin {
  return createKafka(config, logger, {
    connectionTimeout: READINESS_TIMEOUT_MS,
    requestTimeout: READINESS_TIMEOUT_MS,
    retry: { retries: 0 },
  }).admin();
}
