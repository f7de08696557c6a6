import type { Summary } from '../../../contracts/http/analytics/schemas';
import { call } from '../api';
import { useResource } from '../hooks';
import { Panel } from '../ui';
import type { PanelProps } from './panel-props';

const COUNTED = ['created', 'inProgress', 'completed', 'failed', 'rejected', 'cancelled'] as const;

/** The orders of each status, the success rate and the latency's p95, from the analytics service. */
export function StatusCounts({ config, token }: PanelProps) {
  const summary = useResource(
    () => call<Summary>(token, `${config.analytics}/analytics/summary`),
    [token],
    5_000,
  );
  return (
    <Panel title="Orders by status" id="counts" resource={summary}>
      {(s) => (
        <div class="cards">
          {COUNTED.map((status) => (
            <div class="card" data-status={status} key={status}>
              <span class="figure">{s.orders[status]}</span>
              <span class="label">{status === 'inProgress' ? 'in progress' : status}</span>
            </div>
          ))}
          <div class="card">
            <span class="figure">
              {s.successRate === null ? '–' : `${Math.round(s.successRate * 100)} %`}
            </span>
            <span class="label">success rate</span>
          </div>
          <div class="card">
            <span class="figure">{s.latencyMs.p95 === null ? '–' : `${Math.round(s.latencyMs.p95)} ms`}</span>
            <span class="label">latency p95</span>
          </div>
        </div>
      )}
    </Panel>
  );
}
