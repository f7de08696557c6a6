import { STATUS_CODES } from 'node:http';
import { postToPublicUrl } from '../../core/net/public-post';
import type { TargetRules } from '../../core/net/public-target';
import type { NotificationDoc } from './models';
import { notificationView, type NotificationView } from './view';
import { signatureHeader } from './webhook-secrets';

/** The request body of every webhook call; `id` is stable across attempts, so receivers can dedupe on it. */
export interface WebhookPayload {
  id: string;
  type: 'order.notification';
  createdAt: string;
  data: NotificationView;
}

export function webhookPayload(notification: NotificationDoc): WebhookPayload {
  return {
    id: notification._id,
    type: 'order.notification',
    createdAt: notification.createdAt.toISOString(),
    data: notificationView(notification),
  };
}

export interface WebhookRequest {
  url: string;
  /** Every secret to sign with (`whsec_…`): the current one, and the previous one during a rotation's grace. */
  secrets: readonly string[];
  notification: NotificationDoc;
  deliveryId: string;
  attempt: number;
  /** Signed with the id and body; receivers refuse one too far from their clock. */
  timestamp: Date;
  timeoutMs: number;
}

/** What became of one attempt: a 2xx has no `error`; anything else says what went wrong, for the delivery log. */
export interface SendOutcome {
  statusCode?: number;
  error?: string;
  durationMs: number;
}

/**
 * POSTs one notification to one webhook, signed the Standard Webhooks way, within the timeout, to public addresses
 * only (checked as the connection is made), never following a redirect. Never throws: a refused target, a refused
 * connection, a timeout or a non-2xx is an outcome to record.
 */
export async function sendWebhook(request: WebhookRequest, targets: TargetRules): Promise<SendOutcome> {
  const { notification, timeoutMs, timestamp } = request;
  const body = JSON.stringify(webhookPayload(notification));
  const headers = {
    'Content-Type': 'application/json',
    // The notification's id, the same on every attempt: what receivers dedupe on.
    'webhook-id': notification._id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': signatureHeader(request.secrets, notification._id, timestamp, body),
    'Webhook-Delivery': request.deliveryId,
    'Webhook-Attempt': String(request.attempt),
  };
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const statusCode = await postToPublicUrl(request.url, { headers, body, timeoutMs }, targets);
    if (statusCode >= 200 && statusCode < 300) return { statusCode, durationMs: elapsed() };
    return { statusCode, error: statusLine(statusCode), durationMs: elapsed() };
  } catch (err) {
    return { error: describeSendError(err, timeoutMs), durationMs: elapsed() };
  }
}

/**
 * "HTTP 500 Internal Server Error": the code and its standard reason phrase, not the receiver's own phrase or body,
 * so nothing the receiver says is stored or shown back.
 */
function statusLine(statusCode: number): string {
  const reason = STATUS_CODES[statusCode];
  const line = `HTTP ${statusCode}${reason ? ` ${reason}` : ''}`;
  return statusCode >= 300 && statusCode < 400 ? `${line} (redirects are not followed)` : line;
}

function describeSendError(err: unknown, timeoutMs: number): string {
  // Duck-typed rather than instanceof: errors may come from another realm (a VM context, a test runner).
  const { name, message, code } = (err ?? {}) as { name?: unknown; message?: unknown; code?: unknown };
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  if (typeof message !== 'string') return String(err);
  if (code === 'ETARGETREFUSED') return `not sent: ${message}`;
  return message;
}
