import fs from 'node:fs';
import path from 'node:path';
import { connectMongo, mongoServerInfo } from '../../../core/mongo/connection';
import { buildGoModule, goModuleHash } from '../go-build';
import { ferretdbVersion } from '../versions';
import { ferretdbPostgresUrl } from './postgres';
import type { ServerContext, ServerSpec } from './types';

const LAUNCHER_SRC = path.join(__dirname, '..', 'ferretdb');

export function mongoServer({ config, paths }: ServerContext): ServerSpec {
  const { ports } = config.stack;
  const version = ferretdbVersion();
  // Keyed by the launcher's sources, so editing them rebuilds it.
  const home = path.join(paths.install, `ferretdb-${version}-${goModuleHash(LAUNCHER_SRC)}`);
  const binary = path.join(home, 'ferretdb');
  const onPostgres = config.stack.mongoBackend === 'postgresql';

  return {
    name: 'mongo',
    label: `FerretDB (MongoDB wire, ${onPostgres ? 'PostgreSQL' : 'SQLite'})`,
    address: config.mongo.external
      ? config.mongo.url.replace(/\/\/[^@/]*@/, '//***@')
      : `127.0.0.1:${ports.mongo}`,
    external: config.mongo.external,
    ports: [ports.mongo, ports.mongoDebug],
    dependsOn: onPostgres ? ['postgres'] : [],

    isInstalled: () => fs.existsSync(binary),

    async install() {
      await buildGoModule(
        LAUNCHER_SRC,
        binary,
        `building FerretDB ${version} (Go modules from the module proxy)`,
      );
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
        args: [
          '-listen',
          `127.0.0.1:${ports.mongo}`,
          '-debug-listen',
          `127.0.0.1:${ports.mongoDebug}`,
          '-backend',
          config.stack.mongoBackend,
          ...(onPostgres ? ['-postgresql-url', ferretdbPostgresUrl(ports.postgres)] : ['-dir', dataDir]),
          '-log-level',
          'error',
        ],
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
