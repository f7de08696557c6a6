// Installs the npm dependencies when they are missing or older than package-lock.json, so `npm start` and
// `npm test` work straight from a fresh clone. Plain Node: it runs before anything is installed.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const lock = path.join(root, 'package-lock.json');
const installed = path.join(root, 'node_modules', '.package-lock.json');

const stale = !fs.existsSync(installed) || fs.statSync(installed).mtimeMs < fs.statSync(lock).mtimeMs;
if (stale) {
  console.log('installing npm dependencies (npm ci)…');
  const started = Date.now();
  const seconds = () => `${Math.round((Date.now() - started) / 1000)} s`;
  // A first install takes half a minute or more: say now and then that it is still at work.
  const progress = setInterval(() => console.log(`  … installing npm dependencies: ${seconds()}`), 10_000);
  // `npm ci` installs exactly what package-lock.json lists and never rewrites it, so a fresh clone stays clean.
  // The lock lists every platform's optional native binaries (swc, esbuild, ...), as `npm install` records them.
  const child = spawn('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  child.on('exit', (code) => {
    clearInterval(progress);
    if (code !== 0) {
      console.error('npm ci failed; see the output above');
      process.exit(code ?? 1);
    }
    console.log(`npm dependencies installed in ${seconds()}`);
  });
}
