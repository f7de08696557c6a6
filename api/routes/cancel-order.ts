import type { Client } from '@temporalio/client';
import type { RequestHandler } from 'express';
import { cancelSignal, type OrderState } from '../../contracts/order-workflow';
import type { AppDeps, RegisterRoutes } from '../deps';
import { ApiError, parseOrThrow, unavailable } from '../../core/http/errors';
import { CancelRequest, type CancelAccepted } from '../../contracts/http/orders/schemas';
import { inspectWorkflow, isWorkflowNotFound, orderHandle, queryState } from '../workflow-status';
import { isFinalStatus } from '../../domain/orders/status';
import { findOrder } from '../order-lookup';
import { principalOf } from '../../core/http/auth';

const TEMPORAL_BUDGET_MS = 3_000;
/** How long to wait for the workflow to decide on the cancel before answering with "requested". */
const DECISION_WAIT_MS = 5_000;
const POLL_MS = 100;

const notCancellable = (message: string) => new ApiError(409, 'not_cancellable', message);
const temporalUnavailable = () => unavailable('the workflow service did not answer; retry shortly');

/** Polls the status query until the workflow has accepted or refused the cancel, or the wait is over. */
async function awaitDecision(client: Client, orderId: string, before: OrderState): Promise<OrderState> {
  const end = Date.now() + DECISION_WAIT_MS;
  let latest = before;
  while (Date.now() < end) {
    const state = await queryState(client, orderId, Math.min(end, Date.now() + 1_000));
    if (state) {
      latest = state;
      if (state.cancel.state === 'accepted' || state.cancel.state === 'refused') return state;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  // The signal is in the workflow's history, so it will be decided; it just has not been yet (worker busy or down).
  return latest.cancel.state === 'none' ? { ...latest, cancel: { state: 'requested' } } : latest;
}

/**
 * POST /orders/:id/cancel. The workflow owns the decision (a cancel is honoured only until the payment is
 * captured), so the API signals it and reports what it decided.
 */
export function cancelOrder({ orders, temporal: { client }, logger }: AppDeps): RequestHandler {
  return async (req, res) => {
    const { reason } = parseOrThrow(CancelRequest, req.body === undefined ? {} : req.body);
    const principal = principalOf(res);
    const order = await findOrder(orders, req.params, principal);
    if (isFinalStatus(order.status)) throw notCancellable(`order is ${order.status}`);
    const log = logger.child({ orderId: order._id });

    let view;
    try {
      view = await inspectWorkflow(client, order._id, Date.now() + TEMPORAL_BUDGET_MS);
    } catch (err) {
      log.warn({ err }, 'cannot cancel: workflow service unavailable');
      throw temporalUnavailable();
    }
    if (view.kind === 'not-started') {
      throw new ApiError(
        409,
        'not_started',
        'order is accepted but its workflow has not started yet; retry shortly',
        undefined,
        { 'Retry-After': '1' },
      );
    }
    if (view.kind === 'closed') throw notCancellable(`order is ${view.live.status}`);

    let state = view.state;
    if (isFinalStatus(state.status)) throw notCancellable(`order is ${state.status}`);
    if (state.cancel.state === 'refused')
      throw notCancellable(state.cancel.reason ?? 'payment already captured');
    if (state.cancel.state !== 'accepted') {
      if (!state.cancellable) throw notCancellable('payment already captured');
      try {
        await client.withDeadline(Date.now() + TEMPORAL_BUDGET_MS, () =>
          orderHandle(client, order._id).signal(cancelSignal, { reason }),
        );
      } catch (err) {
        if (isWorkflowNotFound(err))
          throw notCancellable('the order finished processing before the cancel arrived');
        log.warn({ err }, 'cancel signal not delivered');
        throw temporalUnavailable();
      }
      log.info({ reason }, 'cancel requested');
      state = await awaitDecision(client, order._id, state);
      if (state.cancel.state === 'refused') {
        throw notCancellable(state.cancel.reason ?? 'payment already captured');
      }
    }

    const body: CancelAccepted = {
      orderId: order._id,
      status: state.status === 'cancelled' ? 'cancelled' : 'cancelling',
      cancel: state.cancel,
    };
    res.status(202).json(body);
  };
}

export const cancelOrderRoutes: RegisterRoutes = (router, deps) => {
  router.post('/orders/:id/cancel', deps.json, cancelOrder(deps));
};
