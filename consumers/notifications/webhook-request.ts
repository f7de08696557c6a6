import { SIGNATURE_HEADER, signPayload } from './signature';
import type { NotificationDoc } from './models';
import { notificationView, type NotificationView } from './view';

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
  secret: string;
  notification: NotificationDoc;
  deliveryId: string;
  attempt: number;
  /** Unix seconds, signed with the body. */
  timestamp: number;
  timeoutMs: number;
}

/** What became of one attempt: a 2xx has no `error`; anything else says what went wrong, for the delivery log. */
export interface SendOutcome {
  statusCode?: number;
  error?: string;
  durationMs: number;
}

const ERROR_SNIPPET_CHARS = 200;

/**
 * POSTs one notification to one webhook, signed, within the timeout, never following a redirect. Never throws: a
 * refused connection, a timeout or a non-2xx is an outcome to record.
 */
export async function sendWebhook(
  request: WebhookRequest,
  fetchImpl: typeof fetch = fetch,
): Promise<SendOutcome> {
  const { notification, secret, timeoutMs } = request;
  const body = JSON.stringify(webhookPayload(notification));
  const headers = {
    'Content-Type': 'application/json',
    'Webhook-Id': notification._id,
    'Webhook-Delivery': request.deliveryId,
    'Webhook-Attempt': String(request.attempt),
    [SIGNATURE_HEADER]: signPayload(secret, request.timestamp, body),
  };
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await fetchImpl(request.url, {
      method: 'POST',
      headers,
      body,
      // A redirect is the endpoint's misconfiguration to fix, not ours to follow with a signed body.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status >= 200 && response.status < 300) {
      await response.body?.cancel().catch(() => undefined);
      return { statusCode: response.status, durationMs: elapsed() };
    }
    const snippet = await readSnippet(response);
    return {
      statusCode: response.status,
      error: `HTTP ${response.status}${snippet ? `: ${snippet}` : ''}`,
      durationMs: elapsed(),
    };
  } catch (err) {
    return { error: describeSendError(err, timeoutMs), durationMs: elapsed() };
  }
}

/** The first characters of an error response, so the delivery log tells the customer what their endpoint said. */
async function readSnippet(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < ERROR_SNIPPET_CHARS) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // A body cut short still leaves the status code to report.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return text.slice(0, ERROR_SNIPPET_CHARS).trim();
}

function describeSendError(err: unknown, timeoutMs: number): string {
  // Duck-typed rather than instanceof: fetch's errors may come from another realm (a VM context, a test runner).
  const { name, message, cause } = (err ?? {}) as { name?: unknown; message?: unknown; cause?: unknown };
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  if (typeof message !== 'string') return String(err);
  // fetch reports network failures as "fetch failed" and keeps the reason (ECONNREFUSED, DNS, TLS) in `cause`.
  const reason = (cause as { message?: unknown } | undefined)?.message;
  return typeof reason === 'string' ? `${message}: ${reason}` : message;
}
