import fs from 'node:fs';
import path from 'node:path';
import { run } from '../stack/exec';
import type { StackPaths } from '../stack/paths';
import { PREREQS, requirePrereq } from '../stack/prereqs';

/** The schemathesis release the fuzz run uses, from PyPI, in a virtualenv of its own under the stack folder. */
export const SCHEMATHESIS_VERSION = '4.32.5';

/** The `st` executable, installed first when missing. */
export async function ensureSchemathesis(paths: StackPaths): Promise<string> {
  const home = path.join(paths.install, `schemathesis-${SCHEMATHESIS_VERSION}`);
  const st = path.join(home, 'bin', 'st');
  if (fs.existsSync(st)) return st;
  requirePrereq(PREREQS.pip);
  fs.rmSync(home, { recursive: true, force: true });
  await run('python3', ['-m', 'venv', home], { what: 'creating a virtualenv for schemathesis' });
  await run(
    path.join(home, 'bin', 'pip'),
    ['install', '--disable-pip-version-check', '--quiet', `schemathesis==${SCHEMATHESIS_VERSION}`],
    { what: `installing schemathesis ${SCHEMATHESIS_VERSION} from PyPI` },
  );
  return st;
}
