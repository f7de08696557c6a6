/**
 * A stack of the tests' own. The systems the tests start keep databases, consumer groups and ports of their own, but
 * on the stack's servers they would share its Kafka topics and Temporal task queues with whatever else runs there:
 * beside `npm start`'s system, its bridge would start the tests' orders and its workers would take the tests' tasks
 * (and the other way round), each against its own database; and the tests' orders would stay in the topics, for
 * a later `npm start` whose groups are new to read and dead-letter. So `npm test` (`stack exec --own`) runs on a
 * second stack in a folder of its own under the stack's, on free ports, sharing the installs, started for the run
 * and stopped and deleted after it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../core/net/free-port';
import { STACK_PORT_VARIABLES, type StackConfig } from './config';
import { SERVER_NAMES, stackPaths } from './paths';
import { isAlive, readState } from './state';

const PREFIX = 'alongside-';

/** Whether a server of the stack in `folder` is still running. */
function serversRunIn(folder: string): boolean {
  return SERVER_NAMES.some((name) => {
    const state = readState(path.join(folder, 'run', `${name}.json`));
    return isAlive(state?.supervisorPid) || isAlive(state?.childPid);
  });
}

export interface Alongside {
  /** The variables that put the stack and the system elsewhere; what the run's command is given. */
  env: Record<string, string>;
  dir: string;
  /** Deletes the stack's folder (its servers are stopped by then). */
  remove(): void;
}

/**
 * A second stack's settings: a folder of its own (named after this process, so concurrent runs do not meet), the
 * first stack's installs, and a free port for everything either binds. Folders of earlier runs whose process is
 * gone are deleted first, unless a server still runs from one (its run was killed before it could stop them).
 */
export async function alongsideStack(config: StackConfig): Promise<Alongside> {
  const paths = stackPaths(config);
  for (const entry of fs.existsSync(paths.root) ? fs.readdirSync(paths.root) : []) {
    const pid = entry.startsWith(PREFIX) ? Number(entry.slice(PREFIX.length)) : NaN;
    const folder = path.join(paths.root, entry);
    if (Number.isInteger(pid) && !isAlive(pid) && !serversRunIn(folder)) {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  }
  const dir = path.join(paths.root, `${PREFIX}${process.pid}`);
  const env: Record<string, string> = { STACK_DIR: dir, STACK_INSTALL_DIR: paths.install };
  for (const name of STACK_PORT_VARIABLES) env[name] = String(await freePort());
  env.TEMPORAL_UI_URL = `http://127.0.0.1:${env.STACK_TEMPORAL_UI_PORT}`;
  return { env, dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Which of the stack's servers are the user's own (given by address), which a second stack cannot replace. */
export function externalServers(config: StackConfig): string[] {
  return [
    config.kafka.external && 'Kafka (KAFKA_BROKERS)',
    config.temporal.external && 'Temporal (TEMPORAL_ADDRESS)',
    config.mongo.external && 'MongoDB (MONGO_URL)',
    config.auth.external && 'the token issuer (AUTH_JWKS_URL)',
  ].filter((s): s is string => typeof s === 'string');
}
