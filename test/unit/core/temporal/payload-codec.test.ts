import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { ConfigError } from '../../../../core/config';
import { generateKey, parseKeyring, UnknownKeyError } from '../../../../core/crypto/keyring';
import {
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  KEY_ID_METADATA,
  PayloadDecryptionError,
  payloadCodec,
} from '../../../../core/temporal/payload-codec';

const k1 = generateKey();
const k2 = generateKey();
const ring = (spec: string) => parseKeyring(spec, 'PAYLOAD_ENCRYPTION_KEYS');
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

const EMAIL = 'ada.lovelace@example.com';
const input = {
  orderId: 'o-1',
  customerId: 'c-1',
  email: EMAIL,
  items: [{ sku: 'KB-001', name: 'Mechanical keyboard', quantity: 1 }],
};

describe('EncryptionCodec', () => {
  it('round-trips a payload, its metadata included', async () => {
    const codec = new EncryptionCodec(ring(`k1:${k1}`));
    const payload = defaultPayloadConverter.toPayload(input);
    const [encoded] = await codec.encode([payload]);
    const [decoded] = await codec.decode([encoded!]);
    expect(text(decoded!.metadata!.encoding)).toBe('json/plain');
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(input);
  });

  it('leaves no plaintext in what it encodes: neither the data nor its encoding', async () => {
    const codec = new EncryptionCodec(ring(`k1:${k1}`));
    const [encoded] = await codec.encode([defaultPayloadConverter.toPayload(input)]);
    expect(Object.keys(encoded!.metadata!).sort()).toEqual(['encoding', KEY_ID_METADATA]);
    expect(text(encoded!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encoded!.metadata![KEY_ID_METADATA])).toBe('k1');
    const data = Buffer.from(encoded!.data!);
    for (const clear of [EMAIL, 'Mechanical keyboard', 'json/plain'])
      expect(data.includes(Buffer.from(clear))).toBe(false);
  });

  it('encodes the same payload differently each time (a fresh IV)', async () => {
    const codec = new EncryptionCodec(ring(`k1:${k1}`));
    const payload = defaultPayloadConverter.toPayload(input);
    const [a, b] = await codec.encode([payload, payload]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('after a rotation, encodes under the new key and still decodes what the old one encoded', async () => {
    const [old] = await new EncryptionCodec(ring(`k1:${k1}`)).encode([
      defaultPayloadConverter.toPayload(input),
    ]);
    const rotated = new EncryptionCodec(ring(`k2:${k2},k1:${k1}`));
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old!]))[0]!)).toEqual(input);
    const [fresh] = await rotated.encode([defaultPayloadConverter.toPayload(input)]);
    expect(text(fresh!.metadata![KEY_ID_METADATA])).toBe('k2');
  });

  it('refuses a payload under a key the ring no longer holds, naming the key', async () => {
    const [old] = await new EncryptionCodec(ring(`k1:${k1}`)).encode([
      defaultPayloadConverter.toPayload(input),
    ]);
    const withoutK1 = new EncryptionCodec(ring(`k2:${k2}`));
    await expect(withoutK1.decode([old!])).rejects.toThrow(UnknownKeyError);
    await expect(withoutK1.decode([old!])).rejects.toThrow(/"k1"/);
  });

  it('refuses an altered payload, and one sealed under other key material with the same id', async () => {
    const codec = new EncryptionCodec(ring(`k1:${k1}`));
    const [encoded] = await codec.encode([defaultPayloadConverter.toPayload(input)]);
    const altered = Buffer.from(encoded!.data!);
    altered[altered.length - 1] = altered[altered.length - 1]! ^ 1;
    await expect(codec.decode([{ ...encoded, data: altered }])).rejects.toThrow(PayloadDecryptionError);
    await expect(new EncryptionCodec(ring(`k1:${k2}`)).decode([encoded!])).rejects.toThrow(
      /key "k1" could not be decrypted/,
    );
    await expect(
      codec.decode([{ metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING) }, data: encoded!.data }]),
    ).rejects.toThrow(/no encryption-key-id metadata/);
  });

  it('passes payloads that are not encrypted through decoding unchanged (histories from before encryption)', async () => {
    const codec = new EncryptionCodec(ring(`k1:${k1}`));
    const plain: Payload[] = [
      defaultPayloadConverter.toPayload(input),
      defaultPayloadConverter.toPayload(undefined),
      defaultPayloadConverter.toPayload(new Uint8Array([1, 2, 3])),
    ];
    const decoded = await codec.decode(plain);
    expect(decoded).toHaveLength(3);
    decoded.forEach((payload, i) => expect(payload).toBe(plain[i]));
  });
});

describe('payloadCodec', () => {
  it('refuses to make a codec without keys, naming PAYLOAD_ENCRYPTION_KEYS', () => {
    expect(() => payloadCodec({ payloadKeys: undefined })).toThrow(ConfigError);
    expect(() => payloadCodec({ payloadKeys: undefined })).toThrow(/PAYLOAD_ENCRYPTION_KEYS: required/);
    expect(payloadCodec({ payloadKeys: ring(`k1:${k1}`) })).toBeInstanceOf(EncryptionCodec);
  });
});
