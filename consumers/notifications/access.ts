import { actingCustomer, type Principal } from '../../core/http/auth';
import { ApiError } from '../../core/http/errors';

export interface NotificationFilter {
  customerId?: string;
  orderId?: string;
}

/** An operator's "every customer's notifications" (the console's live feed); nobody else may ask for that. */
export function everyNotification(principal: Principal): NotificationFilter {
  if (principal.role !== 'operator') {
    throw new ApiError(403, 'forbidden', "only operators may follow every customer's notifications");
  }
  return {};
}

/**
 * Whose notifications a request may read. A customer reads their own (a customerId they pass must be theirs); an
 * order of another customer's is "no such order", as the API says it. An operator names a customer or an order.
 * `ownerOf` says whose an order is, as far as its notifications tell (undefined: none seen yet).
 */
export function notificationScope(ownerOf: (orderId: string) => Promise<string | undefined>) {
  return async (principal: Principal, wanted: NotificationFilter): Promise<NotificationFilter> => {
    if (principal.role === 'operator') {
      if (wanted.customerId === undefined && wanted.orderId === undefined) {
        throw new ApiError(
          400,
          'validation_failed',
          'invalid request: customerId: expected customerId or orderId',
          [{ field: 'customerId', problem: 'expected customerId or orderId' }],
        );
      }
      return wanted;
    }
    const customerId = actingCustomer(principal, wanted.customerId, 'customerId');
    if (wanted.orderId !== undefined) {
      const owner = await ownerOf(wanted.orderId);
      if (owner !== undefined && owner !== customerId) {
        throw new ApiError(404, 'not_found', `no order ${wanted.orderId}`);
      }
    }
    return { customerId, orderId: wanted.orderId };
  };
}
