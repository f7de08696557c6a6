/**
 * Validates docker-compose.yml with compose-go, the parser Docker Compose itself uses (schema, interpolation,
 * references), plus this project's rules: every published port on 127.0.0.1, every image tag pinned.
 * The validator is a small Go program (stack/compose-check), built once into .stack/.
 *
 *   npm run compose:check [-- file]
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadStackConfig } from './config';
import { run } from './exec';
import { stackPaths } from './paths';
import { buildGoModule, goModuleHash } from './go-build';

const SRC = path.join(__dirname, 'compose-check');

export async function composeCheckBinary(): Promise<string> {
  const binary = path.join(stackPaths(loadStackConfig()).install, `compose-check-${goModuleHash(SRC)}`);
  if (!fs.existsSync(binary)) await buildGoModule(SRC, binary, 'building the compose validator');
  return binary;
}

if (require.main === module) {
  const file = process.argv[2] ?? path.join(__dirname, '..', '..', 'docker-compose.yml');
  composeCheckBinary()
    .then((binary) => run(binary, [file], { what: `validating ${file}` }))
    .then(
      (out) => process.stdout.write(out),
      (err: Error) => {
        console.error(err.message);
        process.exit(1);
      },
    );
}
