import { createHash } from 'node:crypto';

/**
 * A deterministic UUID: the first 16 bytes of sha256(input) laid out as RFC 9562 version 8. Used wherever the same
 * logical thing must always get the same id (event ids, orderIds derived from an Idempotency-Key).
 */
export function uuidFromHash(input: string): string {
  const h = createHash('sha256').update(input).digest();
  h[6] = (h[6]! & 0x0f) | 0x80; // version 8
  h[8] = (h[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
