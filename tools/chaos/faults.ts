import { setTimeout as sleep } from 'node:timers/promises';
import { appPids, type StartedApp } from '../stack/app';
import { down, up } from '../stack/commands';
import type { StackConfig } from '../stack/config';
import { waitReady } from '../stack/control';
import { stackPaths, type ServerName } from '../stack/paths';
import { stackServers } from '../stack/servers';
import { isAlive, readState, signalGroup } from '../stack/state';

export type FaultKind = 'kill -9' | 'kill -STOP' | 'outage';

export interface Fault {
  kind: FaultKind;
  /** An app process (`api`, `worker-payments`, ...) or a server (`kafka`, `temporal`, `mongo`). */
  target: string;
}

export const faultName = (f: Fault) => `${f.kind} ${f.target}`;

export interface Injection {
  fault: string;
  /** When the fault began. */
  at: number;
  /** When it ended: the process restarted and ready again, resumed, or the server back and answering. */
  over?: number;
  /** Why it was not injected (a server this run did not start is not ours to break). */
  skipped?: string;
  error?: string;
}

export interface FaultTimings {
  /** How long a worker stays paused: past the activities' start-to-close timeouts, so their work is retried. */
  pauseMs: number;
  /** How long a server stays down. */
  outageMs: number;
}

export const SERVERS: readonly ServerName[] = ['kafka', 'temporal', 'mongo'];
const isServer = (target: string): target is ServerName => (SERVERS as readonly string[]).includes(target);

/**
 * Breaks one component of the running system at a time, and says when it is whole again. Only what this run started
 * is touched: app processes of its own, and servers its stack brought up.
 */
export class FaultInjector {
  constructor(
    private readonly config: StackConfig,
    private readonly app: StartedApp,
    private readonly ownServers: ReadonlySet<ServerName>,
    private readonly timings: FaultTimings,
    private readonly log: (line: string) => void,
  ) {}

  async inject(fault: Fault): Promise<Injection> {
    const injection: Injection = { fault: faultName(fault), at: Date.now() };
    if (isServer(fault.target) && !this.ownServers.has(fault.target)) {
      injection.skipped = `${fault.target} was running before this run: not ours to break`;
      this.log(`skipped ${injection.fault}: ${injection.skipped}`);
      return injection;
    }
    this.log(`injecting ${injection.fault}`);
    try {
      if (isServer(fault.target)) await this.breakServer(fault.kind, fault.target);
      else await this.breakProcess(fault.kind, fault.target);
      injection.over = Date.now();
      this.log(
        `${injection.fault}: whole again after ${((injection.over - injection.at) / 1000).toFixed(1)} s`,
      );
    } catch (err) {
      injection.error = (err as Error).message;
      this.log(`${injection.fault} failed: ${injection.error}`);
    }
    return injection;
  }

  private pidOf(name: string): number {
    const pid = appPids(this.app).get(name);
    if (!pid || !isAlive(pid)) throw new Error(`no running process ${name}`);
    return pid;
  }

  private async breakProcess(kind: FaultKind, name: string): Promise<void> {
    const pid = this.pidOf(name);
    if (kind === 'kill -STOP') {
      process.kill(pid, 'SIGSTOP');
      await sleep(this.timings.pauseMs);
      process.kill(pid, 'SIGCONT');
      return;
    }
    if (kind !== 'kill -9') throw new Error(`${kind} is a fault of servers, not of ${name}`);
    process.kill(pid, 'SIGKILL');
    // The launcher restarts it; it is whole again once the new process said it is ready.
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(200)) {
      const now = appPids(this.app).get(name);
      if (now && now !== pid && isAlive(now)) return;
    }
    throw new Error(`${name} was not restarted within 120 s`);
  }

  private async breakServer(kind: FaultKind, name: ServerName): Promise<void> {
    const server = stackServers(this.config)[name];
    const paths = stackPaths(this.config);
    if (kind === 'kill -9') {
      const state = readState(paths.state(name));
      if (!state?.childPid) throw new Error(`${name} has no running server process`);
      signalGroup(state.childPid, 'SIGKILL');
      // Its supervisor restarts it.
      await sleep(500);
      const outcome = await waitReady(paths, server, this.config.stack.readyTimeoutMs, state.supervisorPid);
      if (!outcome.ok) throw new Error(`${name} did not come back: ${outcome.error}`);
      return;
    }
    if (kind !== 'outage') throw new Error(`${kind} is a fault of app processes, not of ${name}`);
    if (!(await down(this.config, [server]))) throw new Error(`${name} did not stop`);
    await sleep(this.timings.outageMs);
    const [result] = await up(this.config, [server]);
    if (!result?.ok) throw new Error(`${name} did not start again`);
  }
}
