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

/** Runs a command to completion, capturing its output; throws with the output's tail on failure. */
export function run(
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
