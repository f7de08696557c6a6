import type { RequestHandler } from 'express';
import { ApiError, parseOrThrow } from '../../core/http/errors';
import { retryFailedOrders, retryOrder } from '../../domain/orders/retry';
import type { AppDeps, RegisterRoutes } from '../deps';
import { principalOf, requireOperator } from '../../core/http/auth';
import { OrderIdParams } from '../../contracts/http/orders/schemas';
import { RetryFailedRequest } from '../../contracts/http/orders/operator-schemas';

/** POST /orders/:id/retry: a new run of a failed order; 409 with the reason for any other order. */
/** What a retry needs: the order store, Temporal, and the settings every run is started with. */
const retryDeps = ({ orders, temporal: { client }, config }: AppDeps) => ({
  client,
  orders,
  completionTimeoutMs: config.orders.completionTimeoutMs,
});

export function retryOne(deps: AppDeps): RequestHandler {
  const { logger } = deps;
  return async (req, res) => {
    const { id } = parseOrThrow(OrderIdParams, req.params);
    const result = await retryOrder(retryDeps(deps), id);
    await deps.audit.record({
      actor: principalOf(res).subject,
      action: 'order.retry',
      orderIds: [id],
      details: {
        outcome: result.outcome,
        ...(result.outcome === 'refused' ? { reason: result.reason } : {}),
      },
    });
    switch (result.outcome) {
      case 'not-found':
        throw new ApiError(404, 'not_found', `no order ${id}`);
      case 'refused':
        throw new ApiError(409, 'not_failed', result.reason);
      default:
        if (result.outcome === 'retried') logger.info({ orderId: id, runId: result.runId }, 'order retried');
        res.status(202).json({ ...result, status: 'processing' });
    }
  };
}

/** POST /orders/retry: every failed order matching the filter, with a report of what happened to each. */
export function retryFailed(deps: AppDeps): RequestHandler {
  const { logger } = deps;
  return async (req, res) => {
    const { since, until, ...rest } = parseOrThrow(
      RetryFailedRequest,
      req.body === undefined ? {} : req.body,
    );
    const filter = {
      ...rest,
      since: since === undefined ? undefined : new Date(since),
      until: until === undefined ? undefined : new Date(until),
    };
    const { report, retriedOrderIds } = await retryFailedOrders(retryDeps(deps), filter);
    await deps.audit.record({
      actor: principalOf(res).subject,
      action: 'orders.retry-failed',
      orderIds: retriedOrderIds,
      details: {
        filter: { since, until, ...rest },
        retried: report.retried,
        refused: report.refused.length,
      },
    });
    logger.info({ filter, ...report, refused: report.refused.length }, 'failed orders retried');
    res.json(report);
  };
}

export const retryOrderRoutes: RegisterRoutes = (router, deps) => {
  router.post('/orders/retry', requireOperator, deps.json, retryFailed(deps));
  router.post('/orders/:id/retry', requireOperator, retryOne(deps));
};
