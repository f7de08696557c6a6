import { useNotificationStream } from '../hooks';
import { StatusBadge, time } from '../ui';
import type { PanelProps } from './panel-props';

/** Every order that finishes, as the notification stream tells it, newest first. */
export function LiveFeed({ config, token }: PanelProps) {
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
