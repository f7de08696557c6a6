import fs from 'node:fs';
import path from 'node:path';

/** Pinned versions of the local servers. Changing one here makes `stack up` install it beside the old one. */
export const KAFKA_VERSION = '4.1.1';
export const KAFKA_SCALA_VERSION = '2.13';
export const LOG4J_VERSION = '2.24.3';

/** Must match stack/temporal/requirements.txt, which carries the hashes. */
export const TEMPORAL_CLI_VERSION = '1.9.1';

/** The FerretDB version the launcher module pins (stack/ferretdb/go.mod). */
export function ferretdbVersion(): string {
  const goMod = fs.readFileSync(path.join(__dirname, 'ferretdb', 'go.mod'), 'utf8');
  const match = /github\.com\/FerretDB\/FerretDB (v[\w.-]+)/.exec(goMod);
  if (!match) throw new Error('stack/ferretdb/go.mod does not require github.com/FerretDB/FerretDB');
  return match[1]!;
}
