import type { RequestHandler } from 'express';
import type { RegisterRoutes } from '../deps';
import type { GatewaySwitch } from '../../domain/payments/gateway-switch';
import { parseOrThrow } from '../../core/http/errors';
import type { Logger } from '../../core/logger';
import type { AuditLog } from '../../domain/audit/audit-log';
import { principalOf, requireOperator } from '../../core/http/auth';
import { GatewaySwitchRequest } from '../../contracts/http/orders/operator-schemas';

/** GET /ops/payment-gateway: whether the simulated gateway is switched on. */
export function gatewayState(gateway: GatewaySwitch): RequestHandler {
  return async (_req, res) => {
    res.json(await gateway.state());
  };
}

/** PUT /ops/payment-gateway: switches the simulated gateway off (every charge fails as an outage) or on again. */
export function setGateway(gateway: GatewaySwitch, logger: Logger, audit: AuditLog): RequestHandler {
  return async (req, res) => {
    const { available, reason } = parseOrThrow(GatewaySwitchRequest, req.body);
    const state = await gateway.set(available, reason ?? null);
    await audit.record({
      actor: principalOf(res).subject,
      action: 'payment-gateway.switch',
      details: { available: state.available, reason: state.reason },
    });
    logger.warn(state, available ? 'payment gateway switched on' : 'payment gateway switched off');
    res.json(state);
  };
}

export const paymentGatewayRoutes: RegisterRoutes = (router, { gatewaySwitch, logger, json, audit }) => {
  router.get('/ops/payment-gateway', requireOperator, gatewayState(gatewaySwitch));
  router.put('/ops/payment-gateway', requireOperator, json, setGateway(gatewaySwitch, logger, audit));
};
