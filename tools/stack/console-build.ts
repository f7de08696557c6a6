import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Builds the operator console (console/ → dist/console, served by the API at /console) with Vite: a couple of
 * seconds, so `npm start` and the browser tests build it every time rather than judge whether it is stale.
 */
export function buildConsole(): void {
  const vite = path.join(ROOT, 'node_modules', '.bin', 'vite');
  const result = spawnSync(vite, ['build', '--config', path.join(ROOT, 'console', 'vite.config.mts')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    throw new Error(`building the console failed (vite exited ${result.status ?? result.signal})`);
  }
}
