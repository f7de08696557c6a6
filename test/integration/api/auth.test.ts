import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { openApiDocument } from '../../../contracts/http/openapi';
import { bearer, testIssuer } from '../../support/tokens';
import { newCustomer, orderRequest, startApi, type ApiHarness } from './harness';

/** The order API's doors, tried from outside: every way in without the right token is refused. */
let api: ApiHarness;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api?.close();
});

/** Every operation of the API's own server in the OpenAPI document, with a concrete path. */
type Operation = { operationId?: string; security?: unknown[] };
function apiOperations(): { method: string; path: string; operationId: string }[] {
  const doc = openApiDocument({ api: 'http://api', notifications: 'http://n', analytics: 'http://a' }) as {
    paths: Record<string, Record<string, unknown>>;
  };
  return Object.entries(doc.paths)
    .filter(([, item]) => item.servers === undefined)
    .flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => ['get', 'post', 'put', 'delete', 'patch'].includes(method))
        .map(([method, value]) => ({ method, op: value as Operation }))
        .map(({ method, op }) => ({
          method,
          path: path.replace('{id}', randomUUID()),
          operationId: op.operationId ?? '',
          open: Array.isArray(op.security) && op.security.length === 0,
        }))
        .filter((op) => !op.open),
    );
}

describe('authentication', () => {
  const send = (method: string, path: string, headers: Record<string, string> = {}) =>
    (request(api.app) as unknown as Record<string, (p: string) => request.Test>)[method]!(path)
      .set(headers)
      .send(method === 'get' ? undefined : {});

  it('documents a token requirement on every operation but health and readiness', () => {
    const ids = apiOperations().map((o) => o.operationId);
    expect(ids).toEqual(expect.arrayContaining(['createOrder', 'getOrder', 'listOrders', 'auditLog']));
    expect(ids).not.toContain('healthz');
    expect(ids).not.toContain('readyz');
  });

  it('refuses every protected operation without a token: 401 with a Bearer challenge', async () => {
    const operations = apiOperations();
    expect(operations.length).toBeGreaterThanOrEqual(10);
    for (const op of operations) {
      const res = await send(op.method, op.path);
      expect({ op: op.operationId, status: res.status, error: res.body.error }).toEqual({
        op: op.operationId,
        status: 401,
        error: 'unauthorized',
      });
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    }
  });

  it('lets health, readiness and the documents through without a token', async () => {
    for (const path of ['/healthz', '/readyz', '/openapi.json']) {
      expect((await request(api.app).get(path)).status).toBe(200);
    }
    expect((await request(api.app).get('/docs/')).status).toBe(200);
  });

  it('refuses an expired token, another key’s, a wrong audience or issuer, a malformed header, and no role', async () => {
    const customer = newCustomer('auth');
    const stranger = await testIssuer({ issuer: api.tokens.issuer, audience: api.tokens.audience });
    const cases: [string, string, number, RegExp][] = [
      [
        'expired',
        `Bearer ${await api.tokens.sign({ sub: customer, roles: ['customer'], expiresIn: -120 })}`,
        401,
        /expired/,
      ],
      [
        'another key',
        `Bearer ${await stranger.customer(customer)}`,
        401,
        /not signed by a key this service trusts/,
      ],
      [
        'wrong audience',
        `Bearer ${await api.tokens.sign({ sub: customer, roles: ['customer'], aud: 'another-api' })}`,
        401,
        /aud/,
      ],
      [
        'wrong issuer',
        `Bearer ${await api.tokens.sign({ sub: customer, roles: ['customer'], iss: 'https://evil.test' })}`,
        401,
        /iss/,
      ],
      ['not a JWT', 'Bearer not-a-jwt', 401, /malformed/],
      ['basic auth', 'Basic dXNlcjpwYXNz', 401, /Bearer <token>/],
      ['no subject', `Bearer ${await api.tokens.sign({ roles: ['customer'] })}`, 401, /.+/],
      [
        'no role',
        `Bearer ${await api.tokens.sign({ sub: customer, roles: ['admin'] })}`,
        403,
        /none of the roles/,
      ],
    ];
    for (const [what, authorization, status, message] of cases) {
      const res = await request(api.app).get('/orders').set('Authorization', authorization);
      expect({ what, status: res.status }).toEqual({ what, status });
      expect(res.body.message).toMatch(message);
    }
    // The refusal says why, never how: no key material, no library internals.
    const res = await request(api.app)
      .get('/orders')
      .set(bearer(await stranger.customer(customer)));
    expect(JSON.stringify(res.body)).not.toMatch(/kid|JWKS|jose|stack/i);
  });
});

describe('customer isolation', () => {
  it('a customer orders for themselves: the token says who, a body naming another customer is refused', async () => {
    const ada = newCustomer('ada');
    const asAda = await api.as(ada);
    const { customerId: _omitted, ...body } = orderRequest(ada);
    const created = await asAda.post('/orders').send(body);
    expect(created.status).toBe(202);
    expect(created.body.customerId).toBe(ada);

    const forBob = await asAda.post('/orders').send(orderRequest(newCustomer('bob')));
    expect(forBob.status).toBe(403);
    expect(forBob.body.details).toEqual([expect.objectContaining({ field: 'customerId' })]);
  });

  it("customer B cannot read, list, cancel or retry customer A's order: 404 as for an order that does not exist", async () => {
    const a = newCustomer('a');
    const b = newCustomer('b');
    const created = await (await api.as(a)).post('/orders').send(orderRequest(a));
    expect(created.status).toBe(202);
    const id = created.body.orderId as string;
    const asB = await api.as(b);

    const unknown = await asB.get(`/orders/${randomUUID()}`);
    const read = await asB.get(`/orders/${id}`);
    expect(read.status).toBe(404);
    expect(read.body.error).toBe(unknown.body.error);
    expect(read.body.message).toBe(`no order ${id}`);
    expect((await asB.post(`/orders/${id}/cancel`).send({})).status).toBe(404);

    const listed = await asB.get('/orders');
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((o: { orderId: string }) => o.orderId)).not.toContain(id);
    expect((await asB.get(`/orders?customerId=${a}`)).status).toBe(403);

    // A sees it, and an operator does.
    expect((await (await api.as(a)).get(`/orders/${id}`)).status).toBe(200);
    expect((await api.request().get(`/orders/${id}`)).status).toBe(200);
  });

  it('idempotency keys are scoped per customer: the same key from two customers makes two orders', async () => {
    const key = `key-${randomUUID()}`;
    const [a, b] = [newCustomer('ka'), newCustomer('kb')];
    const first = await (await api.as(a)).post('/orders').set('Idempotency-Key', key).send(orderRequest(a));
    const second = await (await api.as(b)).post('/orders').set('Idempotency-Key', key).send(orderRequest(b));
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(second.body.orderId).not.toBe(first.body.orderId);
    expect((await (await api.as(b)).get(`/orders/${first.body.orderId}`)).status).toBe(404);
  });
});

describe('operator actions', () => {
  const operatorOnly: [string, string, unknown?][] = [
    ['post', `/orders/${randomUUID()}/retry`],
    ['post', '/orders/retry', {}],
    ['get', '/ops/payment-gateway'],
    ['put', '/ops/payment-gateway', { available: false }],
    ['get', '/ops/task-queues'],
    ['get', '/ops/audit'],
    ['get', '/ops/consumer-lag'],
    ['get', `/ops/orders/${randomUUID()}/trace`],
    ['get', '/ops/dead-letters?topic=order-created'],
    ['post', '/ops/dead-letters/replay', { topic: 'order-created' }],
  ];

  it('a customer calling any operator endpoint gets 403, and nothing happens', async () => {
    const asCustomer = await api.as(newCustomer('nosy'));
    for (const [method, path, body] of operatorOnly) {
      const req = (asCustomer as unknown as Record<string, (p: string) => request.Test>)[method]!(path);
      const res = await (body === undefined ? req : req.send(body as object));
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 });
    }
    // The gateway was not switched off by the refused PUT.
    expect((await api.request().get('/ops/payment-gateway')).body.available).toBe(true);
  });

  it('records who did what to which order, readable by operators only', async () => {
    const customer = newCustomer('audited');
    const created = await api.request().post('/orders').send(orderRequest(customer));
    const id = created.body.orderId as string;
    const retry = await api.request().post(`/orders/${id}/retry`);
    expect(retry.status).toBe(409); // not failed: refused, and still an action worth recording

    const page = await api.request().get(`/ops/audit?orderId=${id}`);
    expect(page.status).toBe(200);
    expect(page.body.items).toEqual([
      expect.objectContaining({
        actor: 'op-test',
        action: 'order.retry',
        orderIds: [id],
        details: expect.objectContaining({ outcome: 'refused' }),
      }),
    ]);
    expect(Date.parse(page.body.items[0].at)).toBeGreaterThan(Date.now() - 60_000);

    const switched = await api
      .request()
      .put('/ops/payment-gateway')
      .send({ available: true, reason: 'audit test' });
    expect(switched.status).toBe(200);
    const byActor = await api.request().get('/ops/audit?actor=op-test&limit=5');
    expect(byActor.body.items[0]).toMatchObject({
      action: 'payment-gateway.switch',
      details: { available: true },
    });
  });
});

describe('the codec endpoint', () => {
  it('decodes for operators only: no token 401, a customer 403, an operator 200', async () => {
    const encoded = await api.deps.codec!.encode([
      { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"ada@example.com"') },
    ]);
    const body = {
      payloads: encoded.map((p) => ({
        metadata: Object.fromEntries(
          Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
        ),
        data: Buffer.from(p.data!).toString('base64'),
      })),
    };
    expect(JSON.stringify(body)).not.toContain(Buffer.from('"ada@example.com"').toString('base64'));
    const decode = (headers: Record<string, string>) =>
      request(api.app)
        .post('/codec/decode')
        .set(headers)
        .set('X-Namespace', api.config.temporal.namespace)
        .send(body);

    expect((await decode({})).status).toBe(401);
    const customer = await decode(bearer(await api.tokens.customer(newCustomer('codec'))));
    expect(customer.status).toBe(403);
    expect(JSON.stringify(customer.body)).not.toContain('ada@example.com');
    const operator = await decode(bearer(await api.tokens.operator()));
    expect(operator.status).toBe(200);
    expect(Buffer.from(operator.body.payloads[0].data, 'base64').toString()).toBe('"ada@example.com"');
  });

  it("answers the Web UI's preflight itself, whatever origins the rest of the API allows", async () => {
    // The API allows its own origin (and CORS_ORIGINS); the Web UI's is the codec endpoint's alone.
    expect(api.config.http.corsOrigins.length).toBeGreaterThan(0);
    const ui = api.config.temporal.codecServer.corsOrigins[0]!;
    expect(api.config.http.corsOrigins).not.toContain(ui);
    const preflight = await request(api.app)
      .options('/codec/decode')
      .set('Origin', ui)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type,x-namespace');
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers['access-control-allow-origin']).toBe(ui);
    expect(preflight.headers['access-control-allow-credentials']).toBe('true');
  });
});

describe('what a customer is told', () => {
  it("never the text of a technical failure: the type stays, the detail is the operators'", async () => {
    const customer = newCustomer('told');
    const created = await (await api.as(customer)).post('/orders').send(orderRequest(customer));
    const id = created.body.orderId as string;
    const internal =
      'MongoServerSelectionError: connect ECONNREFUSED 10.0.3.7:27017 at Topology.selectServer';
    await api.orders.updateOne(
      { _id: id },
      { $set: { status: 'failed', reason: { type: 'GatewayUnavailable', message: internal } } },
    );

    for (const res of [
      await (await api.as(customer)).get(`/orders/${id}`),
      await (await api.as(customer)).get('/orders'),
    ]) {
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body)).not.toContain('10.0.3.7');
      expect(JSON.stringify(res.body)).toContain('GatewayUnavailable');
      expect(JSON.stringify(res.body)).toContain('a technical problem stopped this order');
    }
    const operator = await api.request().get(`/orders/${id}`);
    expect(operator.body.reason).toEqual({ type: 'GatewayUnavailable', message: internal });
  });
});

describe('the codec session (how the Web UI, which sends cookies but no token, reaches the codec endpoint)', () => {
  it("sets an HttpOnly, SameSite=Strict cookie for an operator's token only, which the codec endpoint accepts", async () => {
    const refused = await request(api.app)
      .post('/codec/session')
      .type('form')
      .send({ token: await api.tokens.customer(newCustomer('sess')) });
    expect(refused.status).toBe(403);
    expect(refused.headers['set-cookie']).toBeUndefined();

    const signedIn = await request(api.app)
      .post('/codec/session')
      .type('form')
      .send({ token: await api.tokens.operator() });
    expect(signedIn.status).toBe(200);
    const cookie = String(signedIn.headers['set-cookie']);
    expect(cookie).toMatch(/^codec_session=.+; Path=\/codec; HttpOnly; SameSite=Strict; Max-Age=\d+/);

    const encoded = await api.deps.codec!.encode([{ metadata: {}, data: Buffer.from('"ada@example.com"') }]);
    const decoded = await request(api.app)
      .post('/codec/decode')
      .set('Cookie', cookie.split(';')[0]!)
      .set('Origin', api.config.temporal.codecServer.corsOrigins[0]!)
      .set('X-Namespace', api.config.temporal.namespace)
      .send({
        payloads: encoded.map((p) => ({
          metadata: Object.fromEntries(
            Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
          ),
          data: Buffer.from(p.data!).toString('base64'),
        })),
      });
    expect(decoded.status).toBe(200);
    expect(decoded.headers['access-control-allow-credentials']).toBe('true');
    expect(Buffer.from(decoded.body.payloads[0].data, 'base64').toString()).toBe('"ada@example.com"');
  });
});
