import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { Paging, Resource } from './hooks';

/** A titled panel that shows its resource's loading, error and empty states the same way everywhere. */
export function Panel<T>(props: {
  title: string;
  id: string;
  resource: Resource<T>;
  empty?: (data: T) => boolean;
  emptyText?: string;
  actions?: ComponentChildren;
  children: (data: T) => ComponentChildren;
}) {
  const { resource } = props;
  return (
    <section class="panel" id={props.id} data-state={resource.state}>
      <header>
        <h2>{props.title}</h2>
        {props.actions}
      </header>
      {resource.state === 'loading' && <p class="muted">Loading…</p>}
      {resource.state === 'error' && (
        <p class="error" role="alert">
          {resource.error} <button onClick={resource.reload}>Try again</button>
        </p>
      )}
      {resource.state === 'ready' &&
        (props.empty?.(resource.data) ? (
          <p class="muted empty">{props.emptyText ?? 'Nothing yet.'}</p>
        ) : (
          props.children(resource.data)
        ))}
    </section>
  );
}

/** A button that runs an action, shows it is busy, and reports what came of it (or the service's error). */
export function ActionButton(props: {
  label: string;
  run: () => Promise<string | void>;
  disabled?: boolean;
  testId?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const click = async () => {
    setBusy(true);
    setOutcome(null);
    try {
      const text = await props.run();
      setOutcome(text ? { ok: true, text } : null);
    } catch (err) {
      setOutcome({ ok: false, text: (err as Error).message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="action">
      <button onClick={click} disabled={busy || props.disabled} data-testid={props.testId}>
        {busy ? `${props.label}…` : props.label}
      </button>
      {outcome && (
        <span class={outcome.ok ? 'ok' : 'error'} role={outcome.ok ? 'status' : 'alert'}>
          {outcome.text}
        </span>
      )}
    </span>
  );
}

export const money = (cents: number, currency: string) =>
  new Intl.NumberFormat('en', { style: 'currency', currency }).format(cents / 100);

export const time = (iso: string) => new Date(iso).toLocaleTimeString();

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status}`}>{status}</span>;
}

/** Previous / Next for a keyset-paged listing. */
export function Pager({ paging, nextCursor }: { paging: Paging; nextCursor: string | null }) {
  return (
    <nav class="pager">
      <button disabled={paging.first} onClick={paging.back}>
        Previous
      </button>
      <button disabled={!nextCursor} onClick={() => nextCursor && paging.forward(nextCursor)}>
        Next
      </button>
    </nav>
  );
}

/** A table with a header row of column names; `<th />` for a column without one (a row's buttons). */
export function Table({ head, children }: { head: string[]; children: ComponentChildren }) {
  return (
    <table>
      <thead>
        <tr>
          {head.map((name, i) => (
            <th key={i}>{name}</th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
