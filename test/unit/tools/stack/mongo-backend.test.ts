import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../../../core/config';
import { selectServers } from '../../../../tools/stack/commands';
import { loadStackConfig, STACK_PORT_VARIABLES } from '../../../../tools/stack/config';
import { inDependencyOrder, withDependencies } from '../../../../tools/stack/dependencies';
import { stackPaths } from '../../../../tools/stack/paths';
import { stackServers } from '../../../../tools/stack/servers';
import type { ServerSpec } from '../../../../tools/stack/servers/types';
import { unprivilegedCommand } from '../../../../tools/stack/servers/unprivileged';
import { POSTGRES_PACKAGE_VERSION, postgresVersion } from '../../../../tools/stack/versions';

describe('FerretDB on SQLite or on the stack’s PostgreSQL', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mongo-backend-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const configFor = (env: NodeJS.ProcessEnv = {}) => loadStackConfig({ STACK_DIR: dir, ...env });
  const names = (servers: ServerSpec[]) => servers.map((s) => s.name);

  it('keeps SQLite by default: no PostgreSQL in the stack, FerretDB on its data folder', async () => {
    const config = configFor();
    expect(config.stack.mongoBackend).toBe('sqlite');
    const all = stackServers(config);
    expect(names(selectServers(all, []))).toEqual(['kafka', 'temporal', 'mongo', 'issuer']);
    expect(all.mongo.dependsOn).toEqual([]);
    const launch = await all.mongo.prepare();
    expect(launch.args).toEqual(
      expect.arrayContaining(['-backend', 'sqlite', '-dir', stackPaths(config).data('mongo')]),
    );
    expect(launch.args).not.toContain('-postgresql-url');
  });

  it('on postgresql, starts PostgreSQL on its own port before FerretDB, which connects there', async () => {
    const config = configFor({ STACK_MONGO_BACKEND: 'postgresql', STACK_POSTGRES_PORT: '15432' });
    const all = stackServers(config);
    expect(names(selectServers(all, []))).toEqual(['kafka', 'temporal', 'mongo', 'issuer', 'postgres']);
    expect(all.postgres.address).toBe('127.0.0.1:15432');
    expect(all.postgres.ports).toEqual([15432]);
    expect(all.mongo.dependsOn).toEqual(['postgres']);
    expect(all.mongo.label).toContain('PostgreSQL');
    expect(names(withDependencies(all, selectServers(all, ['ferretdb'])))).toEqual(['postgres', 'mongo']);
    const launch = await all.mongo.prepare();
    expect(launch.args).toEqual(
      expect.arrayContaining([
        '-backend',
        'postgresql',
        '-postgresql-url',
        'postgres://postgres@127.0.0.1:15432/ferretdb',
      ]),
    );
    expect(launch.args).not.toContain('-dir');
  });

  it('leaves PostgreSQL out when MongoDB is the user’s own server', () => {
    const config = configFor({
      STACK_MONGO_BACKEND: 'postgresql',
      MONGO_URL: 'mongodb://db.example:27017/orders',
    });
    expect(stackServers(config).postgres.unused).toBe(true);
  });

  it('gives PostgreSQL a port of the defaults’ and moves it with the others for a stack of its own', () => {
    expect(configFor().stack.ports.postgres).toBe(5432);
    expect(STACK_PORT_VARIABLES).toContain('STACK_POSTGRES_PORT');
    expect(stackPaths(configFor()).data('postgres')).toBe(path.join(dir, 'data', 'postgres'));
  });

  it('names a backend it does not know', () => {
    expect(() => configFor({ STACK_MONGO_BACKEND: 'mysql' })).toThrow(ConfigError);
    try {
      configFor({ STACK_MONGO_BACKEND: 'mysql' });
    } catch (err) {
      expect((err as ConfigError).problems.join('\n')).toContain('STACK_MONGO_BACKEND');
    }
  });
});

describe('PostgreSQL’s pinned release', () => {
  it('is a 17 from the package version', () => {
    expect(postgresVersion('17.10.0-beta.17')).toBe('17.10');
    expect(postgresVersion()).toMatch(/^17\.\d+$/);
    expect(POSTGRES_PACKAGE_VERSION.startsWith(`${postgresVersion()}.`)).toBe(true);
    expect(() => postgresVersion('latest')).toThrow(/major\.minor/);
  });
});

describe('PostgreSQL as root', () => {
  it('runs in a user namespace where it is nobody, and as it is for anyone else', () => {
    expect(unprivilegedCommand('/pg/bin/postgres', ['-D', 'x'], 0)).toEqual({
      cmd: 'unshare',
      args: ['--user', '--map-user=65534', '--map-group=65534', '/pg/bin/postgres', '-D', 'x'],
    });
    expect(unprivilegedCommand('/pg/bin/postgres', ['-D', 'x'], 1000)).toEqual({
      cmd: '/pg/bin/postgres',
      args: ['-D', 'x'],
    });
  });
});

describe('servers that need another', () => {
  const spec = (name: string, dependsOn: string[] = []) => ({ name, dependsOn }) as unknown as ServerSpec;
  const servers = [spec('mongo', ['postgres']), spec('kafka'), spec('postgres')];
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('start after what they need, stop before it, everything else at once', async () => {
    for (const [direction, expected] of [
      ['start', ['kafka', 'postgres', 'mongo']],
      ['stop', ['kafka', 'mongo', 'postgres']],
    ] as const) {
      const events: string[] = [];
      const results = await inDependencyOrder(servers, direction, async (s, awaited: string[]) => {
        events.push(`begin ${s.name}${awaited.length ? ` after ${awaited.join(',')}` : ''}`);
        await sleep(s.name === 'postgres' || (direction === 'stop' && s.name === 'mongo') ? 30 : 1);
        events.push(`end ${s.name}`);
        return s.name;
      });
      expect(results).toEqual(['mongo', 'kafka', 'postgres']);
      const ends = events.filter((e) => e.startsWith('end')).map((e) => e.slice(4));
      expect(ends).toEqual(expected);
      expect(events).toContain(
        direction === 'start' ? 'begin mongo after postgres' : 'begin postgres after mongo',
      );
    }
  });
});
