import { useCallback, useEffect, useState } from 'preact/hooks';
import type { AcceptedOrder, OrderPage, Product } from '../../contracts/http/orders/schemas';
import { call, post, type ConsoleConfig } from './api';
import { useNotificationStream, usePaging, useResource } from './hooks';
import { ActionButton, Pager, Panel, StatusBadge, Table, money, time } from './ui';

type Props = { config: ConsoleConfig; token: string; customerId: string };

function PlaceOrder({ config, token, onPlaced }: Omit<Props, 'customerId'> & { onPlaced: () => void }) {
  const products = useResource(() => call<Product[]>(token, `${config.api}/products`), [token]);
  const [quantities, setQuantities] = useState<Record<string, number>>({});
  const [email, setEmail] = useState('');
  const chosen = Object.entries(quantities).filter(([, q]) => q > 0);
  return (
    <Panel
      title="Catalogue"
      id="catalogue"
      resource={products}
      empty={(p) => p.length === 0}
      emptyText="The catalogue is empty."
    >
      {(list) => (
        <form class="order-form" onSubmit={(e) => e.preventDefault()}>
          <Table head={['product', 'price', 'in stock', 'quantity']}>
            {list.map((p) => (
              <tr key={p.sku} data-sku={p.sku}>
                <td>{p.name}</td>
                <td>{money(p.priceCents, p.currency)}</td>
                <td>{p.stockAvailable ?? '–'}</td>
                <td>
                  <input
                    type="number"
                    min={0}
                    max={1000}
                    value={quantities[p.sku] ?? 0}
                    aria-label={`quantity of ${p.name}`}
                    onInput={(e) =>
                      setQuantities((q) => ({
                        ...q,
                        [p.sku]: Number((e.target as HTMLInputElement).value) || 0,
                      }))
                    }
                  />
                </td>
              </tr>
            ))}
          </Table>
          <label>
            Email for the receipt{' '}
            <input
              type="email"
              value={email}
              onInput={(e) => setEmail((e.target as HTMLInputElement).value)}
              aria-label="email"
            />
          </label>{' '}
          <ActionButton
            label="Place order"
            testId="place-order"
            disabled={chosen.length === 0 || !email}
            run={async () => {
              const currency = list.find((p) => p.sku === chosen[0]![0])!.currency;
              const order = await call<AcceptedOrder>(token, `${config.api}/orders`, {
                ...post({
                  email,
                  currency,
                  items: chosen.map(([sku, quantity]) => ({ sku, quantity })),
                }),
                // One key per click: a network retry of this request cannot place the order twice.
                headers: { 'Idempotency-Key': crypto.randomUUID() },
              });
              setQuantities({});
              onPlaced();
              return `order ${order.orderId.slice(0, 8)} accepted`;
            }}
          />
        </form>
      )}
    </Panel>
  );
}

function MyOrders({ config, token, version }: Omit<Props, 'customerId'> & { version: number }) {
  const paging = usePaging();
  const page = useResource(
    () => call<OrderPage>(token, `${config.api}/orders?limit=10${paging.query}`),
    [token, paging.cursor, version],
    5_000,
  );
  return (
    <Panel
      title="My orders"
      id="my-orders"
      resource={page}
      empty={(p) => p.items.length === 0 && paging.first}
      emptyText="You have no orders yet."
    >
      {(p) => (
        <>
          <Table head={['order', 'status', 'total', 'placed']}>
            {p.items.map((o) => (
              <tr key={o.orderId} data-order-id={o.orderId} data-status={o.status}>
                <td>
                  <code>{o.orderId.slice(0, 8)}</code>
                </td>
                <td>
                  <StatusBadge status={o.status} />
                  {o.reason && <span class="reason"> {o.reason.message}</span>}
                </td>
                <td>{money(o.totalCents, o.currency)}</td>
                <td>{time(o.createdAt)}</td>
              </tr>
            ))}
          </Table>
          <Pager paging={paging} nextCursor={p.nextCursor} />
        </>
      )}
    </Panel>
  );
}

function MyNotifications({
  config,
  token,
  onNotification,
}: Omit<Props, 'customerId'> & { onNotification: () => void }) {
  const { events, state } = useNotificationStream(config, token, '');
  useEffect(() => {
    if (events.length > 0) onNotification();
  }, [events.length, onNotification]);
  return (
    <section class="panel" id="notifications" data-state={state}>
      <header>
        <h2>Notifications</h2>
        <span class={`badge ${state === 'live' ? 'status-completed' : 'status-processing'}`}>{state}</span>
      </header>
      {events.length === 0 ? (
        <p class="muted empty">Nothing yet: notifications appear here as your orders finish.</p>
      ) : (
        <ul class="feed">
          {events.map((n) => (
            <li key={n.id} data-order-id={n.orderId}>
              <StatusBadge status={n.status} /> <strong>{n.title}</strong> {n.body}{' '}
              <span class="muted">{time(n.occurredAt)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function CustomerView(props: Props) {
  const [version, setVersion] = useState(0);
  const bump = useCallback(() => setVersion((v) => v + 1), []);
  return (
    <main class="customer">
      <p class="muted">Signed in as customer {props.customerId}.</p>
      <div class="grid">
        <PlaceOrder config={props.config} token={props.token} onPlaced={bump} />
        <MyNotifications config={props.config} token={props.token} onNotification={bump} />
      </div>
      <MyOrders config={props.config} token={props.token} version={version} />
    </main>
  );
}
