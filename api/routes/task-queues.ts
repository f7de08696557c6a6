import { requireOperator } from '../../core/http/auth';
import type { RequestHandler } from 'express';
import { unavailable } from '../../core/http/errors';
import { ALL_TASK_QUEUES } from '../../contracts/task-queues';
import { describeTaskQueues } from '../../core/temporal/task-queue-stats';
import type { AppDeps, RegisterRoutes } from '../deps';

const TEMPORAL_BUDGET_MS = 3_000;

/** GET /ops/task-queues: backlog, rates and pollers per task queue, for whoever scales the workers. */
export function taskQueues({ config, temporal: { client }, logger }: AppDeps): RequestHandler {
  return async (_req, res) => {
    try {
      const queues = await client.withDeadline(Date.now() + TEMPORAL_BUDGET_MS, () =>
        describeTaskQueues(client, config.temporal.namespace, ALL_TASK_QUEUES),
      );
      res.json({ queues });
    } catch (err) {
      logger.warn({ err }, 'task queues could not be described');
      throw unavailable('the workflow service did not answer; retry shortly');
    }
  };
}

export const taskQueueRoutes: RegisterRoutes = (router, deps) => {
  router.get('/ops/task-queues', requireOperator, taskQueues(deps));
};
