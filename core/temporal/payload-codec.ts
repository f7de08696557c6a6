import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { ConfigError, type Config } from '../config';
import { IV_BYTES, open, seal, UnknownKeyError, type Keyring } from '../crypto/keyring';

/**
 * Encryption of everything the system's workflows hand to Temporal: workflow and activity inputs and results,
 * signals, queries, memos and failure details hold customer emails and order contents, and Temporal keeps them in
 * its history for the namespace's retention. The server, its database and its Web UI see only ciphertext; the
 * clients and workers that hold PAYLOAD_ENCRYPTION_KEYS (and the codec endpoint, for the Web UI) see the data.
 *
 * Search attributes are not payloads a codec sees: they stay in clear, so they must never hold personal data
 * (they hold the order status and the customer id).
 */

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const { Payload: PayloadProto } = temporal.api.common.v1;

/**
 * An encrypted payload that cannot be opened: altered, cut short, or sealed under other key material with the same
 * id. (A key id the ring does not hold at all is the keyring's UnknownKeyError.)
 */
export class PayloadDecryptionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PayloadDecryptionError';
  }
}

const text = (value: string): Uint8Array => Buffer.from(value, 'utf8');
const textOf = (value: Uint8Array | null | undefined): string | undefined =>
  value ? Buffer.from(value).toString('utf8') : undefined;

/**
 * AES-256-GCM under the keyring's active key. The whole Payload proto is sealed, its metadata included (which names
 * the payload converter's encoding and, for protobufs, the message type), so nothing but the key id shows.
 * Payloads that are not encrypted pass through decoding unchanged: histories written before encryption (and the
 * recorded replay fixtures) stay readable. Any key still in the ring opens what it sealed, so a rotation (new key
 * first, old ones kept) leaves older histories readable.
 */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keyring: Keyring) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const sealed = seal(this.keyring, Buffer.from(PayloadProto.encode(payload).finish()));
      return {
        metadata: {
          [METADATA_ENCODING_KEY]: text(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: text(sealed.keyId),
        },
        // The IV travels with the ciphertext: it is not secret, only never reused under a key.
        data: Buffer.concat([sealed.iv, sealed.data]),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (textOf(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload;
      const keyId = textOf(payload.metadata?.[KEY_ID_METADATA]);
      if (!keyId) {
        throw new PayloadDecryptionError(
          `a payload marked ${ENCRYPTED_ENCODING} has no ${KEY_ID_METADATA} metadata: it was not written by this codec`,
        );
      }
      const data = Buffer.from(payload.data ?? []);
      let plain: Buffer;
      try {
        plain = open(this.keyring, { keyId, iv: data.subarray(0, IV_BYTES), data: data.subarray(IV_BYTES) });
      } catch (err) {
        if (err instanceof UnknownKeyError) throw err;
        throw new PayloadDecryptionError(
          `a payload encrypted under key ${JSON.stringify(keyId)} could not be decrypted: it was altered, or ` +
            'PAYLOAD_ENCRYPTION_KEYS holds other key material under that id',
          { cause: err },
        );
      }
      return PayloadProto.decode(plain);
    });
  }
}

/**
 * The codec of every client and worker of the system. Throws a ConfigError naming PAYLOAD_ENCRYPTION_KEYS when it is
 * not set: a process that would write personal data to Temporal in clear, or could not read what others encrypted,
 * must not start.
 */
export function payloadCodec(config: Pick<Config['temporal'], 'payloadKeys'>): EncryptionCodec {
  if (!config.payloadKeys) {
    throw new ConfigError([
      'PAYLOAD_ENCRYPTION_KEYS: required by every process that talks to Temporal, to encrypt workflow payloads; ' +
        'expected id:base64key entries, comma-separated, active key first (see docs/security.md, "Payload encryption") (not set)',
    ]);
  }
  return new EncryptionCodec(config.payloadKeys);
}

/** The `dataConverter` option of a Client, a Worker or a replay. */
export function temporalDataConverter(config: Pick<Config['temporal'], 'payloadKeys'>): {
  payloadCodecs: PayloadCodec[];
} {
  return { payloadCodecs: [payloadCodec(config)] };
}
