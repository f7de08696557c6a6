/**
 * Runs the system's own processes locally (api, outbox relay, bridge, notifications, analytics, one worker process
 * per task queue, each replicated as configured), the way docker-compose runs them as services: each is a real
 * process of its own, restarted if it dies, stopped with SIGTERM so it can drain. A process counts as ready when it says so over IPC
 * (core/service.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import type { Config } from '../../core/config';
import type { StackConfig } from './config';
import { createKafka } from '../../core/kafka/client';
import { connectMongo } from '../../core/mongo/connection';
import { freePort } from './control';
import { stackPaths } from './paths';

export interface AppProcess {
  name: string;
  /** Entry point, relative to the repository root. */
  entry: string;
  /** How many replicas (WORKERS_<QUEUE>=n for workers). */
  replicas: number;
  /**
   * The variable naming the port of its own metrics listener, for a process that serves no other HTTP: replicas
   * after the first get port 0 (a free one, in their ready message), since they cannot all have the configured one.
   */
  metricsPortVariable?: string;
}

const ROOT = path.resolve(__dirname, '..', '..');

export function appProcesses({ workers }: Config): AppProcess[] {
  return [
    { name: 'api', entry: 'api/main.ts', replicas: 1 },
    {
      name: 'outbox-relay',
      entry: 'relay/main.ts',
      replicas: 1,
      metricsPortVariable: 'OUTBOX_RELAY_METRICS_PORT',
    },
    { name: 'bridge', entry: 'bridge/main.ts', replicas: 1, metricsPortVariable: 'BRIDGE_METRICS_PORT' },
    { name: 'notifications', entry: 'consumers/notifications/main.ts', replicas: 1 },
    { name: 'analytics', entry: 'consumers/analytics/main.ts', replicas: 1 },
    {
      name: 'worker-orders',
      entry: 'workers/orders/main.ts',
      replicas: workers.orders.replicas,
      metricsPortVariable: 'WORKER_ORDERS_METRICS_PORT',
    },
    {
      name: 'worker-payments',
      entry: 'workers/payments/main.ts',
      replicas: workers.payments.replicas,
      metricsPortVariable: 'WORKER_PAYMENTS_METRICS_PORT',
    },
    {
      name: 'worker-order-events',
      entry: 'workers/order-events/main.ts',
      replicas: workers.orderEvents.replicas,
      metricsPortVariable: 'WORKER_ORDER_EVENTS_METRICS_PORT',
    },
  ];
}

/** Times a process may fail to become ready before the start fails. */
const START_ATTEMPTS = 3;

export interface StartedApp {
  /** Ready messages, with the process id, by instance name ("worker-orders#2"). */
  ready: Map<string, Record<string, unknown>>;
  stop(): Promise<void>;
}

interface Instance {
  name: string;
  entry: string;
  /** Its own settings, over the shared ones. */
  env: NodeJS.ProcessEnv;
  child?: ChildProcess;
  stopping: boolean;
  crashes: number[];
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** Extra options for node itself, before the entry point (e.g. --cpu-prof, which NODE_OPTIONS refuses). */
  nodeArgs?: string[];
  /** Where each line of output goes; defaults to this process's stdout, prefixed with the instance name. */
  output?: (instance: string, line: string) => void;
  readyTimeoutMs?: number;
}

/** Starts every process and resolves once all said they are ready; rejects (after stopping all) otherwise. */
export async function startApp(processes: AppProcess[], opts: StartOptions = {}): Promise<StartedApp> {
  const output = opts.output ?? ((name, line) => process.stdout.write(`${name.padEnd(22)} | ${line}\n`));
  const instances: Instance[] = processes.flatMap((p) =>
    Array.from({ length: p.replicas }, (_, i) => ({
      name: p.replicas > 1 ? `${p.name}#${i + 1}` : p.name,
      entry: p.entry,
      env: i > 0 && p.metricsPortVariable ? { [p.metricsPortVariable]: '0' } : {},
      stopping: false,
      crashes: [],
    })),
  );
  const ready = new Map<string, Record<string, unknown>>();
  let failure: ((err: Error) => void) | undefined;

  const launch = (inst: Instance, onReady: () => void) => {
    const child = spawn(
      process.execPath,
      [...(opts.nodeArgs ?? []), '--import', 'tsx', path.join(ROOT, inst.entry)],
      {
        cwd: ROOT,
        env: { ...process.env, ...opts.env, ...inst.env },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      },
    );
    inst.child = child;
    for (const stream of [child.stdout!, child.stderr!]) {
      readline.createInterface({ input: stream }).on('line', (line) => output(inst.name, line));
    }
    child.on('message', (msg: { ready?: boolean }) => {
      if (msg?.ready) {
        ready.set(inst.name, { ...(msg as Record<string, unknown>), pid: child.pid });
        onReady();
      }
    });
    child.on('exit', (code, signal) => {
      if (inst.stopping) return;
      const now = Date.now();
      inst.crashes = [...inst.crashes.filter((t) => t > now - 120_000), now];
      // Before it was ever ready: a dependency still coming up (a fresh broker moving its coordinators) gets a few
      // more tries; a process that keeps failing to start fails the start.
      if (!ready.has(inst.name) && inst.crashes.length > START_ATTEMPTS - 1) {
        failure?.(new Error(`${inst.name} exited (${signal ?? `code ${code}`}) before it was ready`));
        return;
      }
      // Once it has run, it is restarted however often it dies (a dependency down for an hour can make a process
      // fail at every start), the waits growing to 30 s: a process left dead would leave its work undone silently.
      const delay = Math.min(30_000, 1_000 * 2 ** (inst.crashes.length - 1));
      output(inst.name, `exited (${signal ?? `code ${code}`}); restarting in ${delay} ms`);
      setTimeout(() => !inst.stopping && launch(inst, onReady), delay);
    });
  };

  const stop = async () => {
    await Promise.all(
      instances.map(
        (inst) =>
          new Promise<void>((resolve) => {
            inst.stopping = true;
            const child = inst.child;
            if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
            const kill = setTimeout(() => child.kill('SIGKILL'), 35_000);
            child.once('exit', () => (clearTimeout(kill), resolve()));
            child.kill('SIGTERM');
          }),
      ),
    );
  };

  try {
    await new Promise<void>((resolve, reject) => {
      failure = reject;
      const timer = setTimeout(() => {
        const waiting = instances.filter((i) => !ready.has(i.name)).map((i) => i.name);
        reject(
          new Error(`not ready after ${(opts.readyTimeoutMs ?? 120_000) / 1000}s: ${waiting.join(', ')}`),
        );
      }, opts.readyTimeoutMs ?? 120_000);
      const check = () => {
        if (ready.size === instances.length) {
          clearTimeout(timer);
          resolve();
        }
      };
      for (const inst of instances) launch(inst, check);
      check();
    });
  } catch (err) {
    await stop();
    throw err;
  }
  failure = (err) => output('launcher', `ERROR ${err.message}`);
  return { ready, stop };
}

/** Instance name → pid, from the ready messages. */
export function appPids(app: StartedApp): Map<string, number> {
  return new Map([...app.ready].map(([name, msg]) => [name, Number(msg.pid)]));
}

/** Instance name → its /metrics URL, from the ready messages. */
export function metricsUrls(app: StartedApp): Record<string, string> {
  return Object.fromEntries(
    [...app.ready].flatMap(([name, msg]) => (typeof msg.metrics === 'string' ? [[name, msg.metrics]] : [])),
  );
}

/** Where `npm start` records the pid of each process it runs, for tools that measure them (npm run bench). */
export function appPidFile(config: StackConfig): string {
  return path.join(stackPaths(config).run, 'app-pids.json');
}

/** The configured Mongo URL, pointing at database `name` instead. */
export function databaseUrl(config: Config, name: string): string {
  return config.mongo.url.replace(/\/([^/?]*)(\?|$)/, `/${name}$2`);
}

export interface IsolatedApp extends StartedApp {
  api: string;
  notifications: string;
  analytics: string;
  /** Each process instance's /metrics URL, by instance name ("worker-orders#2"). */
  metrics: Record<string, string>;
  mongoUrl: string;
  groups: { bridge: string; notifications: string; analytics: string };
  /** Stops the processes, then drops the database and deletes the consumer groups. */
  stopAndClean(): Promise<void>;
}

/**
 * Every process of the system on ports, a database and consumer groups of its own, for a test run or a benchmark:
 * a user's own groups (and figures) are left alone, and what earlier runs left on the topics is skipped (the groups
 * start at the end; their orders live in other databases).
 */
export async function startIsolatedApp(
  config: StackConfig,
  run: string,
  opts: Pick<StartOptions, 'env' | 'nodeArgs' | 'output'> = {},
): Promise<IsolatedApp> {
  const [apiPort, notificationsPort, analyticsPort] = [await freePort(), await freePort(), await freePort()];
  const metricsPorts: NodeJS.ProcessEnv = {};
  for (const { metricsPortVariable } of appProcesses(config)) {
    if (metricsPortVariable) metricsPorts[metricsPortVariable] = String(await freePort());
  }
  const mongoUrl = databaseUrl(config, run.replace(/-/g, '_'));
  const groups = {
    bridge: `${run}-bridge`,
    notifications: `${run}-notifications`,
    analytics: `${run}-analytics`,
  };
  const app = await startApp(appProcesses(config), {
    env: {
      API_PORT: String(apiPort),
      NOTIFICATIONS_PORT: String(notificationsPort),
      ANALYTICS_PORT: String(analyticsPort),
      ...metricsPorts,
      BRIDGE_GROUP_ID: groups.bridge,
      BRIDGE_NEW_GROUP_FROM: 'end',
      NOTIFICATIONS_GROUP_ID: groups.notifications,
      ANALYTICS_GROUP_ID: groups.analytics,
      CONSUMER_NEW_GROUP_FROM: 'end',
      MONGO_URL: mongoUrl,
      ...opts.env,
    },
    nodeArgs: opts.nodeArgs,
    output: opts.output,
  });
  return {
    ...app,
    api: `http://127.0.0.1:${apiPort}`,
    notifications: `http://127.0.0.1:${notificationsPort}`,
    analytics: `http://127.0.0.1:${analyticsPort}`,
    metrics: metricsUrls(app),
    mongoUrl,
    groups,
    async stopAndClean() {
      await app.stop();
      const db = await connectMongo({ ...config.mongo, url: mongoUrl });
      await db.dropDatabase();
      await db.close();
      const admin = createKafka(config.kafka).admin();
      await admin.connect();
      await admin.deleteGroups(Object.values(groups)).catch(() => undefined);
      await admin.disconnect();
    },
  };
}
