import express from 'express';
import request from 'supertest';
import { errorHandler, methodNotAllowed, unknownRoute } from '../../../../core/http/middleware';
import { createLogger } from '../../../../core/logger';

describe('methodNotAllowed', () => {
  const paths = {
    '/orders/retry': { post: {} },
    '/orders/{id}': { get: {} },
    '/orders/{id}/cancel': { post: {} },
  };
  const app = express();
  app.use(methodNotAllowed(paths));
  app.use(unknownRoute);
  app.use(errorHandler(createLogger('test', 'silent')));

  it('answers 405 with Allow for a path the service has, 404 for one it does not', async () => {
    const res = await request(app).trace('/orders/0b7e/cancel');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect(res.body).toMatchObject({ error: 'method_not_allowed' });
    expect((await request(app).get('/nothing/here')).status).toBe(404);
  });

  it('takes the most literal template: /orders/retry is not an /orders/{id}', async () => {
    const res = await request(app).options('/orders/retry');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
    const byId = await request(app).delete('/orders/0b7e');
    expect(byId.headers.allow).toBe('GET, HEAD');
  });
});
