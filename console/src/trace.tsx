import type { z } from 'zod';
import type { OrderTraces } from '../../contracts/http/orders/operator-schemas';
import { call, type ConsoleConfig } from './api';
import { useResource } from './hooks';
import { Panel } from './ui';

/**
 * One order's traces, span by span in tree order: each span indented under its parent, with its process, its
 * duration, and where in the trace's time it ran.
 */
export function TraceView({
  config,
  token,
  orderId,
}: {
  config: ConsoleConfig;
  token: string;
  orderId: string;
}) {
  const traces = useResource(
    () => call<z.infer<typeof OrderTraces>>(token, `${config.api}/ops/orders/${orderId}/trace`),
    [token, orderId],
  );
  return (
    <main class="trace">
      <p>
        <a href="#/operator">← Operations</a> · order <code>{orderId}</code> ·{' '}
        <a href={`${config.temporalUi}/namespaces/${config.namespace}/workflows/order-${orderId}`}>
          workflow
        </a>
      </p>
      <Panel title="Trace" id="trace" resource={traces} empty={(t) => t.traces.length === 0}>
        {(t) =>
          t.traces.map((trace) => {
            const start = Math.min(...trace.spans.map((s) => Date.parse(s.startTime)));
            const total = Math.max(trace.durationMs, 1);
            return (
              <table key={trace.traceId} data-trace-id={trace.traceId}>
                <caption>
                  trace <code>{trace.traceId}</code>: {trace.spans.length} spans,{' '}
                  {Math.round(trace.durationMs)} ms
                </caption>
                <thead>
                  <tr>
                    <th>span</th>
                    <th>process</th>
                    <th>ms</th>
                    <th class="timeline-head">when</th>
                  </tr>
                </thead>
                <tbody>
                  {trace.spans.map((s) => (
                    <tr key={s.spanId} class={s.status === 'ERROR' ? 'error' : ''} data-depth={s.depth}>
                      <td style={{ paddingLeft: `${0.5 + s.depth * 1.2}rem` }}>
                        {s.name}
                        {s.orphan && <span class="muted"> (parent missing)</span>}
                      </td>
                      <td>{s.service}</td>
                      <td>{s.durationMs.toFixed(1)}</td>
                      <td class="timeline">
                        <span
                          class="bar"
                          style={{
                            marginLeft: `${((Date.parse(s.startTime) - start) / total) * 100}%`,
                            width: `${Math.max((s.durationMs / total) * 100, 0.5)}%`,
                          }}
                        />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            );
          })
        }
      </Panel>
    </main>
  );
}
