/**
 * npm run bench:backends [-- <bench arguments>] — the same bench on FerretDB over SQLite and over PostgreSQL, one
 * after the other, each on a private stack of its own (`stack exec --own`, with STACK_MONGO_BACKEND set), and one
 * report with the two side by side (backends-report.ts) in tools/bench/results/<timestamp>-backends.{md,json}.
 *
 *   npm run bench:backends                                       a ramp: --ramp --rates 5,10,15,20,25,30 --step 20 --no-api
 *   npm run bench:backends -- --rate 3 --duration 10 --no-api    any bench arguments, given to both runs
 *   --out <dir>                                                  where the combined result goes
 *
 * Each run writes its own result into a temporary folder, read back and deleted; its CPU profiles (--cpu-prof), if
 * any, move to <out>/profiles/ as the bench's own would.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backendsMarkdown, combine, type BackendRun } from './backends-report';
import type { BenchResult } from './report';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
export const DEFAULT_BENCH_ARGS = ['--ramp', '--rates', '5,10,15,20,25,30', '--step', '20', '--no-api'];
export const BACKENDS = [
  { backend: 'sqlite', label: 'FerretDB on SQLite' },
  { backend: 'postgresql', label: 'FerretDB on PostgreSQL' },
] as const;

class UsageError extends Error {}

/** The bench's arguments, and where the combined result goes (--out, which each run gets a folder of its own for). */
export function backendsOptions(argv: string[]): { benchArgs: string[]; out: string } {
  let out = path.join(__dirname, 'results');
  const benchArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--out' || arg.startsWith('--out=')) {
      const value = arg === '--out' ? argv[++i] : arg.slice('--out='.length);
      if (!value) throw new UsageError('--out: expected a folder');
      out = path.resolve(value);
    } else benchArgs.push(arg);
  }
  return { benchArgs: benchArgs.length ? benchArgs : DEFAULT_BENCH_ARGS, out };
}

function runCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', () => resolve(127));
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

/** One bench on a private stack whose FerretDB keeps its documents in `backend`. */
async function benchOn(
  { backend, label }: (typeof BACKENDS)[number],
  benchArgs: string[],
  out: string,
): Promise<BackendRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${backend}-`));
  try {
    console.log(`\n=== ${label}: bench ${benchArgs.join(' ')}\n`);
    const code = await runCommand(
      TSX,
      ['tools/stack/cli.ts', 'exec', '--own', '--', TSX, 'tools/bench/cli.ts', ...benchArgs, '--out', dir],
      { ...process.env, STACK_MONGO_BACKEND: backend },
    );
    const json = fs.readdirSync(dir).find((f) => f.endsWith('.json'));
    if (fs.existsSync(path.join(dir, 'profiles')))
      fs.cpSync(path.join(dir, 'profiles'), path.join(out, 'profiles'), { recursive: true });
    if (!json) return { backend, label, error: `the bench exited with ${code} and wrote no result` };
    const result = JSON.parse(fs.readFileSync(path.join(dir, json), 'utf8')) as BenchResult;
    return { backend, label, result, ...(code === 0 ? {} : { error: `the bench exited with ${code}` }) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<number> {
  const { benchArgs, out } = backendsOptions(argv);
  if (process.env.MONGO_URL)
    throw new UsageError(
      'MONGO_URL names a database of its own: each run would use it rather than a FerretDB of its backend; unset it',
    );
  const startedAt = new Date().toISOString();
  const runs: BackendRun[] = [];
  for (const backend of BACKENDS) runs.push(await benchOn(backend, benchArgs, out));
  if (!runs.some((r) => r.result)) {
    console.error('bench:backends: neither run produced a result');
    return 1;
  }
  const combined = combine(runs, {
    startedAt,
    command: `npm run bench:backends -- ${argv.join(' ')}`.trim(),
    benchArgs,
  });
  fs.mkdirSync(out, { recursive: true });
  const base = path.join(out, `${startedAt.replace(/[:.]/g, '-')}-backends`);
  fs.writeFileSync(`${base}.json`, JSON.stringify(combined, null, 2) + '\n');
  const markdown = backendsMarkdown(combined);
  fs.writeFileSync(`${base}.md`, markdown);
  console.log(`\n${markdown}\nwritten: ${base}.json\n         ${base}.md`);
  return runs.every((r) => r.result && !r.error) ? 0 : 1;
}

if (require.main === module)
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(err instanceof UsageError ? err.message : (err.stack ?? err.message));
      process.exit(err instanceof UsageError ? 2 : 1);
    },
  );
