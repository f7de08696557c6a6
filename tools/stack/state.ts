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

/**
 * A per-server lock so that concurrent `stack` commands (two test runs, a test and a user) never launch or stop the
 * same server twice at once. Held by pid; a lock whose holder died is taken over.
 */
export async function withLock<T>(file: string, fn: () => Promise<T>, timeoutMs = 300_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // EEXIST: someone holds it (or held it and died).
      const holder = Number(fs.readFileSync(file, 'utf8') || 0);
      if (!isAlive(holder)) {
        fs.rmSync(file, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`${file} is held by pid ${holder}`, { cause: err });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(file, { force: true });
  }
}
