/**
 * Runs one server of the local stack in the background: starts it in its own process group with its output
 * appended to a log file, restarts it with backoff if it dies, and on SIGTERM stops it (SIGTERM, then SIGKILL
 * after a grace period) and exits. Started detached by `stack up`; stopped by `stack down`.
 *
 * argv: <name> <state file> <log file> <JSON [cmd, ...args]> [<JSON env>] [<stop signal>]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { signalGroup, writeState, type SupervisorState } from './state';

const STOP_GRACE_MS = 30_000;
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 120_000;

const [name, stateFile, logFile, commandJson, envJson, stopSignalArg] = process.argv.slice(2);
if (!name || !stateFile || !logFile || !commandJson) {
  console.error(
    'usage: supervisor <name> <state file> <log file> <JSON command> [<JSON env>] [<stop signal>]',
  );
  process.exit(2);
}
const command = JSON.parse(commandJson) as string[];
const extraEnv = envJson ? (JSON.parse(envJson) as Record<string, string>) : {};
const stopSignal = (stopSignalArg || 'SIGTERM') as NodeJS.Signals;
const logFd = fs.openSync(logFile, 'a');

function note(message: string): void {
  fs.writeSync(logFd, `[stack ${new Date().toISOString()}] ${name}: ${message}\n`);
}

const state: SupervisorState = {
  name,
  supervisorPid: process.pid,
  command,
  startedAt: new Date().toISOString(),
  restarts: 0,
};
let child: ChildProcess | undefined;
let stopping = false;
const recentCrashes: number[] = [];

function start(): void {
  note(`starting: ${command.join(' ')}`);
  child = spawn(command[0]!, command.slice(1), {
    detached: true, // own process group, so stopping it also stops anything it forked
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, ...extraEnv },
  });
  state.childPid = child.pid;
  writeState(stateFile!, state);
  child.on('error', (err) => note(`cannot start: ${err.message}`));
  child.on('exit', (code, signal) => {
    state.childPid = undefined;
    if (stopping) {
      note(`stopped (${signal ?? `exit ${code}`})`);
      finish(0);
      return;
    }
    const now = Date.now();
    recentCrashes.push(now);
    while (recentCrashes.length > 0 && recentCrashes[0]! < now - RESTART_WINDOW_MS) recentCrashes.shift();
    if (recentCrashes.length > MAX_RESTARTS) {
      state.failed = `exited ${recentCrashes.length} times within ${RESTART_WINDOW_MS / 1000}s (last: ${signal ?? `exit ${code}`})`;
      note(`giving up: ${state.failed}`);
      writeState(stateFile!, state);
      finish(1);
      return;
    }
    const delay = Math.min(30_000, 1_000 * 2 ** (recentCrashes.length - 1));
    state.restarts += 1;
    writeState(stateFile!, state);
    note(`exited unexpectedly (${signal ?? `exit ${code}`}); restarting in ${delay} ms`);
    setTimeout(() => {
      if (!stopping) start();
      else finish(0);
    }, delay);
  });
}

function finish(code: number): void {
  if (code === 0) fs.rmSync(stateFile!, { force: true });
  fs.closeSync(logFd);
  process.exit(code);
}

function stop(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  note(`received ${signal}, stopping`);
  if (!child || child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
    finish(0);
    return;
  }
  signalGroup(child.pid, stopSignal);
  setTimeout(() => {
    if (child?.pid !== undefined) {
      note(`still running after ${STOP_GRACE_MS} ms, killing`);
      signalGroup(child.pid, 'SIGKILL');
    }
  }, STOP_GRACE_MS).unref();
}

process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGHUP', () => undefined); // a closing terminal must not take the stack down
start();
