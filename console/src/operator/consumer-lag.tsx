import type { z } from 'zod';
import type { ConsumerLagReport } from '../../../contracts/http/orders/operator-schemas';
import { call } from '../api';
import { useResource } from '../hooks';
import { Panel, Table } from '../ui';
import type { PanelProps } from './panel-props';

/** How far each consumer group is behind its topic. */
export function ConsumerLag({ config, token }: PanelProps) {
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
