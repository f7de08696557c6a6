import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs the stack CLI as a user would (`npm run stack:<cmd> -- <args>`), returning exit code and output. */
export function stackCli(...args: string[]): { code: number; output: string } {
  return stackCliWith({}, ...args);
}

/** The stack CLI with variables added to the environment. */
export function stackCliWith(env: NodeJS.ProcessEnv, ...args: string[]): { code: number; output: string } {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'tools', 'stack', 'cli.ts'), ...args],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 240_000,
      env: { ...process.env, ...env },
    },
  );
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

export const REPO_ROOT = ROOT;
