/**
 * runService in a real process (test/fixtures/fake-service.ts, its connections fakes): the order it opens and
 * closes things in, the exit code of each way a process ends, and the ready message the local launcher waits for.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

jest.setTimeout(30_000);

const FIXTURE = path.join(__dirname, '..', '..', 'fixtures', 'fake-service.ts');

interface Run {
  child: ChildProcess;
  /** The first IPC message, as the launcher (stack/app.ts) receives it. */
  message: Promise<Record<string, unknown>>;
  exit: Promise<number | null>;
  events(): string[];
  stderr(): string;
}

let dir: string;
const children: ChildProcess[] = [];
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'run-service-'))));
afterAll(() => {
  // A test that failed half-way leaves no process behind.
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts the fake service the way the launcher starts a process: tsx, an IPC channel, piped output. */
function run(fail?: string): Run {
  const eventsFile = path.join(dir, `events-${children.length}.txt`);
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    env: {
      ...process.env,
      FAKE_EVENTS: eventsFile,
      FAKE_FAIL: fail ?? '',
      LOG_LEVEL: 'warn',
      OTEL_TRACES_EXPORTER: 'none',
      METRICS_HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  children.push(child);
  let stderr = '';
  child.stdout!.resume();
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return {
    child,
    message: new Promise((resolve) =>
      child.once('message', (msg) => resolve(msg as Record<string, unknown>)),
    ),
    exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    events: () => (fs.existsSync(eventsFile) ? fs.readFileSync(eventsFile, 'utf8').trim().split('\n') : []),
    stderr: () => stderr,
  };
}

async function eventually(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition();) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('runService, a service that starts', () => {
  // One process for these cases, in order: it starts, is looked at, then stopped.
  let service: Run;
  let message: Record<string, unknown>;
  beforeAll(async () => {
    service = run();
    message = await service.message;
  });

  it('opens the connections in their declared order, then starts, then says it is ready over IPC', () => {
    expect(service.events()).toEqual(['open db', 'open queue', 'start with db-connection, queue-connection']);
    expect(message).toEqual({
      ready: true,
      name: 'fake',
      db: 'db-connection',
      metrics: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/),
    });
  });

  it('serves /healthz, the declared readiness at /readyz and a guarded /metrics on its metrics port', async () => {
    const metrics = String(message.metrics);
    const base = metrics.replace(/\/metrics$/, '');

    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      ok: true,
      checks: { db: { ok: true, required: true, detail: 'db-connection' } },
    });
    expect((await fetch(metrics)).status).toBe(401);
  });

  it('on SIGTERM stops the service first, then closes the connections in the reverse order, and exits 0', async () => {
    service.child.kill('SIGTERM');

    expect(await service.exit).toBe(0);
    expect(service.events().slice(3)).toEqual([
      'stop service',
      'close queue-connection',
      'close db-connection',
    ]);
  });
});

describe('runService', () => {
  it('stops on SIGINT as on SIGTERM', async () => {
    const service = run();
    await service.message;

    service.child.kill('SIGINT');

    expect(await service.exit).toBe(0);
    expect(service.events()).toContain('close db-connection');
  });

  it('exits 1 when a connection cannot be opened, after closing those that were, never starting', async () => {
    const service = run('queue');

    expect(await service.exit).toBe(1);
    expect(service.events()).toEqual(['open db', 'close db-connection']);
  });

  it('exits 1 when the start fails, after closing every connection', async () => {
    const service = run('start');

    expect(await service.exit).toBe(1);
    expect(service.events()).toEqual([
      'open db',
      'open queue',
      'start with db-connection, queue-connection',
      'close queue-connection',
      'close db-connection',
    ]);
  });

  it('exits 2 naming the setting when the start finds one missing, after closing every connection', async () => {
    const service = run('config');

    expect(await service.exit).toBe(2);
    expect(service.stderr()).toContain('fake: invalid configuration:\n  FAKE_KEY: expected a key');
    expect(service.events().slice(-2)).toEqual(['close queue-connection', 'close db-connection']);
  });

  it('on SIGTERM during a start that has not finished, closes what is open and exits 0', async () => {
    const service = run('hang');
    await eventually(() => service.events().length === 3);

    service.child.kill('SIGTERM');

    expect(await service.exit).toBe(0);
    expect(service.events().slice(3)).toEqual(['close queue-connection', 'close db-connection']);
  });

  it('still closes the rest when one close fails, and exits 1', async () => {
    const service = run('close-queue');
    await service.message;

    service.child.kill('SIGTERM');

    expect(await service.exit).toBe(1);
    expect(service.events().slice(3)).toEqual([
      'stop service',
      'close queue-connection',
      'close db-connection',
    ]);
  });
});
