import type { MetricsExporterConfig } from '@temporalio/worker';
import type { Logger } from '../core/logger';
import type { ExtraMetrics } from '../core/metrics/endpoint';
import { freePort } from '../core/net/free-port';

/**
 * The Temporal SDK's own metrics (its native core's: task slots, poll and schedule-to-start latencies, sticky cache,
 * activity and workflow task outcomes), in Prometheus' conventions (`_total`, `_seconds`). The core serves them on
 * a listener of its own, unauthenticated, so it is kept on a free loopback port, and the worker's guarded
 * `/metrics` appends what it reads there: one page to scrape per worker, behind one credential.
 */
export async function temporalSdkMetrics(
  service: string | undefined,
  logger: Logger,
): Promise<{ exporter: MetricsExporterConfig; read: ExtraMetrics }> {
  const address = `127.0.0.1:${await freePort()}`;
  let failing = false;
  return {
    exporter: {
      prometheus: {
        bindAddress: address,
        countersTotalSuffix: true,
        unitSuffix: true,
        useSecondsForDurations: true,
      },
      ...(service ? { globalTags: { service } } : {}),
    },
    async read() {
      try {
        const res = await fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(2_000) });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        failing = false;
        return await res.text();
      } catch (err) {
        if (!failing) logger.warn({ err, address }, "the Temporal SDK's metrics could not be read");
        failing = true;
        return '';
      }
    },
  };
}
