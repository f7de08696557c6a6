import { useMemo, useState } from 'preact/hooks';
import type { z } from 'zod';
import type { OrderPage } from '../../contracts/http/orders/schemas';
import type {
  BulkRetryReport,
  ConsumerLagReport,
  DeadLetterPage,
  GatewayState,
  TaskQueuesReport,
} from '../../contracts/http/orders/operator-schemas';
import type { Summary, Timeseries } from '../../contracts/http/analytics/schemas';
import { call, post, put, type ConsoleConfig } from './api';
import { LineChart } from './chart';
import { useNotificationStream, usePaging, useResource } from './hooks';
import { ActionButton, Pager, Panel, StatusBadge, Table, money, time } from './ui';

type Props = { config: ConsoleConfig; token: string };

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const COUNTED = ['created', 'inProgress', 'completed', 'failed', 'rejected', 'cancelled'] as const;

function StatusCounts({ config, token }: Props) {
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

/** Orders created and finished per minute over the last hour. */
function ThroughputChart({ config, token }: Props) {
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

/** Accepted → final latency percentiles per hour, over the last six hours. */
function LatencyChart({ config, token }: Props) {
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

function TaskQueues({ config, token }: Props) {
  const queues = useResource(
    () => call<z.infer<typeof TaskQueuesReport>>(token, `${config.api}/ops/task-queues`),
    [token],
    5_000,
  );
  return (
    <Panel title="Task queues" id="task-queues" resource={queues}>
      {(r) => (
        <Table head={['queue', 'kind', 'backlog', 'oldest (s)', 'pollers']}>
          {r.queues.flatMap((q) =>
            [
              { kind: 'workflow', stats: q.workflow },
              { kind: 'activity', stats: q.activity },
            ]
              .flatMap(({ kind, stats }) => (stats ? [[kind, stats] as const] : []))
              .map(([kind, stats]) => (
                <tr key={`${q.name}-${kind}`}>
                  <td>{q.name}</td>
                  <td>{kind}</td>
                  <td>{stats.backlogCount}</td>
                  <td>{Math.round(stats.backlogAgeSeconds)}</td>
                  <td>{stats.activePollers}</td>
                </tr>
              )),
          )}
        </Table>
      )}
    </Panel>
  );
}

function ConsumerLag({ config, token }: Props) {
  const lag = useResource(
    () => call<z.infer<typeof ConsumerLagReport>>(token, `${config.api}/ops/consumer-lag`),
    [token],
    5_000,
  );
  return (
    <Panel title="Consumer lag" id="consumer-lag" resource={lag}>
      {(r) => (
        <Table head={['consumer', 'group', 'topic', 'behind']}>
          {r.groups.map((g) => (
            <tr key={g.group}>
              <td>{g.consumer}</td>
              <td>{g.group}</td>
              <td>{g.topic}</td>
              <td class={g.total > 0 ? 'warn' : ''}>{g.total}</td>
            </tr>
          ))}
        </Table>
      )}
    </Panel>
  );
}

function PaymentGateway({ config, token }: Props) {
  const gateway = useResource(
    () => call<z.infer<typeof GatewayState>>(token, `${config.api}/ops/payment-gateway`),
    [token],
    10_000,
  );
  return (
    <Panel title="Payment gateway" id="gateway" resource={gateway}>
      {(g) => (
        <p>
          <span
            class={`badge ${g.available ? 'status-completed' : 'status-failed'}`}
            data-testid="gateway-state"
          >
            {g.available ? 'on' : 'off'}
          </span>{' '}
          {g.reason && <span class="muted">{g.reason}</span>}{' '}
          <ActionButton
            label={g.available ? 'Switch off' : 'Switch on'}
            testId="gateway-toggle"
            run={async () => {
              await call(
                token,
                `${config.api}/ops/payment-gateway`,
                put({
                  available: !g.available,
                  reason: g.available ? 'switched off from the console' : undefined,
                }),
              );
              gateway.reload();
            }}
          />
        </p>
      )}
    </Panel>
  );
}

function LiveFeed({ config, token }: Props) {
  const { events, state } = useNotificationStream(config, token, 'all=true');
  return (
    <section class="panel" id="live-feed" data-state={state}>
      <header>
        <h2>Live feed</h2>
        <span class={`badge ${state === 'live' ? 'status-completed' : 'status-processing'}`}>{state}</span>
      </header>
      {events.length === 0 ? (
        <p class="muted empty">No order has finished since this page opened.</p>
      ) : (
        <ul class="feed">
          {events.map((n) => (
            <li key={n.id} data-order-id={n.orderId}>
              <StatusBadge status={n.status} /> <code>{n.orderId.slice(0, 8)}</code> {n.customerId}{' '}
              <span class="muted">{time(n.occurredAt)}</span>
              {n.reason && <span class="reason"> {n.reason.type}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function workflowLink(config: ConsoleConfig, orderId: string) {
  return `${config.temporalUi}/namespaces/${config.namespace}/workflows/order-${orderId}`;
}

function FailedOrders({ config, token }: Props) {
  const paging = usePaging();
  const page = useResource(
    () => call<OrderPage>(token, `${config.api}/orders?status=failed&limit=20${paging.query}`),
    [token, paging.cursor],
    5_000,
  );
  const [failureType, setFailureType] = useState('');
  return (
    <Panel
      title="Failed orders"
      id="failed-orders"
      resource={page}
      empty={(p) => p.items.length === 0 && paging.first}
      emptyText="No failed orders."
      actions={
        <span class="bulk">
          <input
            placeholder="failure type, e.g. GatewayUnavailable"
            value={failureType}
            onInput={(e) => setFailureType((e.target as HTMLInputElement).value)}
            aria-label="failure type"
          />
          <ActionButton
            label="Retry all matching"
            testId="bulk-retry"
            run={async () => {
              const report = await call<z.infer<typeof BulkRetryReport>>(
                token,
                `${config.api}/orders/retry`,
                post(failureType.trim() ? { failureType: failureType.trim() } : {}),
              );
              page.reload();
              return `${report.retried} retried of ${report.matched} matching`;
            }}
          />
        </span>
      }
    >
      {(p) => (
        <>
          <Table head={['order', 'customer', 'total', 'reason', 'failed', '']}>
            {p.items.map((o) => (
              <tr key={o.orderId} data-order-id={o.orderId}>
                <td>
                  <code>{o.orderId.slice(0, 8)}</code>{' '}
                  <a href={workflowLink(config, o.orderId)} target="_blank" rel="noreferrer">
                    workflow
                  </a>{' '}
                  <a href={`#/trace/${o.orderId}`}>trace</a>
                </td>
                <td>{o.customerId}</td>
                <td>{money(o.totalCents, o.currency)}</td>
                <td class="reason">
                  {o.reason ? (
                    <>
                      <strong>{o.reason.type}</strong> {o.reason.message}
                    </>
                  ) : (
                    '–'
                  )}
                </td>
                <td>{time(o.updatedAt)}</td>
                <td>
                  <ActionButton
                    label="Retry"
                    testId={`retry-${o.orderId}`}
                    run={async () => {
                      await call(token, `${config.api}/orders/${o.orderId}/retry`, { method: 'POST' });
                      page.reload();
                      return 'retrying';
                    }}
                  />
                </td>
              </tr>
            ))}
          </Table>
          <Pager paging={paging} nextCursor={p.nextCursor} />
        </>
      )}
    </Panel>
  );
}

const DLQ_TOPICS = ['order-created', 'order-processed'] as const;

function DeadLetters({ config, token }: Props) {
  const [topic, setTopic] = useState<(typeof DLQ_TOPICS)[number]>('order-created');
  const letters = useResource(
    () =>
      call<z.infer<typeof DeadLetterPage>>(token, `${config.api}/ops/dead-letters?topic=${topic}&limit=20`),
    [token, topic],
    15_000,
  );
  const replay = async (id?: string) => {
    const { replayed } = await call<{ replayed: string[] }>(
      token,
      `${config.api}/ops/dead-letters/replay`,
      post(id ? { topic, id } : { topic }),
    );
    letters.reload();
    return `replayed ${replayed.length}`;
  };
  return (
    <Panel
      title="Dead letters"
      id="dead-letters"
      resource={letters}
      empty={(l) => l.total === 0}
      emptyText={`${topic}.dlq is empty.`}
      actions={
        <span>
          <select
            value={topic}
            aria-label="topic"
            onChange={(e) => setTopic((e.target as HTMLSelectElement).value as (typeof DLQ_TOPICS)[number])}
          >
            {DLQ_TOPICS.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>{' '}
          <ActionButton label="Replay all" run={() => replay()} />
        </span>
      }
    >
      {(l) => (
        <>
          <p class="muted">
            {l.total} in {l.topic}.dlq; the newest {l.items.length}:
          </p>
          <Table head={['id', 'order', 'consumer', 'error', '']}>
            {l.items.map((d) => (
              <tr key={d.id}>
                <td>{d.id}</td>
                <td>
                  <code>{d.key?.slice(0, 8) ?? '–'}</code>
                </td>
                <td>{d.consumer ?? '–'}</td>
                <td class="reason">{d.error ?? '–'}</td>
                <td>
                  <ActionButton label="Replay" run={() => replay(d.id)} />
                </td>
              </tr>
            ))}
          </Table>
        </>
      )}
    </Panel>
  );
}

export function OperatorView(props: Props) {
  const links = useMemo(
    () => `${props.config.temporalUi}/namespaces/${props.config.namespace}/workflows`,
    [props],
  );
  return (
    <main class="operator">
      <p class="muted">
        Workflows in the <a href={links}>Temporal Web UI</a>.
      </p>
      <div class="grid">
        <StatusCounts {...props} />
        <PaymentGateway {...props} />
        <ThroughputChart {...props} />
        <LatencyChart {...props} />
        <TaskQueues {...props} />
        <ConsumerLag {...props} />
      </div>
      <LiveFeed {...props} />
      <FailedOrders {...props} />
      <DeadLetters {...props} />
    </main>
  );
}
