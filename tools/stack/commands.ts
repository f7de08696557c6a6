/** The stack commands, callable from other scripts (npm start, tests) as well as from the CLI. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { StackConfig } from './config';
import { inDependencyOrder } from './dependencies';
import { launch, logTail, portInUse, probeOnce, stopServer, supervisorState, waitReady } from './control';
import { SERVER_NAMES, stackPaths, type ServerName, type StackPaths } from './paths';
import { stackServers } from './servers';
import type { ServerSpec } from './servers/types';
import { isAlive, withLock } from './state';

export class UsageError extends Error {}

const ALIASES: Record<string, ServerName> = { ferretdb: 'mongo', mongodb: 'mongo' };

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export function selectServers(all: Record<ServerName, ServerSpec>, names: string[]): ServerSpec[] {
  if (names.length === 0) return SERVER_NAMES.map((n) => all[n]).filter((s) => !s.unused);
  return names.map((raw) => {
    const name = (ALIASES[raw] ?? raw) as ServerName;
    if (!SERVER_NAMES.includes(name)) {
      throw new UsageError(`unknown server "${raw}": expected one of ${SERVER_NAMES.join(', ')}`);
    }
    return all[name];
  });
}

function line(
  server: ServerSpec,
  cols: { status: string; version?: string; pid?: string; time?: string },
): string {
  return [
    server.name.padEnd(9),
    cols.status.padEnd(9),
    (cols.version ?? '').padEnd(36),
    server.address.padEnd(22),
    (cols.pid ?? '').padEnd(11),
    cols.time ?? '',
    server.extra ? ` ${server.extra}` : '',
  ]
    .join(' ')
    .trimEnd();
}

/** Serialises stack commands on one server across processes (see withLock). */
function locked<T>(paths: StackPaths, server: ServerSpec, fn: () => Promise<T>): Promise<T> {
  if (server.external) return fn();
  fs.mkdirSync(paths.run, { recursive: true });
  return withLock(paths.lock(server.name), fn);
}

interface UpResult {
  server: ServerSpec;
  ok: boolean;
  started: boolean;
}

async function upOne(config: StackConfig, paths: StackPaths, server: ServerSpec): Promise<UpResult> {
  const t0 = Date.now();
  const fail = (message: string, withLog = true): UpResult => {
    console.error(line(server, { status: 'FAILED', time: message }));
    if (withLog)
      console.error(`--- last lines of ${paths.log(server.name)} ---\n${logTail(paths, server, 25)}\n---`);
    return { server, ok: false, started: false };
  };

  if (server.external) {
    const outcome = await waitReady(paths, server, 30_000);
    if (!outcome.ok) return fail(`external server not answering: ${outcome.error}`, false);
    console.log(
      line(server, {
        status: 'external',
        version: outcome.probe!.version,
        time: `answers (${seconds(Date.now() - t0)})`,
      }),
    );
    return { server, ok: true, started: false };
  }

  const running = supervisorState(paths, server);
  if (running) {
    const outcome = await waitReady(paths, server, config.stack.readyTimeoutMs, running.supervisorPid);
    if (!outcome.ok) return fail(outcome.error!);
    console.log(
      line(server, {
        status: 'running',
        version: outcome.probe!.version,
        pid: `pid ${outcome.state?.childPid ?? running.childPid}`,
        time: 'already running',
      }),
    );
    return { server, ok: true, started: false };
  }

  for (const port of server.ports) {
    if (await portInUse(port)) {
      return fail(
        `port 127.0.0.1:${port} is taken by a process this stack did not start; stop it, or point the environment at it (see docs/local-stack.md, "External servers")`,
        false,
      );
    }
  }

  if (!server.isInstalled()) {
    const ti = Date.now();
    console.log(`${server.name.padEnd(9)} installing ${server.label}…`);
    await server.install();
    console.log(`${server.name.padEnd(9)} installed in ${seconds(Date.now() - ti)}`);
  }

  const tStart = Date.now();
  const command = await server.prepare();
  const supervisorPid = launch(paths, server, command);
  const outcome = await waitReady(paths, server, config.stack.readyTimeoutMs, supervisorPid);
  if (!outcome.ok) {
    await stopServer(paths, server, 10_000);
    return fail(outcome.error!);
  }
  const state = supervisorState(paths, server);
  console.log(
    line(server, {
      status: 'started',
      version: outcome.probe!.version,
      pid: `pid ${state?.childPid ?? '?'}`,
      time: `ready in ${seconds(Date.now() - tStart)}`,
    }),
  );
  return { server, ok: true, started: true };
}

export async function up(config: StackConfig, servers: ServerSpec[]): Promise<UpResult[]> {
  const paths = stackPaths(config);
  const t0 = Date.now();
  const results = await inDependencyOrder(servers, 'start', (s, needed: UpResult[]) => {
    const fail = (message: string): UpResult => {
      console.error(line(s, { status: 'FAILED', time: message }));
      return { server: s, ok: false, started: false };
    };
    const missing = needed.filter((r) => !r.ok).map((r) => r.server.name);
    if (missing.length > 0) return Promise.resolve(fail(`needs ${missing.join(', ')}, which did not start`));
    return locked(paths, s, () => upOne(config, paths, s)).catch((err: Error) => fail(err.message));
  });
  for (const r of results.filter((r) => r.ok && r.server.provision)) {
    try {
      const created = await r.server.provision!();
      if (created.length > 0) console.log(`${r.server.name.padEnd(9)} provisioned ${created.join(', ')}`);
    } catch (err) {
      console.error(`${r.server.name.padEnd(9)} provisioning failed: ${(err as Error).message}`);
      r.ok = false;
    }
  }
  const ok = results.every((r) => r.ok);
  console.log(
    `stack ${ok ? 'ready' : 'NOT ready'} in ${seconds(Date.now() - t0)} (data and logs under ${paths.root})`,
  );
  return results;
}

export async function status(config: StackConfig, servers: ServerSpec[]): Promise<boolean> {
  const paths = stackPaths(config);
  const healthy = await Promise.all(
    servers.map(async (server) => {
      const state = server.external ? undefined : supervisorState(paths, server);
      if (!server.external && !state) {
        console.log(line(server, { status: 'down' }));
        return false;
      }
      const result = await probeOnce(server);
      const pid = state ? `pid ${state.childPid ?? '-'}` : undefined;
      const restarts = state && state.restarts > 0 ? ` (${state.restarts} restarts)` : '';
      if (result instanceof Error) {
        console.log(line(server, { status: 'unhealthy', pid, time: `${result.message}${restarts}` }));
        return false;
      }
      const since = state ? `up since ${state.startedAt}${restarts}` : 'answers';
      console.log(
        line(server, {
          status: server.external ? 'external' : 'up',
          version: result.version,
          pid,
          time: since,
        }),
      );
      return true;
    }),
  );
  return healthy.every(Boolean);
}

export async function down(config: StackConfig, servers: ServerSpec[]): Promise<boolean> {
  const paths = stackPaths(config);
  const results = await inDependencyOrder(servers, 'stop', async (server) => {
    if (server.external) {
      console.log(`${server.name.padEnd(9)} external (${server.address}), not managed by the stack`);
      return true;
    }
    const t0 = Date.now();
    const outcome = await locked(paths, server, () => stopServer(paths, server));
    const stillListening = (await Promise.all(server.ports.map(portInUse))).some(Boolean);
    console.log(
      `${server.name.padEnd(9)} ${outcome}${outcome === 'stopped' ? ` in ${seconds(Date.now() - t0)}` : ''}${
        stillListening ? ' — but something still listens on its port' : ''
      }`,
    );
    return !stillListening;
  });
  return results.every(Boolean);
}

export async function reset(config: StackConfig): Promise<void> {
  const paths = stackPaths(config);
  // A server this configuration leaves out still stops if it runs (PostgreSQL from an earlier backend's start):
  // it must not outlive its data.
  const all = stackServers(config);
  const running = (s: ServerSpec) => !s.unused || supervisorState(paths, s) !== undefined;
  await down(config, SERVER_NAMES.map((n) => all[n]).filter(running));
  fs.rmSync(paths.dataRoot, { recursive: true, force: true });
  fs.rmSync(paths.run, { recursive: true, force: true });
  console.log(`wiped ${paths.dataRoot}`);
}

export function logs(config: StackConfig, servers: ServerSpec[], lines: number): void {
  const paths = stackPaths(config);
  for (const server of servers) {
    console.log(`==> ${paths.log(server.name)} <==`);
    console.log(logTail(paths, server, lines));
  }
}

/**
 * Brings the whole stack up, runs `body` (told which servers this call started), then stops exactly those and fails
 * if any of their processes outlive the stop. Returns body's exit code (1 when the stack did not come up).
 */
export async function withStack(
  config: StackConfig,
  body: (started: ReadonlySet<ServerName>) => Promise<number>,
): Promise<number> {
  const results = await up(config, selectServers(stackServers(config), []));
  const started = results.filter((r) => r.started).map((r) => r.server);
  let code = 1;
  try {
    if (results.every((r) => r.ok)) code = await body(new Set(started.map((s) => s.name)));
  } finally {
    if (started.length > 0) {
      console.log(`stopping what this run started: ${started.map((s) => s.name).join(', ')}`);
      const paths = stackPaths(config);
      const statesBefore = started.map((s) => supervisorState(paths, s));
      const clean = await down(config, started);
      const leftovers = statesBefore
        .flatMap((s) => (s ? [s.supervisorPid, s.childPid] : []))
        .filter((pid): pid is number => pid !== undefined && isAlive(pid));
      if (!clean || leftovers.length > 0) {
        console.error(
          `stack processes left running after stop: ${leftovers.join(', ') || 'a port still in use'}`,
        );
        code = code || 1;
      }
    }
  }
  return code;
}

/** Names the servers the enclosing `stack exec` started, for a command that may break only those. */
export const OWNED_SERVERS_ENV = 'STACK_OWNED_SERVERS';

/** Runs a command with the stack up, then stops exactly the servers this call started. */
export async function exec(config: StackConfig, argv: string[]): Promise<number> {
  if (argv.length === 0) throw new UsageError('exec needs a command: stack exec -- <command...>');
  return withStack(
    config,
    (started) =>
      new Promise<number>((resolve) => {
        const child = spawn(argv[0]!, argv.slice(1), {
          stdio: 'inherit',
          shell: process.platform === 'win32',
          // The command may break what this run started (npm run chaos does), and nothing else.
          env: { ...process.env, [OWNED_SERVERS_ENV]: [...started].join(',') },
        });
        const forward = (sig: NodeJS.Signals) => child.kill(sig);
        process.on('SIGINT', forward);
        process.on('SIGTERM', forward);
        child.on('exit', (c, sig) => resolve(c ?? (sig ? 128 : 1)));
      }),
  );
}
