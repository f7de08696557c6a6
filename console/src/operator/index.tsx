import { useMemo } from 'preact/hooks';
import { ConsumerLag } from './consumer-lag';
import { DeadLetters } from './dead-letters';
import { FailedOrders } from './failed-orders';
import { LatencyChart } from './latency-chart';
import { LiveFeed } from './live-feed';
import type { PanelProps } from './panel-props';
import { PaymentGateway } from './payment-gateway';
import { StatusCounts } from './status-counts';
import { TaskQueues } from './task-queues';
import { ThroughputChart } from './throughput-chart';

/** The operator's page: the system's health at a glance, then what needs a hand (failed orders, dead letters). */
export function OperatorView(props: PanelProps) {
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
