import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alongsideStack, externalServers } from '../../../../tools/stack/alongside';
import { loadStackConfig, STACK_PORT_VARIABLES } from '../../../../tools/stack/config';
import { stackPaths } from '../../../../tools/stack/paths';

describe('a stack of its own (stack exec --own)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alongside-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const configFor = (env: NodeJS.ProcessEnv = {}) => loadStackConfig({ STACK_DIR: dir, ...env });

  it('moves every port either stack binds to a free one of its own, shares the installs, and keeps its own folder', async () => {
    const config = configFor();
    const beside = await alongsideStack(config);
    expect(beside.dir).toBe(path.join(dir, `alongside-${process.pid}`));
    expect(beside.env.STACK_DIR).toBe(beside.dir);
    expect(beside.env.STACK_INSTALL_DIR).toBe(path.join(dir, 'install'));

    const ports = STACK_PORT_VARIABLES.map((name) => Number(beside.env[name]));
    expect(STACK_PORT_VARIABLES).toEqual(
      expect.arrayContaining(['STACK_KAFKA_PORT', 'WORKER_ORDERS_METRICS_PORT']),
    );
    expect(ports.every((p) => Number.isInteger(p) && p > 0)).toBe(true);
    expect(new Set(ports).size).toBe(ports.length);
    for (const taken of [9092, 9093, 7233, 8233, 27017, 8090, 3000, 3001, 3002, 9464])
      expect(ports).not.toContain(taken);

    // What the second stack's settings come to: its folder, the first one's installs, the new ports.
    const second = loadStackConfig({ ...beside.env });
    expect(stackPaths(second).root).toBe(beside.dir);
    expect(stackPaths(second).install).toBe(stackPaths(config).install);
    expect(second.stack.ports.kafka).toBe(Number(beside.env.STACK_KAFKA_PORT));
    expect(second.kafka.brokers).toEqual([`127.0.0.1:${beside.env.STACK_KAFKA_PORT}`]);
    expect(second.api.publicUrl).toBe(`http://127.0.0.1:${beside.env.API_PORT}`);

    fs.mkdirSync(path.join(beside.dir, 'data'), { recursive: true });
    beside.remove();
    expect(fs.existsSync(beside.dir)).toBe(false);
  });

  it('deletes the folders of earlier runs whose process is gone, not those of a run still going', async () => {
    const gone = path.join(dir, 'alongside-999999999');
    const going = path.join(dir, `alongside-${process.ppid}`);
    // Killed before it could stop its servers: one of them still runs (this process stands in for it).
    const killed = path.join(dir, 'alongside-999999998');
    for (const folder of [gone, going, killed]) fs.mkdirSync(path.join(folder, 'run'), { recursive: true });
    fs.writeFileSync(path.join(gone, 'run', 'kafka.json'), JSON.stringify({ supervisorPid: 999_999_997 }));
    fs.writeFileSync(path.join(killed, 'run', 'kafka.json'), JSON.stringify({ supervisorPid: process.pid }));
    await alongsideStack(configFor());
    expect(fs.existsSync(gone)).toBe(false);
    expect(fs.existsSync(going)).toBe(true);
    expect(fs.existsSync(killed)).toBe(true);
  });

  it('names the servers given by address, which a second stack cannot replace', () => {
    expect(externalServers(configFor())).toEqual([]);
    expect(
      externalServers(configFor({ KAFKA_BROKERS: 'kafka.internal:9092', MONGO_URL: 'mongodb://db/x' })),
    ).toEqual(['Kafka (KAFKA_BROKERS)', 'MongoDB (MONGO_URL)']);
  });
});
