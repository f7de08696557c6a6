/** One Server-Sent Event as received. */
export interface SseEvent {
  id?: string;
  event: string;
  data: string;
  receivedAt: number;
}

export interface SseClient {
  events: SseEvent[];
  /** Resolves when an event matching `ok` has arrived (or one already had). */
  waitFor(what: string, ok: (events: SseEvent[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
  /** Resolves when the server ended the stream (or close() was called). */
  ended: Promise<void>;
}

/**
 * A minimal SSE client over fetch, for tests: it records every event with the time it arrived, and sends
 * Last-Event-ID when asked to resume, as a browser's EventSource does on reconnect.
 */
export async function connectSse(
  url: string,
  lastEventId?: string,
  headers: Record<string, string> = {},
): Promise<SseClient> {
  const abort = new AbortController();
  const res = await fetch(url, {
    headers: {
      Accept: 'text/event-stream',
      ...headers,
      ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}),
    },
    signal: abort.signal,
  });
  if (res.status !== 200 || !res.body) {
    throw new Error(`SSE ${url}: HTTP ${res.status} ${await res.text()}`);
  }
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();

  const ended = (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = { event: 'message', data: '', receivedAt: Date.now() };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') event.id = text;
            else if (field === 'event') event.event = text;
            else if (field === 'data') data.push(text);
          }
          if (data.length === 0) continue;
          event.data = data.join('\n');
          events.push(event);
          for (const wake of waiters) wake();
        }
      }
    } catch {
      // aborted by close()
    }
  })();

  return {
    events,
    ended,
    close: () => abort.abort(),
    waitFor: (what, ok, timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        if (ok(events)) return resolve();
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`SSE: timed out waiting for ${what}; got ${events.length} events`));
        }, timeoutMs);
        const check = () => {
          if (!ok(events)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      }),
  };
}
