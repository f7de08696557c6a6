import type { Summary } from '../../../contracts/http/analytics/schemas';
import { call } from '../api';
import { LineChart } from '../chart';
import { useResource } from '../hooks';
import { Panel } from '../ui';
import type { PanelProps } from './panel-props';

const HOUR = 60 * 60_000;

/** Accepted → final latency percentiles per hour, over the last six hours. */
export function LatencyChart({ config, token }: PanelProps) {
  const hours = useResource(
    async () => {
      const end = Math.ceil(Date.now() / HOUR) * HOUR;
      const starts = Array.from({ length: 6 }, (_, i) => end - (6 - i) * HOUR);
      return Promise.all(
        starts.map(async (start) => {
          const range = `from=${new Date(start).toISOString()}&to=${new Date(start + HOUR).toISOString()}`;
          const s = await call<Summary>(token, `${config.analytics}/analytics/summary?${range}`);
          return { start, latency: s.latencyMs };
        }),
      );
    },
    [token],
    30_000,
  );
  return (
    <Panel
      title="Latency, accepted → final (ms)"
      id="latency"
      resource={hours}
      empty={(h) => h.every((x) => x.latency.count === 0)}
      emptyText="No order finished in the last six hours."
    >
      {(h) => (
        <LineChart
          title="per hour, last six hours"
          unit=" ms"
          x={h.map((x) => x.start / 1000)}
          series={[
            {
              label: 'p50',
              color: '#16a34a',
              values: h.map((x) => x.latency.p50 && Math.round(x.latency.p50)),
            },
            {
              label: 'p95',
              color: '#d97706',
              values: h.map((x) => x.latency.p95 && Math.round(x.latency.p95)),
            },
            {
              label: 'p99',
              color: '#dc2626',
              values: h.map((x) => x.latency.p99 && Math.round(x.latency.p99)),
            },
          ]}
        />
      )}
    </Panel>
  );
}
