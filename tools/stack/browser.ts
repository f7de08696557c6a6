import fs from 'node:fs';
import { run } from './exec';

/**
 * The browser the browser tests drive: Debian's Chromium, installed with apt-get when missing (no browser download
 * from elsewhere). CHROMIUM_PATH points at another Chromium or Chrome.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export class BrowserUnavailable extends Error {
  constructor(problem: string) {
    super(
      `Chromium is needed for the browser tests and ${problem}; install it with: ` +
        `apt-get update && apt-get install -y chromium (or set CHROMIUM_PATH)`,
    );
    this.name = 'BrowserUnavailable';
  }
}

/** How apt-get can be run here: directly as root, through password-less sudo, or not at all. */
function aptRunner(): { cmd: string; prefix: string[] } | undefined {
  if (!fs.existsSync('/usr/bin/apt-get')) return undefined;
  if (process.getuid?.() === 0) return { cmd: '/usr/bin/apt-get', prefix: [] };
  if (fs.existsSync('/usr/bin/sudo')) return { cmd: '/usr/bin/sudo', prefix: ['-n', '/usr/bin/apt-get'] };
  return undefined;
}

let installing: Promise<string> | undefined;

/** The Chromium executable, installed from Debian's packages first when it is missing. */
export function ensureChromium(): Promise<string> {
  installing ??= (async () => {
    if (fs.existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
    if (process.env.CHROMIUM_PATH)
      throw new BrowserUnavailable(`CHROMIUM_PATH (${CHROMIUM_PATH}) does not exist`);
    const apt = aptRunner();
    if (!apt) throw new BrowserUnavailable('apt-get cannot be run here as root');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    console.log('installing Chromium from Debian packages (apt-get install chromium)…');
    await run(apt.cmd, [...apt.prefix, 'update', '-q'], { env, what: 'apt-get update' });
    await run(apt.cmd, [...apt.prefix, 'install', '-y', '-q', '--no-install-recommends', 'chromium'], {
      env,
      what: 'installing chromium',
    });
    if (!fs.existsSync(CHROMIUM_PATH))
      throw new BrowserUnavailable(`apt-get did not install ${CHROMIUM_PATH}`);
    return CHROMIUM_PATH;
  })();
  return installing;
}

/**
 * Flags for a headless Chromium on a machine with a closed network: no GPU, no sandbox when root (Chromium refuses
 * to start otherwise), and none of its background calls home, which this network refuses many at a time.
 */
export function chromiumArgs(): string[] {
  return [
    '--headless=new',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
    ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
  ];
}
