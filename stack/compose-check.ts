/**
 * Validates docker-compose.yml with compose-go, the parser Docker Compose itself uses (schema, interpolation,
 * references), plus this project's rules: every published port on 127.0.0.1, every image tag pinned.
 * The validator is a small Go program (stack/compose-check), built once into .stack/.
 *
 *   npm run compose:check [-- file]
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../common/config';
import { run } from './exec';
import { stackPaths } from './paths';
import { PREREQS, requirePrereq } from './prereqs';

const SRC = path.join(__dirname, 'compose-check');

export async function composeCheckBinary(): Promise<string> {
  const hash = crypto.createHash('sha256');
  for (const f of ['go.mod', 'go.sum', 'main.go']) hash.update(fs.readFileSync(path.join(SRC, f)));
  const binary = path.join(
    stackPaths(loadConfig()).install,
    `compose-check-${hash.digest('hex').slice(0, 12)}`,
  );
  if (!fs.existsSync(binary)) {
    requirePrereq(PREREQS.go);
    fs.mkdirSync(path.dirname(binary), { recursive: true });
    await run('go', ['build', '-trimpath', '-o', `${binary}.tmp`, '.'], {
      cwd: SRC,
      env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly', CGO_ENABLED: '0' },
      what: 'building the compose validator',
    });
    fs.renameSync(`${binary}.tmp`, binary);
  }
  return binary;
}

if (require.main === module) {
  const file = process.argv[2] ?? path.join(__dirname, '..', 'docker-compose.yml');
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
