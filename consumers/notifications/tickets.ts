import { createHash, randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { Principal } from '../../core/http/auth';

/**
 * Stream tickets: a browser's EventSource cannot send an Authorization header, and a bearer token in a URL would
 * sit in proxy logs and browser history for as long as it is valid. So a client first POSTs (with its token) for a
 * ticket, good for one stream opening, within a minute, and opens `/notifications/stream?ticket=…`. To reconnect it
 * asks for a new one and passes the last event id it saw as `lastEventId`. Only a hash of the ticket is stored.
 */
interface TicketDoc {
  _id: string;
  principal: Principal;
  expiresAt: Date;
}

export const TICKET_TTL_MS = 60_000;

export type StreamTickets = ReturnType<typeof streamTickets>;

export function streamTickets(connection: Connection, opts: { ttlMs?: number; now?: () => number } = {}) {
  const tickets = connection.collection<TicketDoc>('stream_tickets');
  const ttlMs = opts.ttlMs ?? TICKET_TTL_MS;
  const now = opts.now ?? Date.now;
  const hash = (ticket: string) => createHash('sha256').update(ticket).digest('base64url');

  return {
    async issue(principal: Principal): Promise<{ ticket: string; expiresAt: Date }> {
      const ticket = randomBytes(32).toString('base64url');
      const expiresAt = new Date(now() + ttlMs);
      // The collection holds only live tickets: expired ones go whenever a new one is issued (no TTL index on
      // every supported server).
      await tickets.deleteMany({ expiresAt: { $lte: new Date(now()) } });
      await tickets.insertOne({ _id: hash(ticket), principal, expiresAt });
      return { ticket, expiresAt };
    },
    /** Who the ticket was issued to, once: a used, expired or unknown ticket is undefined. */
    async redeem(ticket: string): Promise<Principal | undefined> {
      if (!/^[A-Za-z0-9_-]{43}$/.test(ticket)) return undefined;
      const doc = await tickets.findOneAndDelete({ _id: hash(ticket) });
      if (!doc || doc.expiresAt.getTime() <= now()) return undefined;
      return doc.principal;
    },
  };
}
