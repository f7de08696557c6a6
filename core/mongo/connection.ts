import mongoose, { type Connection, type Model, type Schema } from 'mongoose';
import type { Config } from '../config';
import type { HandlerFailure } from '../kafka/event-consumer';

/**
 * A dedicated mongoose connection (not the global default), so each component owns its lifecycle
 * and tests can open several side by side.
 */
export async function connectMongo(
  config: Pick<Config['mongo'], 'url'> & Partial<Pick<Config['mongo'], 'waitQueueTimeoutMs'>>,
  opts: { serverSelectionTimeoutMS?: number } = {},
): Promise<Connection> {
  const connection = mongoose.createConnection(config.url, {
    serverSelectionTimeoutMS: opts.serverSelectionTimeoutMS ?? 10_000,
    // A call waits at most this long for a free connection, then fails as "unavailable": under overload the
    // caller hears so in seconds (a 503 to retry later) instead of queueing without bound behind the pool.
    waitQueueTimeoutMS: config.waitQueueTimeoutMs ?? DEFAULT_WAIT_QUEUE_TIMEOUT_MS,
    // FerretDB and standalone MongoDB have no replica set, so retryable writes would be refused.
    retryWrites: false,
  });
  return connection.asPromise();
}

/** The connection's model of `name`, compiled from `schema` on first use (mongoose refuses to compile one twice). */
export function modelOn<T>(connection: Connection, name: string, schema: Schema<T>): Model<T> {
  return (connection.models[name] as Model<T> | undefined) ?? connection.model<T>(name, schema);
}

export interface MongoServerInfo {
  /** The MongoDB version the server speaks (FerretDB reports the version it emulates). */
  version: string;
  /** Set when the server is FerretDB. */
  ferretdbVersion?: string;
}

export async function mongoServerInfo(connection: Connection): Promise<MongoServerInfo> {
  const admin = connection.db!.admin();
  await admin.ping();
  const info = (await admin.command({ buildInfo: 1 })) as { version?: string; ferretdbVersion?: string };
  return { version: info.version ?? 'unknown', ferretdbVersion: info.ferretdbVersion };
}

export const DEFAULT_WAIT_QUEUE_TIMEOUT_MS = 5_000;

/** Errors of the MongoDB driver and of mongoose's connection handling; validation bugs are not among them. */
export function isDatabaseError(err: unknown): boolean {
  return err instanceof Error && /^Mongo/.test(err.name);
}

export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: unknown } | undefined)?.code === 11000;
}

/**
 * Whether a failed database call means the server is unreachable (down, restarting, network) rather than that the
 * request was wrong: consumers wait such an outage out instead of dead-lettering the message.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (
      /^Mongo(Network|NetworkTimeout|ServerSelection|NotConnected|TopologyClosed|PoolCleared|WaitQueueTimeout)Error$/.test(
        e.name,
      )
    ) {
      return true;
    }
  }
  return false;
}

/** How an event consumer treats a failed database write: wait out an outage, retry (then dead-letter) the rest. */
export function databaseFailure(err: unknown): HandlerFailure {
  return isDatabaseUnavailable(err) ? 'unavailable' : 'transient';
}
