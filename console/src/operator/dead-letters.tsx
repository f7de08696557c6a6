import { useState } from 'preact/hooks';
import type { z } from 'zod';
import type { DeadLetterPage } from '../../../contracts/http/orders/operator-schemas';
import { call, post } from '../api';
import { useResource } from '../hooks';
import { ActionButton, Panel, Table } from '../ui';
import type { PanelProps } from './panel-props';

const DLQ_TOPICS = ['order-created', 'order-processed'] as const;

/** A topic's newest dead letters, each replayable to the topic it came from. */
export function DeadLetters({ config, token }: PanelProps) {
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
