import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { run } from './exec';
import { PREREQS, requirePrereq } from './prereqs';

/** A short hash of a Go module's sources (go.mod, go.sum, every .go file): a build is keyed by what it was built from. */
export function goModuleHash(dir: string): string {
  const hash = crypto.createHash('sha256');
  const files = fs
    .readdirSync(dir)
    .filter((f) => f === 'go.mod' || f === 'go.sum' || f.endsWith('.go'))
    .sort();
  for (const f of files) hash.update(f).update(fs.readFileSync(path.join(dir, f)));
  return hash.digest('hex').slice(0, 12);
}

/**
 * Builds the Go module in `dir` into `output`, atomically (a half-written binary never has the final name).
 * The pinned go.sum is the source of truth: never upgrade modules or fetch another toolchain behind the user's back.
 */
export async function buildGoModule(dir: string, output: string, what: string): Promise<void> {
  requirePrereq(PREREQS.go);
  fs.mkdirSync(path.dirname(output), { recursive: true });
  const tmp = `${output}.tmp`;
  await run('go', ['build', '-trimpath', '-o', tmp, '.'], {
    cwd: dir,
    env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly', CGO_ENABLED: '0' },
    what,
  });
  fs.renameSync(tmp, output);
}
