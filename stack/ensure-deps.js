// Installs the npm dependencies when they are missing or older than package-lock.json, so `npm start` and
// `npm test` work straight from a fresh clone. Plain Node: it runs before anything is installed.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const lock = path.join(root, 'package-lock.json');
const installed = path.join(root, 'node_modules', '.package-lock.json');

const stale = !fs.existsSync(installed) || fs.statSync(installed).mtimeMs < fs.statSync(lock).mtimeMs;
if (stale) {
  console.log('installing npm dependencies…');
  const started = Date.now();
  // `npm install` follows package-lock.json just as `npm ci` does. `npm ci` itself is not used: it insists that the
  // lock list every platform's optional binaries (swc, esbuild, ...), which a registry mirror serving only this
  // platform's cannot provide, and it then refuses to install at all.
  const result = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('npm install failed; see the output above');
    process.exit(result.status ?? 1);
  }
  console.log(`npm dependencies installed in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}
