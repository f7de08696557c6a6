import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { call, type ConsoleConfig } from './api';

export type Resource<T> =
  | { state: 'loading'; reload: () => void }
  | { state: 'error'; error: string; reload: () => void }
  | { state: 'ready'; data: T; reload: () => void };

/**
 * Loads `load()` now, again every `everyMs` (0: never) and on reload(); the last good data stays on screen while a
 * refresh runs, and an error replaces it only when there is none.
 */
export function useResource<T>(load: () => Promise<T>, deps: unknown[], everyMs = 0): Resource<T> {
  const [state, setState] = useState<
    { state: 'loading' } | { state: 'error'; error: string } | { state: 'ready'; data: T }
  >({ state: 'loading' });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    let live = true;
    const run = () =>
      load().then(
        (data) => live && setState({ state: 'ready', data }),
        (err: Error) =>
          live && setState((s) => (s.state === 'ready' ? s : { state: 'error', error: err.message })),
      );
    void run();
    const timer = everyMs > 0 ? setInterval(() => void run(), everyMs) : undefined;
    return () => {
      live = false;
      if (timer) clearInterval(timer);
    };
  }, [...deps, tick]);
  return { ...state, reload } as Resource<T>;
}

export interface StreamedNotification {
  id: string;
  orderId: string;
  customerId: string;
  status: string;
  title: string;
  body: string;
  reason: { type: string; message: string } | null;
  occurredAt: string;
}

export type StreamState = 'connecting' | 'live' | 'reconnecting';

/**
 * Notifications as they happen, over Server-Sent Events. EventSource sends no Authorization header, so each
 * (re)connection first gets a single-use stream ticket with the token, and resumes after the last event it saw.
 */
export function useNotificationStream(
  config: ConsoleConfig,
  token: string,
  query: string,
  keep = 50,
): { events: StreamedNotification[]; state: StreamState } {
  const [events, setEvents] = useState<StreamedNotification[]>([]);
  const [state, setState] = useState<StreamState>('connecting');
  const lastEventId = useRef<string | undefined>(undefined);
  useEffect(() => {
    let source: EventSource | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    const open = async () => {
      try {
        const { ticket } = await call<{ ticket: string }>(
          token,
          `${config.notifications}/notifications/stream-tickets`,
          { method: 'POST' },
        );
        if (closed) return;
        const params = new URLSearchParams(query);
        params.set('ticket', ticket);
        if (lastEventId.current) params.set('lastEventId', lastEventId.current);
        source = new EventSource(`${config.notifications}/notifications/stream?${params.toString()}`);
        source.addEventListener('ready', () => setState('live'));
        source.addEventListener('notification', (event) => {
          const message = event as MessageEvent<string>;
          lastEventId.current = message.lastEventId;
          const notification = JSON.parse(message.data) as StreamedNotification;
          setEvents((list) => [notification, ...list.filter((n) => n.id !== notification.id)].slice(0, keep));
        });
        // A ticket opens one connection: on an error, close it and come back with a new ticket.
        source.onerror = () => {
          source?.close();
          if (!closed) reconnect();
        };
      } catch {
        if (!closed) reconnect();
      }
    };
    const reconnect = () => {
      setState('reconnecting');
      retry = setTimeout(() => void open(), 2_000);
    };
    void open();
    return () => {
      closed = true;
      source?.close();
      if (retry) clearTimeout(retry);
    };
  }, [config.notifications, token, query, keep]);
  return { events, state };
}

/** Keyset pages of a listing: the cursor of the page shown, and the way back (the cursors of the pages before). */
export interface Paging {
  /** Undefined on the first page. */
  cursor: string | undefined;
  /** `&cursor=…` for the listing's URL, or nothing on the first page. */
  query: string;
  first: boolean;
  back(): void;
  forward(nextCursor: string): void;
}

export function usePaging(): Paging {
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  return {
    cursor,
    query: cursor ? `&cursor=${encodeURIComponent(cursor)}` : '',
    first: cursors.length === 0,
    back: () => setCursors((c) => c.slice(0, -1)),
    forward: (next) => setCursors((c) => [...c, next]),
  };
}
