import type { z } from 'zod';
import type { TaskQueuesReport } from '../../../contracts/http/orders/operator-schemas';
import { call } from '../api';
import { useResource } from '../hooks';
import { Panel, Table } from '../ui';
import type { PanelProps } from './panel-props';

/** Each task queue's backlog, how old its oldest task is, and how many workers poll it. */
export function TaskQueues({ config, token }: PanelProps) {
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
