import type { RequestHandler } from 'express';
import { ApiError } from '../../core/http/errors';
import { describeTaskQueues } from '../../core/temporal/task-queue-stats';
import type { AppDeps } from '../app';

const TEMPORAL_BUDGET_MS = 3_000;

/** GET /ops/task-queues: backlog, rates and pollers per task queue, for whoever scales the workers. */
export function taskQueues({ config, temporal: { client }, logger }: AppDeps): RequestHandler {
  return async (_req, res) => {
    try {
      const queues = await client.withDeadline(Date.now() + TEMPORAL_BUDGET_MS, () =>
        describeTaskQueues(client, config.temporal.namespace),
      );
      res.json({ queues });
    } catch (err) {
      logger.warn({ err }, 'task queues could not be described');
      throw new ApiError(
        503,
        'unavailable',
        'the workflow service did not answer; retry shortly',
        undefined,
        {
          'Retry-After': '1',
        },
      );
    }
  };
}
