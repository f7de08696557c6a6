import { z } from 'zod';

/**
 * Temporal's remote codec protocol, which the Web UI and the `temporal` CLI speak to a codec endpoint: a Payloads
 * proto written as proto3 JSON, so each payload's data and every metadata value is base64. The same shape goes in
 * (POST …/encode, …/decode) and comes back. Proto3 JSON writes an empty field as absent or null, and readers ignore
 * fields they do not know; both are accepted.
 */

const BASE64 = 'expected a base64 string';
// Standard or URL-safe alphabet, padded or not: proto3 JSON readers accept both.
const Base64 = z.string({ error: BASE64 }).regex(/^[A-Za-z0-9+/_-]*={0,2}$/, BASE64);

export const CodecPayload = z.object(
  {
    metadata: z
      .record(z.string(), Base64, { error: 'expected an object of base64 strings' })
      .nullish()
      .describe('Metadata key → base64 of its bytes, e.g. encoding: "anNvbi9wbGFpbg==" (json/plain)'),
    data: Base64.nullish().describe('base64 of the payload bytes'),
  },
  { error: 'expected a payload object { metadata, data }' },
);
export type CodecPayload = z.infer<typeof CodecPayload>;

export const CodecBody = z.object(
  {
    payloads: z.array(CodecPayload, { error: 'expected an array of payloads' }),
  },
  { error: 'expected an object { payloads: [...] }' },
);
export type CodecBody = z.infer<typeof CodecBody>;
