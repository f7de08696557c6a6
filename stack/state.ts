import fs from 'node:fs';

/** What a running supervisor records about itself and the server it runs. */
export interface SupervisorState {
  name: string;
  supervisorPid: number;
  /** The server process (leader of its own process group); absent between a crash and its restart. */
  childPid?: number;
  command: string[];
  startedAt: string;
  restarts: number;
  /** Set when the supervisor gave up restarting a server that keeps crashing. */
  failed?: string;
}

export function readState(file: string): SupervisorState | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as SupervisorState;
  } catch {
    return undefined;
  }
}

export function writeState(file: string, state: SupervisorState): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 2));
  fs.renameSync(tmp, file);
}

export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Signals a whole process group (negative pid), falling back to the single process. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}
