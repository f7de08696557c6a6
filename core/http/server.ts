import type { Server } from 'node:http';
import type { Express } from 'express';

/** Starts an HTTP server for the app and resolves once it listens. */
export async function listen(app: Express, host: string, port: number): Promise<Server> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  // Outlive the idle keep-alive of clients and load balancers (commonly 60 s): a server that closes an idle
  // connection first races the client's next request on it, which then fails with "other side closed".
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}

/** Stops accepting and lets in-flight requests finish before their connections go away. */
export async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeIdleConnections();
  });
}
