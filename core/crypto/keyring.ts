import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Symmetric keys for encryption at rest (AES-256-GCM), named by id so that data sealed under an old key stays
 * readable after a rotation. Written in the environment as `id:base64key` entries separated by commas, the first
 * being the one new data is sealed with:
 *
 *     PAYLOAD_ENCRYPTION_KEYS=k2:<32 bytes, base64>,k1:<32 bytes, base64>
 *
 * To rotate: put a new key first, keep the old ones after it for as long as anything sealed under them is kept.
 */
export interface Keyring {
  /** The id new data is sealed with. */
  readonly activeId: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

/** What `seal` produces: enough to open it again with the same keyring (or a later one that kept the key). */
export interface Sealed {
  keyId: string;
  /** 12 random bytes. */
  iv: Buffer;
  /** The ciphertext followed by the 16-byte GCM tag. */
  data: Buffer;
}

const KEY_BYTES = 32;
export const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A new random key in the form a keyring entry expects (base64 of 32 bytes). */
export function generateKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/**
 * Reads `id:base64key[,id:base64key…]`. Throws an Error naming `variable` and the bad entry (never the key
 * material) when an entry is malformed, a key is not 32 bytes, or an id repeats.
 */
export function parseKeyring(spec: string, variable: string): Keyring {
  const keys = new Map<string, Buffer>();
  const entries = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error(`${variable}: expected id:base64key entries, comma-separated`);
  entries.forEach((entry, i) => {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon);
    const where = `${variable}: entry ${i + 1}`;
    if (!KEY_ID.test(id)) throw new Error(`${where}: expected id:base64key with an id of [A-Za-z0-9._-]`);
    const key = Buffer.from(entry.slice(colon + 1), 'base64');
    if (key.length !== KEY_BYTES)
      throw new Error(`${where} (${id}): expected a key of ${KEY_BYTES} bytes, base64 (got ${key.length})`);
    if (keys.has(id)) throw new Error(`${where}: key id ${id} appears twice`);
    keys.set(id, key);
  });
  return { activeId: entries[0]!.slice(0, entries[0]!.indexOf(':')), keys };
}

/** The keyring's entries written back in the environment's form, active key first. */
export function formatKeyring(entries: ReadonlyArray<{ id: string; key: string }>): string {
  return entries.map(({ id, key }) => `${id}:${key}`).join(',');
}

/**
 * Encrypts with the active key. `aad` (optional) is authenticated but not encrypted: bind the ciphertext to what it
 * belongs to (a document id) so it cannot be moved to another.
 */
export function seal(keyring: Keyring, plaintext: Buffer, aad?: Buffer): Sealed {
  const key = keyring.keys.get(keyring.activeId);
  if (!key) throw new Error(`keyring has no key ${keyring.activeId}`);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (aad) cipher.setAAD(aad);
  const data = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { keyId: keyring.activeId, iv, data };
}

export class UnknownKeyError extends Error {
  constructor(readonly keyId: string) {
    super(`no encryption key ${JSON.stringify(keyId)} in the keyring (was it removed before its data?)`);
    this.name = 'UnknownKeyError';
  }
}

/** Decrypts; throws UnknownKeyError for a key the keyring no longer has, and an Error when the data was altered. */
export function open(keyring: Keyring, sealed: Sealed, aad?: Buffer): Buffer {
  const key = keyring.keys.get(sealed.keyId);
  if (!key) throw new UnknownKeyError(sealed.keyId);
  if (sealed.iv.length !== IV_BYTES || sealed.data.length < TAG_BYTES)
    throw new Error('sealed data is malformed');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv);
  if (aad) decipher.setAAD(aad);
  decipher.setAuthTag(sealed.data.subarray(sealed.data.length - TAG_BYTES));
  return Buffer.concat([
    decipher.update(sealed.data.subarray(0, sealed.data.length - TAG_BYTES)),
    decipher.final(),
  ]);
}
