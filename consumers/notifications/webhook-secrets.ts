import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { ConfigError } from '../../core/config';
import { open, parseKeyring, seal, type Keyring } from '../../core/crypto/keyring';
import { InvalidFieldError } from '../../core/errors';
import type { SealedSecret, WebhookDoc } from './models';

/**
 * Webhook signing secrets, in the Standard Webhooks form (`whsec_` + base64 of the HMAC key), and how they are kept:
 * sealed with the service's keyring, bound to their webhook's id, so a copy of the database alone signs nothing and
 * a sealed secret moved to another webhook does not open.
 */

export const SECRET_KEYS_VARIABLE = 'WEBHOOK_SECRET_KEYS';

const PREFIX = 'whsec_';
const GENERATED_BYTES = 32;
/** Standard Webhooks: keys of 24 to 64 bytes. */
const MIN_BYTES = 24;
const MAX_BYTES = 64;

/** The keyring from its setting; the notification service cannot store or sign anything without one. */
export function webhookKeyring(spec: string | undefined): Keyring {
  if (spec === undefined || spec.trim() === '') {
    throw new ConfigError([
      `${SECRET_KEYS_VARIABLE}: not set; the notification service seals webhook signing secrets with it ` +
        '(expected id:base64key entries, comma-separated, each key 32 random bytes)',
    ]);
  }
  try {
    return parseKeyring(spec, SECRET_KEYS_VARIABLE);
  } catch (err) {
    // parseKeyring names the variable and the bad entry, never the key material.
    throw new ConfigError([(err as Error).message]);
  }
}

export function generateSecret(): string {
  return PREFIX + randomBytes(GENERATED_BYTES).toString('base64');
}

/** A caller-chosen secret, held to what every Standard Webhooks library accepts. Never echoed back. */
export function checkSecret(value: unknown): string {
  const expected = `${PREFIX} followed by the base64 of ${MIN_BYTES}-${MAX_BYTES} random bytes`;
  if (typeof value !== 'string' || !value.startsWith(PREFIX)) {
    throw new InvalidFieldError('secret', expected, '(hidden)');
  }
  const encoded = value.slice(PREFIX.length);
  const key = Buffer.from(encoded, 'base64');
  // Buffer.from skips characters that are not base64: a round trip tells a canonical encoding from a lucky one.
  if (key.toString('base64') !== encoded || key.length < MIN_BYTES || key.length > MAX_BYTES) {
    throw new InvalidFieldError('secret', expected, '(hidden)');
  }
  return value;
}

export function sealSecret(keyring: Keyring, webhookId: string, secret: string): SealedSecret {
  const sealed = seal(keyring, Buffer.from(secret, 'utf8'), Buffer.from(webhookId, 'utf8'));
  return { keyId: sealed.keyId, iv: sealed.iv.toString('base64'), data: sealed.data.toString('base64') };
}

/** Throws when the keyring lacks the key, or the secret was altered or belongs to another webhook. */
export function openSecret(keyring: Keyring, webhookId: string, sealed: SealedSecret): string {
  return open(
    keyring,
    { keyId: sealed.keyId, iv: Buffer.from(sealed.iv, 'base64'), data: Buffer.from(sealed.data, 'base64') },
    Buffer.from(webhookId, 'utf8'),
  ).toString('utf8');
}

/**
 * The secrets a delivery made at `now` is signed with: the current one, and the one a rotation replaced while its
 * grace period lasts. Throws when a secret does not open (see openSecret).
 */
export function signingSecrets(
  keyring: Keyring,
  webhook: Pick<WebhookDoc, '_id' | 'secret' | 'previousSecret' | 'previousSecretExpiresAt'>,
  now: Date,
): string[] {
  const secrets = [openSecret(keyring, webhook._id, webhook.secret)];
  const { previousSecret, previousSecretExpiresAt } = webhook;
  if (previousSecret && previousSecretExpiresAt && previousSecretExpiresAt.getTime() > now.getTime()) {
    secrets.push(openSecret(keyring, webhook._id, previousSecret));
  }
  return secrets;
}

/**
 * The `webhook-signature` header: one `v1,<base64>` per secret, space-separated, each over `<id>.<timestamp>.<body>`.
 * Receivers accept the request when any one verifies, which is how a rotation keeps every delivery verifiable.
 */
export function signatureHeader(
  secrets: readonly string[],
  messageId: string,
  timestamp: Date,
  body: string,
): string {
  return secrets.map((secret) => new Webhook(secret).sign(messageId, timestamp, body)).join(' ');
}
