import type { Timeseries } from '../../../contracts/http/analytics/schemas';
import { call } from '../api';
import { LineChart } from '../chart';
import { useResource } from '../hooks';
import { Panel } from '../ui';
import type { PanelProps } from './panel-props';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Orders created and finished per minute over the last hour. */
export function ThroughputChart({ config, token }: PanelProps) {
  const series = useResource(
    async () => {
      const to = new Date(Math.ceil(Date.now() / MINUTE) * MINUTE);
      const from = new Date(to.getTime() - HOUR);
      const range = `bucket=minute&from=${from.toISOString()}&to=${to.toISOString()}`;
      const [created, completed, failed] = await Promise.all(
        (['created', 'completed', 'failed'] as const).map((metric) =>
          call<Timeseries>(token, `${config.analytics}/analytics/timeseries?metric=${metric}&${range}`),
        ),
      );
      return { created: created!, completed: completed!, failed: failed! };
    },
    [token],
    15_000,
  );
  return (
    <Panel
      title="Throughput (orders per minute)"
      id="throughput"
      resource={series}
      empty={(s) => s.created.every((p) => !p.value) && s.completed.every((p) => !p.value)}
      emptyText="No orders in the last hour."
    >
      {(s) => (
        <LineChart
          title="last hour"
          x={s.created.map((p) => Date.parse(p.start) / 1000)}
          series={[
            { label: 'created', color: '#2563eb', values: s.created.map((p) => p.value) },
            { label: 'completed', color: '#16a34a', values: s.completed.map((p) => p.value) },
            { label: 'failed', color: '#dc2626', values: s.failed.map((p) => p.value) },
          ]}
        />
      )}
    </Panel>
  );
}
