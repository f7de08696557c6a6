import { Argument, type Command } from 'commander';
import { auditLog } from '../../domain/audit/audit-log';
import { GatewaySwitch } from '../../domain/payments/gateway-switch';
import { cliActor } from '../command';
import { withMongo } from '../connections';

/** `npm run orders -- gateway`: the simulated payment gateway's switch, shown or flipped. */
export function gatewayCommand(cli: Command): void {
  cli
    .command('gateway')
    .summary('show or switch the simulated payment gateway')
    .description(
      'Without an argument, show the switch. `off` makes every charge and refund fail as a gateway outage (orders\n' +
        'then end failed once their retries are used up); `on` brings it back.',
    )
    .addArgument(new Argument('[state]', 'on or off').choices(['on', 'off']))
    .option('--reason <text>', 'why, shown with the switch')
    .action(async (state: 'on' | 'off' | undefined, opts: { reason?: string }) => {
      await withMongo(async (mongo) => {
        const gateway = new GatewaySwitch(mongo);
        const result =
          state === undefined
            ? await gateway.state()
            : await gateway.set(state === 'on', opts.reason ?? null);
        if (state !== undefined) {
          await auditLog(mongo).record({
            actor: cliActor(),
            action: 'payment-gateway.switch',
            details: { available: result.available, reason: result.reason },
          });
        }
        console.log(JSON.stringify(result));
      });
    });
}
