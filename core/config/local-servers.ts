import { port } from './values';

/**
 * Where the local stack's servers listen. The processes connect there unless KAFKA_BROKERS, TEMPORAL_ADDRESS or
 * MONGO_URL name another server, so two checkouts with different ports run side by side.
 */
export const LOCAL_SERVER_PORTS = {
  STACK_KAFKA_PORT: port.default(9092),
  STACK_TEMPORAL_PORT: port.default(7233),
  STACK_TEMPORAL_UI_PORT: port.default(8233),
  STACK_MONGO_PORT: port.default(27017),
  STACK_ISSUER_PORT: port.default(8090),
};
