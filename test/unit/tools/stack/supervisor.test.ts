import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadStackConfig } from '../../../../tools/stack/config';
import { launch, stopServer } from '../../../../tools/stack/control';
import { stackPaths } from '../../../../tools/stack/paths';
import type { ServerSpec } from '../../../../tools/stack/servers/types';
import { isAlive, readState } from '../../../../tools/stack/state';

jest.setTimeout(30_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually<T>(fn: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ;) {
    const value = fn();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}

describe('stack supervisor (real processes, no servers)', () => {
  let dir: string;
  let paths: ReturnType<typeof stackPaths>;
  // Only the name matters to the supervisor; it is told what to run.
  const server = { name: 'kafka' } as ServerSpec;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-supervisor-'));
    paths = stackPaths(loadStackConfig({ STACK_DIR: dir }));
  });

  afterEach(async () => {
    await stopServer(paths, server, 5_000);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('restarts a server that dies, and logs why', async () => {
    const runs = path.join(dir, 'runs.txt');
    const script = `require('fs').appendFileSync(${JSON.stringify(runs)}, 'run\\n'); setTimeout(() => process.exit(3), 100);`;
    launch(paths, server, { cmd: process.execPath, args: ['-e', script] });

    await eventually(() => fs.existsSync(runs) && fs.readFileSync(runs, 'utf8').split('\n').length > 2);
    const state = await eventually(() => {
      const s = readState(paths.state('kafka'));
      return s && s.restarts >= 1 ? s : undefined;
    });
    expect(isAlive(state.supervisorPid)).toBe(true);
    expect(fs.readFileSync(paths.log('kafka'), 'utf8')).toMatch(/exited unexpectedly \(exit 3\); restarting/);
  });

  it('stops the server and everything it forked, leaving no process and no state behind', async () => {
    const pidFile = path.join(dir, 'grandchild.pid');
    const script = `
      const { spawn } = require('child_process');
      const g = spawn('sleep', ['300'], { stdio: 'ignore' });
      require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(g.pid));
      setInterval(() => {}, 1000);`;
    const supervisorPid = launch(paths, server, { cmd: process.execPath, args: ['-e', script] });
    const grandchild = await eventually(() =>
      fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8')) : undefined,
    );
    const child = await eventually(() => readState(paths.state('kafka'))?.childPid);
    expect([supervisorPid, child, grandchild].every(isAlive)).toBe(true);

    expect(await stopServer(paths, server, 10_000)).toBe('stopped');

    await eventually(() => ![supervisorPid, child, grandchild].some(isAlive), 5_000);
    expect(fs.existsSync(paths.state('kafka'))).toBe(false);
    expect(fs.readFileSync(paths.log('kafka'), 'utf8')).toMatch(/received SIGTERM, stopping/);
  });

  it('asks a server to stop with the signal it names (PostgreSQL: SIGINT, its fast shutdown)', async () => {
    const ready = path.join(dir, 'ready');
    // Deaf to SIGTERM, like PostgreSQL waiting for its clients: only the named signal ends it in time.
    const script = `
      process.on('SIGTERM', () => {});
      process.on('SIGINT', () => process.exit(0));
      require('fs').writeFileSync(${JSON.stringify(ready)}, '');
      setInterval(() => {}, 1000);`;
    launch(paths, server, { cmd: process.execPath, args: ['-e', script], stopSignal: 'SIGINT' });
    await eventually(() => fs.existsSync(ready));

    const t0 = Date.now();
    expect(await stopServer(paths, server, 10_000)).toBe('stopped');
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(fs.readFileSync(paths.log('kafka'), 'utf8')).toMatch(/stopped \(exit 0\)/);
  });
});
