import type { z } from 'zod';
import type { GatewayState } from '../../../contracts/http/orders/operator-schemas';
import { call, put } from '../api';
import { useResource } from '../hooks';
import { ActionButton, Panel } from '../ui';
import type { PanelProps } from './panel-props';

/** The simulated payment gateway's switch, and the button that flips it. */
export function PaymentGateway({ config, token }: PanelProps) {
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
