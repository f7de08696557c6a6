import type { FailureReason, FinalStatus, OrderProcessedV1 } from '../../contracts/events';

export interface RenderedNotification {
  status: FinalStatus;
  title: string;
  body: string;
}

/** What a customer reads when their order reaches a final status. Pure: the same event always reads the same. */
export function renderNotification(event: OrderProcessedV1): RenderedNotification {
  const ref = orderReference(event.orderId);
  const { status } = event;
  switch (status) {
    case 'completed':
      return {
        status,
        title: `Order ${ref} confirmed`,
        body: `Your order ${ref} is complete. Total charged: ${formatMoney(event.totalCents, event.currency)}.`,
      };
    case 'rejected':
      return {
        status,
        title: `Order ${ref} could not be accepted`,
        body: joinLines(rejectionLine(event.reason?.type), reasonLine(event.reason)),
      };
    case 'cancelled':
      return {
        status,
        title: `Order ${ref} cancelled`,
        body: joinLines(
          `Your order ${ref} was cancelled. Anything reserved was released and any payment taken is refunded.`,
          reasonLine(event.reason),
        ),
      };
    case 'failed':
      // The reason of a technical failure is for operators, not customers: it would only worry or confuse them.
      return {
        status,
        title: `Order ${ref} is delayed`,
        body:
          `We hit a technical problem while processing your order ${ref}. ` +
          `Our team is on it and the order will be retried; you do not need to do anything.`,
      };
    default:
      return assertNever(status);
  }
}

/** The first 8 characters of the orderId: enough to tell a customer's orders apart, short enough to read aloud. */
export function orderReference(orderId: string): string {
  return orderId.slice(0, 8);
}

/** Integer minor units in the currency's own precision: 1250 EUR → "€12.50", 300 USD → "$3.00". */
// Building a formatter costs far more than using one (it showed in the consumer's CPU profile): one per currency.
const moneyFormats = new Map<string, { format: Intl.NumberFormat; digits: number }>();

export function formatMoney(minorUnits: number, currency: string): string {
  let entry = moneyFormats.get(currency);
  if (!entry) {
    // en-US writes every currency with its own symbol ("€", "£"), where other English locales write "US$".
    const format = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    entry = { format, digits: format.resolvedOptions().maximumFractionDigits ?? 2 };
    moneyFormats.set(currency, entry);
  }
  return entry.format.format(minorUnits / 10 ** entry.digits);
}

const REJECTION_LINES: Record<string, string> = {
  InvalidOrder: 'Something in the order was not valid, so we could not process it. Nothing was charged.',
  OutOfStock: 'Sorry, some items ran out of stock before we could reserve them. Nothing was charged.',
  PaymentDeclined: 'Your payment was declined. Please check your payment details and place the order again.',
};

function rejectionLine(type: string | undefined): string {
  return (type && REJECTION_LINES[type]) || 'Sorry, we could not process your order.';
}

function reasonLine(reason: FailureReason | null): string | undefined {
  return reason?.message ? `Reason: ${reason.message}` : undefined;
}

function joinLines(...lines: (string | undefined)[]): string {
  return lines.filter((l): l is string => Boolean(l)).join('\n');
}

function assertNever(value: never): never {
  throw new Error(`unknown order status ${String(value)}`);
}
