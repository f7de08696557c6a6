import { useState } from 'preact/hooks';
import type { z } from 'zod';
import type { BulkRetryReport } from '../../../contracts/http/orders/operator-schemas';
import type { OrderPage } from '../../../contracts/http/orders/schemas';
import { call, post, type ConsoleConfig } from '../api';
import { usePaging, useResource } from '../hooks';
import { ActionButton, Pager, Panel, Table, money, time } from '../ui';
import type { PanelProps } from './panel-props';

/** The order's workflow in the Temporal Web UI. */
function workflowLink(config: ConsoleConfig, orderId: string) {
  return `${config.temporalUi}/namespaces/${config.namespace}/workflows/order-${orderId}`;
}

/** The failed orders, each retriable on its own or all together by failure type. */
export function FailedOrders({ config, token }: PanelProps) {
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
