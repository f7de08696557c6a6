/**
 * `npm run -s stack:token -- --customer <id> | --operator [name]`: a bearer token signed by the local stack's
 * issuer key, for curl, the Swagger UI and the console. The key is the stack's, so minting is the stack's job;
 * the services only verify tokens, against whichever JWKS they are given.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { StackConfig } from './config';
import { mintToken } from './issuer/keys';
import { stackPaths } from './paths';

const USAGE_ERROR = 2;

/** Bad usage found after parsing (commander's own parse errors exit with the same status). */
class UsageError extends Error {}

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('expected a whole number >= 1');
  return n;
}

function tokenCommand(config: StackConfig): Command {
  return new Command('npm run -s stack:token --')
    .description(
      "Prints a token signed by the local stack's key (created by npm start), for curl and the Swagger UI:\n" +
        '  export TOKEN=$(npm run -s stack:token -- --customer c-42)\n' +
        '  curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:3000/orders\n' +
        'With AUTH_JWKS_URL set the services trust another provider: get tokens from it instead.',
    )
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addOption(new Option('--customer <id>', "a customer's token: its subject is the customer id"))
    .addOption(
      new Option('--operator [name]', "an operator's token (named after you unless given)").conflicts(
        'customer',
      ),
    )
    .option('--ttl <seconds>', 'how long it is valid', wholeNumber, 15 * 60)
    .action(async (opts: { customer?: string; operator?: string | true; ttl: number }) => {
      if (opts.customer === undefined && opts.operator === undefined) {
        throw new UsageError('say whose: --customer <id> or --operator [name]');
      }
      if (config.auth.external) {
        throw new UsageError(
          `the services trust ${config.auth.jwksUrl} (AUTH_JWKS_URL); get a token from that provider`,
        );
      }
      console.log(
        await mintToken(stackPaths(config).issuer, {
          customer: opts.customer,
          operator: opts.operator,
          ttlSeconds: opts.ttl,
          issuer: config.auth.issuer,
          audience: config.auth.audience,
        }),
      );
    });
}

/** Prints the token; resolves with the exit status: 0 printed, 1 failed, 2 bad usage (said on stderr). */
export async function token(config: StackConfig, argv: string[]): Promise<number> {
  try {
    await tokenCommand(config).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    // --help "exits" with code 0; every other commander error is bad usage (already printed).
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : USAGE_ERROR;
    console.error(`token: ${(err as Error).message}`);
    return err instanceof UsageError ? USAGE_ERROR : 1;
  }
}
