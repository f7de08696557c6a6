import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { withTimeout } from '../../core/timeout';
import type { StackPaths } from './paths';
import type { LaunchCommand, ProbeResult, ServerSpec } from './servers/types';
import { isAlive, readState, signalGroup, type SupervisorState } from './state';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function supervisorState(paths: StackPaths, server: ServerSpec): SupervisorState | undefined {
  const state = readState(paths.state(server.name));
  return state && isAlive(state.supervisorPid) ? state : undefined;
}

export { freePort } from '../../core/net/free-port';

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1_000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

export async function probeOnce(server: ServerSpec, timeoutMs = 3_000): Promise<ProbeResult | Error> {
  // The probe gets the timeout for its own connection; the race is the backstop should it ignore it.
  return withTimeout(server.probe(timeoutMs), timeoutMs + 500).catch((err: Error) => err);
}

/** Starts the server under a detached supervisor and returns the supervisor's pid. */
export function launch(paths: StackPaths, server: ServerSpec, command: LaunchCommand): number {
  fs.mkdirSync(paths.run, { recursive: true });
  fs.mkdirSync(paths.logs, { recursive: true });
  const supervisor = require.resolve('./supervisor');
  // From source the supervisor is TypeScript and needs tsx's loader; from dist it is plain JavaScript.
  const nodeArgs = supervisor.endsWith('.ts') ? ['--import', 'tsx'] : [];
  // The supervisor's own crash output (before it opens the log) lands in the log too.
  const logFd = fs.openSync(paths.log(server.name), 'a');
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      supervisor,
      server.name,
      paths.state(server.name),
      paths.log(server.name),
      JSON.stringify([command.cmd, ...command.args]),
      JSON.stringify(command.env ?? {}),
      command.stopSignal ?? 'SIGTERM',
    ],
    // cwd: the repository, where tsx resolves from.
    { detached: true, stdio: ['ignore', logFd, logFd], cwd: path.resolve(__dirname, '..', '..') },
  );
  fs.closeSync(logFd);
  child.unref();
  return child.pid!;
}

export interface WaitOutcome {
  ok: boolean;
  probe?: ProbeResult;
  error?: string;
  state?: SupervisorState;
}

/**
 * Polls until the server answers, or its supervisor (when given) exits or gives up, or the deadline passes.
 */
export async function waitReady(
  paths: StackPaths,
  server: ServerSpec,
  timeoutMs: number,
  supervisorPid?: number,
): Promise<WaitOutcome> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = readState(paths.state(server.name));
    if (state?.failed) return { ok: false, error: `its supervisor gave up: ${state.failed}`, state };
    if (supervisorPid !== undefined && !isAlive(supervisorPid)) {
      return { ok: false, error: 'its supervisor exited', state };
    }
    const result = await probeOnce(server, 2_000);
    if (!(result instanceof Error)) return { ok: true, probe: result, state };
    if (Date.now() > deadline) {
      return { ok: false, error: `not ready after ${timeoutMs / 1000}s: ${result.message}`, state };
    }
    await sleep(250);
  }
}

/** SIGTERM to the supervisor (which stops its server), then waits; SIGKILL whatever is left after the grace. */
export async function stopServer(
  paths: StackPaths,
  server: ServerSpec,
  graceMs = 45_000,
): Promise<'stopped' | 'not running'> {
  const state = readState(paths.state(server.name));
  if (!state) return 'not running';
  const pids = [state.supervisorPid, state.childPid].filter((p): p is number => p !== undefined);
  if (!pids.some(isAlive)) {
    fs.rmSync(paths.state(server.name), { force: true });
    return 'not running';
  }
  if (isAlive(state.supervisorPid)) process.kill(state.supervisorPid, 'SIGTERM');
  else if (state.childPid) signalGroup(state.childPid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(100);
  if (pids.some(isAlive)) {
    for (const pid of pids) signalGroup(pid, 'SIGKILL');
    while (pids.some(isAlive)) await sleep(100);
  }
  fs.rmSync(paths.state(server.name), { force: true });
  return 'stopped';
}

export function logTail(paths: StackPaths, server: ServerSpec, lines: number): string {
  try {
    return fs.readFileSync(paths.log(server.name), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log yet)';
  }
}
