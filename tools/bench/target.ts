/**
 * The system under load: the one `npm start` runs, when its API answers; otherwise every process started here on
 * ports, a database and consumer groups of the run's own (stopped and cleaned up afterwards).
 */
import fs from 'node:fs';
import type { StackConfig } from '../stack/config';
import { TOPICS } from '../../contracts/topics';
import { appPidFile, appPids, startIsolatedApp } from '../stack/app';
import { SERVER_NAMES, stackPaths } from '../stack/paths';
import { isAlive, readState } from '../stack/state';
import { FERRETDB_DATABASE, POSTGRES_USER } from '../stack/servers/postgres';
import type { PostgresWatch } from './postgres-stats';

export interface Target {
  /** FerretDB's per-command timings, when the local stack runs it. */
  databaseTimingsUrl?: string;
  /** The local Temporal server's Prometheus metrics. */
  temporalMetricsUrl?: string;
  /** PostgreSQL's table statistics, when the local FerretDB keeps its documents there. */
  postgres?: PostgresWatch;
  /** The system's database. */
  mongoUrl: string;
  /** Whether the system's database was made for this run (so holds only what the run put there). */
  freshDatabase: boolean;
  kind: 'running' | 'started by the bench';
  api: string;
  notifications: string;
  /** Consumer groups whose lag is sampled. */
  groups: { groupId: string; topics: string[] }[];
  /** Process name → pid: the system's processes and the local servers. */
  processes: Map<string, number>;
  close(): Promise<void>;
}

/** The target cannot be used as asked. */
export class TargetError extends Error {}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

function serverPids(config: StackConfig): Map<string, number> {
  const pids = new Map<string, number>();
  for (const name of SERVER_NAMES) {
    const pid = readState(stackPaths(config).state(name))?.childPid;
    if (pid && isAlive(pid)) pids.set(name === 'mongo' ? 'ferretdb' : name, pid);
  }
  return pids;
}

function groupsOf(bridge: string, notifications: string, analytics: string): Target['groups'] {
  return [
    { groupId: bridge, topics: [TOPICS.orderCreated] },
    { groupId: notifications, topics: [TOPICS.orderProcessed] },
    { groupId: analytics, topics: [TOPICS.orderCreated, TOPICS.orderProcessed] },
  ];
}

function databaseTimingsUrl(config: StackConfig): string | undefined {
  return config.mongo.external
    ? undefined
    : `http://127.0.0.1:${config.stack.ports.mongoDebug}/debug/commands`;
}

function temporalMetricsUrl(config: StackConfig): string | undefined {
  return config.temporal.external
    ? undefined
    : `http://127.0.0.1:${config.stack.ports.temporalMetrics}/metrics`;
}

/** FerretDB keeps a Mongo database as a PostgreSQL schema of the same name. */
function postgresWatch(config: StackConfig, mongoUrl: string): PostgresWatch | undefined {
  if (config.mongo.external || config.stack.mongoBackend !== 'postgresql') return undefined;
  const schema = decodeURIComponent(new URL(mongoUrl).pathname.slice(1)) || 'test';
  return { port: config.stack.ports.postgres, user: POSTGRES_USER, database: FERRETDB_DATABASE, schema };
}

export async function findOrStartTarget(
  config: StackConfig,
  run: string,
  log: (line: string) => void,
  /** Profile every process the bench starts (`node --cpu-prof`), writing into this folder. */
  cpuProfDir?: string,
): Promise<Target> {
  if (await answers(`${config.api.publicUrl}/healthz`)) {
    if (cpuProfDir)
      throw new TargetError(
        `--cpu-prof profiles the processes the bench starts itself, but the system at ${config.api.publicUrl} is already running: stop npm start first`,
      );
    let appPidsRecorded: Record<string, number> = {};
    try {
      appPidsRecorded = JSON.parse(fs.readFileSync(appPidFile(config), 'utf8')) as Record<string, number>;
    } catch {
      log('no pid file from npm start: CPU and memory are reported for the local servers only');
    }
    const processes = new Map(Object.entries(appPidsRecorded).filter(([, pid]) => isAlive(pid)));
    for (const [name, pid] of serverPids(config)) processes.set(name, pid);
    log(`target: the running system at ${config.api.publicUrl}`);
    return {
      kind: 'running',
      databaseTimingsUrl: databaseTimingsUrl(config),
      temporalMetricsUrl: temporalMetricsUrl(config),
      postgres: postgresWatch(config, config.mongo.url),
      mongoUrl: config.mongo.url,
      freshDatabase: false,
      api: config.api.publicUrl,
      notifications: config.notifications.publicUrl,
      groups: groupsOf(config.bridge.groupId, config.notifications.groupId, config.analytics.groupId),
      processes,
      close: async () => undefined,
    };
  }

  log(`nothing answers at ${config.api.publicUrl}: starting every process of the system for this run`);
  const app = await startIsolatedApp(config, run, {
    env: { LOG_LEVEL: 'warn' },
    nodeArgs: cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [],
    output: (name, line) => {
      if (/exited|restarting|"level":(50|60)/.test(line)) log(`  ${name}: ${line}`);
    },
  });
  const processes = appPids(app);
  for (const [name, pid] of serverPids(config)) processes.set(name, pid);
  return {
    kind: 'started by the bench',
    databaseTimingsUrl: databaseTimingsUrl(config),
    temporalMetricsUrl: temporalMetricsUrl(config),
    postgres: postgresWatch(config, app.mongoUrl),
    mongoUrl: app.mongoUrl,
    freshDatabase: true,
    api: app.api,
    notifications: app.notifications,
    groups: groupsOf(app.groups.bridge, app.groups.notifications, app.groups.analytics),
    processes,
    close: () => app.stopAndClean(),
  };
}
