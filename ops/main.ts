/**
 * Operator commands: `npm run orders -- <command>`; `npm run orders -- --help` lists them, `<command> --help`
 * explains one. Exit status: 0 done, 1 refused or failed, 2 bad usage.
 */
import { Command, CommanderError } from 'commander';
import { UsageError, type Outcome, type RegisterCommand } from './command';
import { dlqCommand } from './commands/dlq';
import { gatewayCommand } from './commands/gateway';
import { reconcileCommand } from './commands/reconcile';
import { replayCommand } from './commands/replay';
import { retryCommand } from './commands/retry';
import { traceCommand } from './commands/trace';

const USAGE_ERROR = 2;

/** In the order `--help` lists them. */
const COMMANDS: RegisterCommand[] = [
  retryCommand,
  gatewayCommand,
  replayCommand,
  reconcileCommand,
  traceCommand,
  dlqCommand,
];

export function program(outcome: Outcome = { exitCode: 0 }): Command {
  const cli = new Command('npm run orders --')
    .description(
      'Operator commands for the order pipeline: retry, replay, dead letters, the payment gateway.',
    )
    // Before any command is added, so every one inherits them: parse errors throw, and name the fix.
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      '\nTimes are ISO 8601 (2026-01-31T12:00:00Z). Exit status: 0 done, 1 refused or failed, 2 bad usage.',
    );
  for (const register of COMMANDS) register(cli, outcome);
  return cli;
}

/** Runs the CLI; resolves with its exit status. */
export async function main(argv: string[]): Promise<number> {
  const outcome: Outcome = { exitCode: 0 };
  const cli = program(outcome);
  // No command at all: show what there is, as --help does.
  if (argv.length === 0) {
    cli.outputHelp();
    return 0;
  }
  try {
    await cli.parseAsync(argv, { from: 'user' });
    return outcome.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version "exit" with code 0; every other commander error is bad usage (already printed).
      return err.exitCode === 0 ? 0 : USAGE_ERROR;
    }
    console.error(`orders: ${(err as Error).message}`);
    return err instanceof UsageError ? USAGE_ERROR : 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
