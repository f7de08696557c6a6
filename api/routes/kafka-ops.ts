import type { RequestHandler } from 'express';
import { TOPICS } from '../../contracts/topics';
import {
  DeadLetterQuery,
  DeadLetterReplayRequest,
  type ConsumerLagReport,
} from '../../contracts/http/orders/operator-schemas';
import type { z } from 'zod';
import { principalOf, requireOperator } from '../../core/http/auth';
import { ApiError, parseOrThrow, unavailable } from '../../core/http/errors';
import { consumerLag } from '../../core/kafka/client';
import { listDeadLetters, newestFirst, replayDeadLetters } from '../../core/kafka/dead-letters';
import { withTimeout } from '../../core/timeout';
import type { AppDeps, RegisterRoutes } from '../deps';

/** How long an operator's page waits for Kafka before it says "unavailable". */
const KAFKA_BUDGET_MS = 5_000;

async function fromKafka<T>(deps: Pick<AppDeps, 'logger'>, what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await withTimeout(work(), KAFKA_BUDGET_MS);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    deps.logger.warn({ err }, `${what}: Kafka did not answer`);
    throw unavailable('Kafka did not answer; retry shortly');
  }
}

/** GET /ops/consumer-lag: what each consumer group of the system has still to process. */
export function consumerLagReport(deps: AppDeps): RequestHandler {
  const consumers = [
    { consumer: 'bridge', group: deps.config.bridge.groupId, topic: TOPICS.orderCreated },
    { consumer: 'notifications', group: deps.config.notifications.groupId, topic: TOPICS.orderProcessed },
    { consumer: 'analytics', group: deps.config.analytics.groupId, topic: TOPICS.orderProcessed },
  ] as const;
  return async (_req, res) => {
    const report: z.infer<typeof ConsumerLagReport> = {
      groups: await fromKafka(deps, 'consumer lag', () =>
        deps.kafkaAdmin((admin) =>
          Promise.all(
            consumers.map(async ({ consumer, group, topic }) => {
              const lag = (await consumerLag(admin, group, [topic]))[topic]!;
              return { consumer, group, topic, total: lag.total, partitions: lag.partitions };
            }),
          ),
        ),
      ),
    };
    res.json(report);
  };
}

/** GET /ops/dead-letters?topic=…: the newest dead letters of a topic, with why and from where. */
export function deadLetters(deps: AppDeps): RequestHandler {
  return async (req, res) => {
    const { topic, limit } = parseOrThrow(DeadLetterQuery, req.query);
    const letters = await fromKafka(deps, 'dead letters', () => listDeadLetters(deps.kafka, topic));
    res.json({
      topic,
      total: letters.length,
      items: newestFirst(letters)
        .slice(0, limit)
        .map((l) => ({
          id: l.id,
          key: l.key,
          consumer: l.letter?.consumer ?? null,
          failedAt: l.letter?.failedAt ?? null,
          error: l.letter?.error ?? l.problem ?? null,
          origin: l.letter
            ? `${l.letter.originalTopic}/${l.letter.originalPartition}:${l.letter.originalOffset}`
            : null,
        })),
    });
  };
}

/** POST /ops/dead-letters/replay: publishes one dead letter, or all of a topic's, again; recorded in the audit log. */
export function replay(deps: AppDeps): RequestHandler {
  return async (req, res) => {
    const { topic, id } = parseOrThrow(DeadLetterReplayRequest, req.body);
    const replayed = await fromKafka(deps, 'dead letter replay', async () => {
      try {
        return await replayDeadLetters(deps.kafka, topic, { id });
      } catch (err) {
        if (id !== undefined && /no dead letter/.test((err as Error).message)) {
          throw new ApiError(404, 'not_found', `no dead letter ${id} in ${topic}.dlq`);
        }
        throw err;
      }
    });
    await deps.audit.record({
      actor: principalOf(res).subject,
      action: 'dead-letters.replay',
      details: { topic, id: id ?? null, replayed: replayed.length },
    });
    deps.logger.warn({ topic, id, replayed: replayed.length }, 'dead letters replayed');
    res.json({ replayed });
  };
}

export const kafkaOpsRoutes: RegisterRoutes = (router, deps) => {
  router.get('/ops/consumer-lag', requireOperator, consumerLagReport(deps));
  router.get('/ops/dead-letters', requireOperator, deadLetters(deps));
  router.post('/ops/dead-letters/replay', requireOperator, deps.json, replay(deps));
};
