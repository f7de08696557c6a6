import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures. Every request carries
 *
 *     Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>
 *
 * where the HMAC key is the webhook's secret (its UTF-8 bytes, as shown at registration) and the signed message
 * is `${t}.${raw request body}`. A receiver recomputes the HMAC over the exact bytes it received, compares in
 * constant time, and refuses timestamps outside its tolerance (5 minutes by default) so a captured request
 * cannot be replayed later. The timestamp is part of the signed message, so it cannot be moved forward without
 * the secret. More than one `v1=` may appear (e.g. while a secret is rotated); one match is enough.
 */
export const SIGNATURE_HEADER = 'Webhook-Signature';
export const DEFAULT_TOLERANCE_SEC = 300;

/** The `Webhook-Signature` header value for `body` sent at `timestamp` (unix seconds). */
export function signPayload(secret: string, timestamp: number, body: string | Buffer): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

/**
 * Whether `header` is a valid signature of `body` with `secret`, made within `toleranceSec` of `nowSec`.
 * Pass the raw body exactly as received: re-serialised JSON may differ by a byte and fail.
 */
export function verifySignature(
  secret: string,
  header: string | undefined,
  body: string | Buffer,
  toleranceSec: number = DEFAULT_TOLERANCE_SEC,
  nowSec: number = Math.floor(Date.now() / 1000),
): boolean {
  if (!header) return false;
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d+$/.test(value)) timestamp = Number(value);
    else if (key === 'v1') candidates.push(value);
  }
  if (timestamp === undefined || Math.abs(nowSec - timestamp) > toleranceSec) return false;
  const expected = Buffer.from(hmac(secret, timestamp, body), 'hex');
  return candidates.some((candidate) => {
    if (!/^[0-9a-f]{64}$/i.test(candidate)) return false;
    return timingSafeEqual(expected, Buffer.from(candidate, 'hex'));
  });
}

function hmac(secret: string, timestamp: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}
