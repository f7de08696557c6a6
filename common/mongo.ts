import mongoose, { type Connection } from 'mongoose';
import type { Config } from './config';

/**
 * A dedicated mongoose connection (not the global default), so each component owns its lifecycle
 * and tests can open several side by side.
 */
export async function connectMongo(
  config: Config['mongo'],
  opts: { serverSelectionTimeoutMS?: number } = {},
): Promise<Connection> {
  const connection = mongoose.createConnection(config.url, {
    serverSelectionTimeoutMS: opts.serverSelectionTimeoutMS ?? 10_000,
    // FerretDB and standalone MongoDB have no replica set, so retryable writes would be refused.
    retryWrites: false,
  });
  return connection.asPromise();
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
