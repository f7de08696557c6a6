import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { connectMongo, mongoServerInfo } from '../../common/mongo';
import { run } from '../exec';
import { PREREQS, requirePrereq } from '../prereqs';
import { ferretdbVersion } from '../versions';
import type { ServerContext, ServerSpec } from './types';

const LAUNCHER_SRC = path.join(__dirname, '..', 'ferretdb');

/** The launcher binary is keyed by its sources, so editing main.go or go.mod rebuilds it. */
function sourceHash(): string {
  const hash = crypto.createHash('sha256');
  for (const f of ['go.mod', 'go.sum', 'main.go']) hash.update(fs.readFileSync(path.join(LAUNCHER_SRC, f)));
  return hash.digest('hex').slice(0, 12);
}

export function mongoServer({ config, paths }: ServerContext): ServerSpec {
  const { ports } = config.stack;
  const version = ferretdbVersion();
  const home = path.join(paths.install, `ferretdb-${version}-${sourceHash()}`);
  const binary = path.join(home, 'ferretdb');

  return {
    name: 'mongo',
    label: 'FerretDB (MongoDB wire, SQLite)',
    address: config.mongo.external
      ? config.mongo.url.replace(/\/\/[^@/]*@/, '//***@')
      : `127.0.0.1:${ports.mongo}`,
    external: config.mongo.external,
    ports: [ports.mongo],

    isInstalled: () => fs.existsSync(binary),

    async install() {
      requirePrereq(PREREQS.go);
      fs.mkdirSync(home, { recursive: true });
      const tmp = `${binary}.tmp`;
      await run('go', ['build', '-trimpath', '-o', tmp, '.'], {
        cwd: LAUNCHER_SRC,
        // The pinned go.sum is the source of truth; never upgrade or fetch another toolchain behind the user's back.
        env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly', CGO_ENABLED: '0' },
        what: `building FerretDB ${version} (Go modules from the module proxy)`,
      });
      fs.renameSync(tmp, binary);
      // Builds of earlier launcher sources are dead weight now.
      for (const old of fs.readdirSync(paths.install)) {
        if (old.startsWith('ferretdb-') && path.join(paths.install, old) !== home) {
          fs.rmSync(path.join(paths.install, old), { recursive: true, force: true });
        }
      }
    },

    async prepare() {
      const dataDir = paths.data('mongo');
      fs.mkdirSync(dataDir, { recursive: true });
      return {
        cmd: binary,
        args: ['-listen', `127.0.0.1:${ports.mongo}`, '-dir', dataDir, '-log-level', 'error'],
      };
    },

    async probe(timeoutMs) {
      const connection = await connectMongo(config.mongo, { serverSelectionTimeoutMS: timeoutMs });
      try {
        const info = await mongoServerInfo(connection);
        return {
          version: info.ferretdbVersion
            ? `FerretDB ${info.ferretdbVersion === 'unknown' ? version : info.ferretdbVersion} (MongoDB ${info.version} wire)`
            : `MongoDB ${info.version}`,
        };
      } finally {
        await connection.close();
      }
    },
  };
}
