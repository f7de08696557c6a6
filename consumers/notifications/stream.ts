import type { Request, RequestHandler, Response } from 'express';
import { ApiError, parseOrThrow } from '../../core/http/errors';
import type { Logger } from '../../core/logger';
import { principalOf, type Principal } from '../../core/http/auth';
import { everyNotification, type NotificationFilter } from './access';
import type { LiveFeed, LiveNotification } from './live-feed';
import type { NotificationDoc } from './models';
import { decodePositions, encodePositions, type Positions } from './positions';
import { StreamQuery } from '../../contracts/http/notifications/schemas';
import type { NotificationStore } from './store';
import { notificationView } from './view';

export interface StreamDeps {
  feed: Pick<LiveFeed, 'current' | 'subscribe'>;
  store: Pick<NotificationStore, 'after'>;
  heartbeatMs: number;
  logger: Logger;
  /** Narrows what the caller asked for to what they may see (access.ts). */
  scope: (principal: Principal, wanted: NotificationFilter) => Promise<NotificationFilter>;
  /** Open streams allowed per caller and in all on this replica: a stream holds a connection and memory. */
  limits: { perCaller: number; total: number };
}

/** Missed notifications are read in pages of this size while a stream catches up. */
const CATCH_UP_PAGE = 500;
/** A client this far behind is cut off; it reconnects with Last-Event-ID and catches up from the store. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

export interface NotificationStreams {
  handler: RequestHandler;
  /** Open streams right now. */
  count(): number;
  /** Ends every stream (on shutdown), so the HTTP server can close. */
  closeAll(): void;
}

/**
 * `GET /notifications/stream`: Server-Sent Events of one customer's (or one order's) notifications. Every event's
 * id is the stream position (positions.ts), so a client that reconnects with Last-Event-ID gets exactly what it
 * missed, from the store, and then the live feed, without a gap or a repeat.
 */
export function notificationStreams(deps: StreamDeps): NotificationStreams {
  const open = new Set<Response>();
  const perCaller = new Map<string, number>();

  const handler: RequestHandler = async (req, res) => {
    const query = parseOrThrow(StreamQuery, req.query);
    const resumeFrom = lastEventId(req);
    const principal = principalOf(res);
    const filter =
      query.all === 'true'
        ? everyNotification(principal)
        : await deps.scope(principal, { customerId: query.customerId, orderId: query.orderId });
    const caller = `${principal.role}:${principal.subject}`;
    if (open.size >= deps.limits.total) {
      throw new ApiError(
        503,
        'unavailable',
        'this replica serves as many streams as it can; retry shortly',
        undefined,
        {
          'Retry-After': '5',
        },
      );
    }
    if ((perCaller.get(caller) ?? 0) >= deps.limits.perCaller) {
      throw new ApiError(
        429,
        'too_many_streams',
        `at most ${deps.limits.perCaller} open streams per caller; close one (a stream can follow all of your orders)`,
        undefined,
        { 'Retry-After': '5' },
      );
    }
    const matches = (n: NotificationDoc) =>
      (filter.customerId === undefined || n.customerId === filter.customerId) &&
      (filter.orderId === undefined || n.orderId === filter.orderId);

    // Resume from the client's position; a new client starts from where this replica is now.
    const live = deps.feed.current();
    const positions: Positions = resumeFrom
      ? new Map([...live.keys()].map((p) => [p, resumeFrom.get(p) ?? -1]))
      : live;

    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // Proxies such as nginx would otherwise hold events back in their buffers.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    open.add(res);
    perCaller.set(caller, (perCaller.get(caller) ?? 0) + 1);

    let catchingUp = true;
    const buffered: LiveNotification[] = [];
    const send = ({ notification, partition, offset }: LiveNotification) => {
      // Anything at or before the position was already sent (or predates the stream): never twice.
      if (offset <= (positions.get(partition) ?? -1)) return;
      positions.set(partition, offset);
      write(res, 'notification', encodePositions(positions), notificationView(notification));
      if (res.writableLength > MAX_BUFFERED_BYTES) res.end();
    };
    // Subscribe before reading the store: whatever the feed announces meanwhile is buffered, not lost.
    const unsubscribe = deps.feed.subscribe((n) => {
      if (!matches(n.notification)) return;
      if (catchingUp) buffered.push(n);
      else send(n);
    });
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), deps.heartbeatMs);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(res);
      const left = (perCaller.get(caller) ?? 1) - 1;
      if (left > 0) perCaller.set(caller, left);
      else perCaller.delete(caller);
    };
    req.on('close', close);
    res.write(`retry: 2000\n\n`);

    try {
      if (resumeFrom) {
        for (;;) {
          const missed = await deps.store.after({
            ...filter,
            positions: new Map(positions),
            limit: CATCH_UP_PAGE,
          });
          for (const n of missed)
            send({ notification: n, partition: n.source.partition, offset: n.source.offsetNum });
          if (missed.length < CATCH_UP_PAGE || res.writableEnded) break;
        }
      }
      for (const n of buffered) send(n);
      buffered.length = 0;
      catchingUp = false;
      write(res, 'ready', encodePositions(positions), { positions: Object.fromEntries(positions) });
    } catch (err) {
      deps.logger.error({ err, ...filter }, 'notification stream could not catch up');
      res.end();
      close();
    }
  };

  return {
    handler,
    count: () => open.size,
    closeAll() {
      for (const res of open) res.end();
      open.clear();
      perCaller.clear();
    },
  };
}

function write(res: Response, event: string, id: string, data: unknown): void {
  if (res.writableEnded) return;
  res.write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** The position to resume from: the Last-Event-ID header, or `lastEventId` for clients that cannot set headers. */
function lastEventId(req: Request): Positions | undefined {
  const raw =
    req.get('last-event-id') ?? (typeof req.query.lastEventId === 'string' ? req.query.lastEventId : '');
  if (raw === '') return undefined;
  const positions = decodePositions(raw);
  if (!positions) {
    throw new ApiError(
      400,
      'validation_failed',
      `Last-Event-ID: expected an id this stream sent (received ${JSON.stringify(raw.slice(0, 60))})`,
      [{ field: 'Last-Event-ID', problem: 'expected an id this stream sent', received: raw.slice(0, 200) }],
    );
  }
  return positions;
}
