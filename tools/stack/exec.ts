import { spawn, spawnSync } from 'node:child_process';

export class CommandError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

/** A step that takes longer than this says, now and then, that it is still at work. */
export const PROGRESS_AFTER_MS = 5_000;
export const PROGRESS_EVERY_MS = 15_000;

/**
 * Calls `report` with the elapsed time once `work` has taken PROGRESS_AFTER_MS, then every PROGRESS_EVERY_MS, until
 * it settles: a first install compiles and downloads for minutes, and silence would look like a hang.
 */
export async function withProgress<T>(
  work: Promise<T>,
  report: (elapsedMs: number) => void,
  timing = { afterMs: PROGRESS_AFTER_MS, everyMs: PROGRESS_EVERY_MS },
): Promise<T> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const tick = (delay: number) => {
    timer = setTimeout(() => {
      report(Date.now() - started);
      tick(timing.everyMs);
    }, delay);
  };
  tick(timing.afterMs);
  try {
    return await work;
  } finally {
    clearTimeout(timer);
  }
}

/** "1 min 05 s" or "42 s". */
export function elapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/**
 * Runs a command to completion, capturing its output; throws with the output's tail on failure. One that takes
 * more than a few seconds prints "<what>… <elapsed>" now and then.
 */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; what: string },
): Promise<string> {
  return withProgress(runQuietly(cmd, args, opts), (ms) => console.log(`  … ${opts.what}: ${elapsed(ms)}`));
}

function runQuietly(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; what: string },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (err) =>
      reject(new CommandError(`${opts.what}: cannot run ${cmd}: ${err.message}`, output)),
    );
    child.on('close', (code, signal) => {
      if (code === 0) resolve(output);
      else {
        const tail = output.trim().split('\n').slice(-15).join('\n');
        reject(
          new CommandError(`${opts.what} failed (${cmd} exited with ${signal ?? code}):\n${tail}`, output),
        );
      }
    });
  });
}

/** Whether a command exists on PATH and answers `args` with exit code 0; returns its output. */
export function probeCommand(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const result = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000, env });
  if (result.error || result.status !== 0) return undefined;
  return `${result.stdout ?? ''}${result.stderr ?? ''}`;
}
