/**
 * Open-loop load: request i is sent at start + i / rate whether or not earlier ones have answered, so a slow system
 * meets the same arrival rate as a fast one (a closed loop would slow down with it and hide the queueing).
 * Bounded: at most `maxInFlight` requests outstanding; beyond that a request is not sent and counts as shed.
 */
export interface OpenLoopOptions {
  rate: number;
  durationS: number;
  maxInFlight: number;
  send(index: number): Promise<void>;
  /** Stops sending before the duration is over (what was sent still runs to its end). */
  signal?: AbortSignal;
}

export interface OpenLoopResult {
  sent: number;
  shed: number;
  /** Requests whose send() threw. */
  failed: number;
  errors: string[];
}

export async function openLoop({
  rate,
  durationS,
  maxInFlight,
  send,
  signal,
}: OpenLoopOptions): Promise<OpenLoopResult> {
  const total = Math.round(rate * durationS);
  const startedAt = performance.now();
  const result: OpenLoopResult = { sent: 0, shed: 0, failed: 0, errors: [] };
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < total; i++) {
    const due = startedAt + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    if (signal?.aborted) break;
    if (inFlight.size >= maxInFlight) {
      result.shed += 1;
      continue;
    }
    result.sent += 1;
    const p = send(i).then(
      () => undefined,
      (err: unknown) => {
        result.failed += 1;
        if (result.errors.length < 5) result.errors.push(err instanceof Error ? err.message : String(err));
      },
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }
  await Promise.all(inFlight);
  return result;
}
