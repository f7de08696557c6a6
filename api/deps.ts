import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { RequestHandler, Router } from 'express';
import type { Kafka } from 'kafkajs';
import type { ReadinessReport } from '../contracts/http/common';
import type { Config } from '../core/config';
import type { TokenVerifier } from '../core/http/auth';
import type { Logger } from '../core/logger';
import type { KafkaAdminAccess } from '../core/readiness';
import type { AuditLog } from '../domain/audit/audit-log';
import type { OrderStore } from '../domain/orders/order-store';
import type { GatewaySwitch } from '../domain/payments/gateway-switch';
import type { StockStore } from '../domain/stock/stock-store';

/** Everything the order API depends on, passed in, so tests run it against whatever they choose. */
export interface AppDeps {
  config: Config;
  orders: OrderStore;
  /** The catalogue shows the units available. */
  stock: StockStore;
  temporal: { client: Client };
  readiness: () => Promise<ReadinessReport>;
  /** The simulated payment gateway's operator switch. */
  gatewaySwitch: GatewaySwitch;
  logger: Logger;
  /** Verifies bearer tokens: every route but health, readiness and the documents needs one. */
  verifyToken: TokenVerifier;
  /** Where operator actions are recorded. */
  audit: AuditLog;
  /** For the operators' views of the consumers: their lag, their dead letters and replaying them. */
  kafka: Kafka;
  /** One admin client for the consumer-lag view, kept connected: the console asks every few seconds. */
  kafkaAdmin: KafkaAdminAccess;
  /** The payload codec the Web UI's codec endpoint (/codec) decodes with; no endpoint without it. */
  codec?: PayloadCodec;
}

/** What a route module is handed: the dependencies, and the JSON body parser with the API's size limit. */
export interface RouteDeps extends AppDeps {
  json: RequestHandler;
}

/** Each route module registers its endpoints on the router it is handed. */
export type RegisterRoutes = (router: Router, deps: RouteDeps) => void;
