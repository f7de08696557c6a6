import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import type { Connection } from 'mongoose';
import { GatewaySwitch } from '../../../domain/payments/gateway-switch';
import { createApp } from '../../../api/app';
import type { AppDeps } from '../../../api/deps';
import { apiReadiness, probeKafkaAdmin } from '../../../api/readiness';
import { loadConfig, type Config } from '../../../core/config';
import { createLogger } from '../../../core/logger';
import { connectMongo } from '../../../core/mongo/connection';
import { orderModel, type OrderModel } from '../../../domain/orders/order-model';
import { orderStore } from '../../../domain/orders/order-store';
import { stockStore } from '../../../domain/stock/stock-store';
import { connectTemporal } from '../../../core/temporal/connection';
import { auditLog } from '../../../domain/audit/audit-log';
import { payloadCodec } from '../../../core/temporal/payload-codec';
import { createKafka } from '../../../core/kafka/client';
import { kafkaAdminAccess } from '../../../core/readiness';
import request from 'supertest';
import { bearer, testIssuer, type TestIssuer } from '../../support/tokens';
import { ErrorBody } from '../../../contracts/http/orders/schemas';

export interface ApiHarness {
  app: Express;
  /** What the app was built with, for a test that builds one with a dependency of its own. */
  deps: AppDeps;
  config: Config;
  /** The orders' collection itself, for setting up and checking what the store did (deps.orders is the store). */
  orders: OrderModel;
  db: Connection;
  temporal: Awaited<ReturnType<typeof connectTemporal>>;
  /** The issuer the app trusts, for tests that need tokens of their own. */
  tokens: TestIssuer;
  /** Requests as an operator (who may do everything), the way most tests exercise the routes. */
  request(): ReturnType<typeof request.agent>;
  /** Requests as this customer. */
  as(customerId: string): Promise<ReturnType<typeof request.agent>>;
  close(): Promise<void>;
}

/**
 * The API wired to the real local stack, with a database of its own (dropped by close) so runs never see each
 * other's orders.
 */
export async function startApi(): Promise<ApiHarness> {
  const config = loadConfig();
  const root = await connectMongo(config.mongo);
  const db = root.useDb(`it_api_${randomUUID().replace(/-/g, '').slice(0, 16)}`, { useCache: false });
  const orders = orderModel(db);
  await orders.createIndexes();
  const temporal = await connectTemporal(config.temporal);
  const kafkaAdmin = probeKafkaAdmin(config.kafka);
  const kafka = createKafka(config.kafka);
  const opsAdmin = kafka.admin();
  const tokens = await testIssuer();
  const store = orderStore(db);
  const deps: AppDeps = {
    config,
    orders: store,
    stock: stockStore(db),
    verifyToken: tokens.verifier,
    codec: payloadCodec(config.temporal),
    audit: auditLog(db),
    temporal,
    logger: createLogger('it-api', 'silent'),
    gatewaySwitch: new GatewaySwitch(db),
    kafka,
    kafkaAdmin: kafkaAdminAccess(opsAdmin),
    readiness: apiReadiness({ mongo: db, orders: store, kafkaAdmin, temporal: temporal.connection }),
  };
  const app = createApp(deps);
  const operatorToken = await tokens.operator();
  return {
    app,
    deps,
    tokens,
    request: () => request.agent(app).set(bearer(operatorToken)),
    as: async (customerId) => request.agent(app).set(bearer(await tokens.customer(customerId))),
    config,
    orders,
    db,
    temporal,
    async close() {
      await db.dropDatabase();
      await root.close();
      await kafkaAdmin.disconnect();
      await opsAdmin.disconnect();
      await temporal.connection.close();
    },
  };
}

let customerSeq = 0;
/** A customer id no other test or run uses. */
export function newCustomer(prefix = 'it'): string {
  customerSeq += 1;
  return `${prefix}-${customerSeq}-${randomUUID().slice(0, 8)}`;
}

export function orderRequest(customerId: string, overrides: Record<string, unknown> = {}) {
  return {
    customerId,
    email: 'ada@example.com',
    currency: 'EUR',
    items: [
      { sku: 'KB-001', quantity: 2 },
      { sku: 'CB-005', quantity: 3 },
    ],
    ...overrides,
  };
}

/** POSTs an order as an operator; the body goes as given, valid or not. */
export const postOrder = (api: ApiHarness, body: unknown) =>
  api
    .request()
    .post('/orders')
    .send(body as object);

/** Asserts an error response: its status, its code, and that the body has the documented shape. */
export function expectError(res: request.Response, status: number, error: string): ErrorBody {
  expect({ status: res.status, error: (res.body as ErrorBody).error }).toEqual({ status, error });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return ErrorBody.parse(res.body);
}
