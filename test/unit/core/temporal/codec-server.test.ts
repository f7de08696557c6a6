import { defaultPayloadConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import express, { type Express, type RequestHandler } from 'express';
import request from 'supertest';
import { generateKey, parseKeyring } from '../../../../core/crypto/keyring';
import { ApiError } from '../../../../core/http/errors';
import { createLogger } from '../../../../core/logger';
import { codecServer } from '../../../../core/temporal/codec-server';
import { EncryptionCodec } from '../../../../core/temporal/payload-codec';

const UI = 'http://127.0.0.1:8233';
const OTHER = 'https://evil.example.com';
const EMAIL = 'grace.hopper@example.com';
const OPERATOR = { 'X-Test-Operator': 'yes' };

/** Stands in for the operator authentication: refuses without its header, as a missing token would be. */
const guard: RequestHandler = (req, _res, next) => {
  if (req.get('x-test-operator') === 'yes') return next();
  next(new ApiError(401, 'unauthenticated', 'an operator token is required'));
};

const b64 = (value: Uint8Array | null | undefined) => Buffer.from(value ?? []).toString('base64');
const asJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)])),
  data: b64(p.data),
});
const fromJson = (p: { metadata: Record<string, string>; data: string }): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data, 'base64'),
});

function app(
  codec: PayloadCodec = new EncryptionCodec(parseKeyring(`k1:${generateKey()}`, 'KEYS')),
): Express {
  const app = express();
  app.use(
    '/codec',
    codecServer({
      codec,
      guard,
      corsOrigins: [UI],
      namespace: 'default',
      bodyLimitBytes: 64 * 1024,
      logger: createLogger('test', 'silent'),
    }),
  );
  return app;
}

describe('codec endpoint', () => {
  it('encodes and decodes over HTTP in the remote codec protocol', async () => {
    const server = app();
    const plain = asJson(defaultPayloadConverter.toPayload({ email: EMAIL, total: 1299 }));

    const encoded = await request(server)
      .post('/codec/encode')
      .set(OPERATOR)
      .set('X-Namespace', 'default')
      .send({ payloads: [plain] });
    expect(encoded.status).toBe(200);
    expect(encoded.body.payloads).toHaveLength(1);
    const [sealed] = encoded.body.payloads as Array<{ metadata: Record<string, string>; data: string }>;
    expect(Buffer.from(sealed!.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(sealed!.data, 'base64').includes(Buffer.from(EMAIL))).toBe(false);

    const decoded = await request(server)
      .post('/codec/decode')
      .set(OPERATOR)
      .set('X-Namespace', 'default')
      .send({ payloads: encoded.body.payloads });
    expect(decoded.status).toBe(200);
    expect(decoded.headers['cache-control']).toBe('no-store');
    expect(decoded.body).toEqual({ payloads: [plain] });
    expect(defaultPayloadConverter.fromPayload(fromJson(decoded.body.payloads[0]))).toEqual({
      email: EMAIL,
      total: 1299,
    });
  });

  it('serves the CLI form <base>/<namespace>/decode, and refuses another namespace', async () => {
    const server = app();
    const plain = asJson(defaultPayloadConverter.toPayload('x'));
    const ok = await request(server)
      .post('/codec/default/decode')
      .set(OPERATOR)
      .send({ payloads: [plain] });
    expect(ok.status).toBe(200);
    const other = await request(server)
      .post('/codec/decode')
      .set(OPERATOR)
      .set('X-Namespace', 'payments-team')
      .send({ payloads: [plain] });
    expect(other.status).toBe(404);
    expect(other.body.error).toBe('unknown_namespace');
  });

  it('answers a preflight from the Web UI with its origin and credentials allowed', async () => {
    const res = await request(app())
      .options('/codec/decode')
      .set('Origin', UI)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type,x-namespace');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(UI);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-allow-methods']).toContain('POST');
    expect(res.headers['access-control-allow-headers']?.toLowerCase()).toContain('x-namespace');
  });

  it('gives another origin no CORS headers, and decodes nothing for it', async () => {
    let decodes = 0;
    const codec: PayloadCodec = {
      encode: async (p) => p,
      decode: async (p) => {
        decodes++;
        return p;
      },
    };
    const server = app(codec);
    const preflight = await request(server)
      .options('/codec/decode')
      .set('Origin', OTHER)
      .set('Access-Control-Request-Method', 'POST');
    const post = await request(server)
      .post('/codec/decode')
      .set('Origin', OTHER)
      .set(OPERATOR)
      .send({ payloads: [] });
    for (const res of [preflight, post]) {
      expect(res.status).toBe(403);
      expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    }
    expect(post.body.error).toBe('origin_not_allowed');
    expect(decodes).toBe(0);
  });

  it('gives the Web UI its CORS headers on an actual request too, errors included', async () => {
    const res = await request(app()).post('/codec/decode').set('Origin', UI).send({ payloads: [] });
    expect(res.status).toBe(401);
    expect(res.headers['access-control-allow-origin']).toBe(UI);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
  });

  it('decodes nothing for a caller the guard refuses', async () => {
    let decodes = 0;
    const codec: PayloadCodec = {
      encode: async (p) => p,
      decode: async (p) => {
        decodes++;
        return p;
      },
    };
    const plain = asJson(defaultPayloadConverter.toPayload({ email: EMAIL }));
    const refused = await request(app(codec))
      .post('/codec/decode')
      .send({ payloads: [plain] });
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ error: 'unauthenticated', message: 'an operator token is required' });
    expect(JSON.stringify(refused.body)).not.toContain(plain.data);
    expect(decodes).toBe(0);
  });

  it.each([
    [{}, 'payloads', /required/],
    [{ payloads: 'x' }, 'payloads', /expected an array of payloads/],
    [{ payloads: [{ data: '***' }] }, 'payloads[0].data', /expected a base64 string/],
    [
      { payloads: [{ metadata: { encoding: 42 } }] },
      'payloads[0].metadata.encoding',
      /expected a base64 string/,
    ],
    [{ payloads: [7] }, 'payloads[0]', /expected a payload object/],
  ])('answers a malformed body %j with a 400 naming %s', async (body, field, problem) => {
    const res = await request(app()).post('/codec/decode').set(OPERATOR).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('validation_failed');
    expect(res.body.details).toEqual([
      expect.objectContaining({ field, problem: expect.stringMatching(problem) }),
    ]);
  });

  it('answers a body that is not JSON with a 400, and an oversized one with a 413', async () => {
    const server = app();
    const bad = await request(server)
      .post('/codec/decode')
      .set(OPERATOR)
      .set('Content-Type', 'application/json')
      .send('{"payloads": [');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('malformed_json');
    const big = await request(server)
      .post('/codec/decode')
      .set(OPERATOR)
      .send({ payloads: [{ data: 'A'.repeat(100 * 1024) }] });
    expect(big.status).toBe(413);
  });

  it('names the payload it cannot decode: a key no longer in the ring', async () => {
    const oldRing = parseKeyring(`k0:${generateKey()}`, 'KEYS');
    const [sealed] = await new EncryptionCodec(oldRing).encode([defaultPayloadConverter.toPayload(EMAIL)]);
    const plain = asJson(defaultPayloadConverter.toPayload('fine'));
    const res = await request(app())
      .post('/codec/decode')
      .set(OPERATOR)
      .send({ payloads: [plain, asJson(sealed!)] });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('undecodable_payload');
    expect(res.body.details).toEqual([
      { field: 'payloads[1]', problem: expect.stringMatching(/no encryption key "k0"/) },
    ]);
  });
});
