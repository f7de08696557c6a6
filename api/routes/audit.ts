import type { RequestHandler } from 'express';
import { requireOperator } from '../../core/http/auth';
import { parseOrThrow } from '../../core/http/errors';
import { AuditQuery, type AuditPage } from '../../contracts/http/orders/operator-schemas';
import type { AppDeps, RegisterRoutes } from '../deps';

/** GET /ops/audit: what operators did, newest first, optionally for one order or one operator. */
export function listAudit({ audit }: AppDeps): RequestHandler {
  return async (req, res) => {
    const { orderId, actor, limit, cursor } = parseOrThrow(AuditQuery, req.query);
    const page = await audit.list({ orderId, actor }, { limit, cursor });
    const body: AuditPage = {
      items: page.items.map((e) => ({
        id: e._id,
        at: e.createdAt.toISOString(),
        actor: e.actor,
        action: e.action,
        orderIds: e.orderIds,
        details: e.details,
      })),
      nextCursor: page.nextCursor,
    };
    res.json(body);
  };
}

export const auditRoutes: RegisterRoutes = (router, deps) => {
  router.get('/ops/audit', requireOperator, listAudit(deps));
};
