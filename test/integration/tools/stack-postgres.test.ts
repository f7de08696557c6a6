import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectMongo } from '../../../core/mongo/connection';
import { freePort } from '../../../core/net/free-port';
import { loadStackConfig } from '../../../tools/stack/config';
import { portInUse } from '../../../tools/stack/control';
import { stackPaths } from '../../../tools/stack/paths';
import { isAlive, readState } from '../../../tools/stack/state';
import { postgresQuery } from '../../../tools/bench/postgres-wire';
import { stackCliWith } from '../../support/stack-cli';

/**
 * FerretDB on the stack's PostgreSQL (STACK_MONGO_BACKEND=postgresql), on a stack folder and ports of this test's
 * own: the stack the other suites run on may be on either backend, and is left alone.
 */
describe('FerretDB on PostgreSQL (a stack of its own)', () => {
  const installs = stackPaths(loadStackConfig()).install;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-postgres-'));
    env = {
      STACK_DIR: dir,
      STACK_INSTALL_DIR: installs,
      STACK_MONGO_BACKEND: 'postgresql',
      STACK_POSTGRES_PORT: String(await freePort()),
      STACK_MONGO_PORT: String(await freePort()),
      STACK_MONGO_DEBUG_PORT: String(await freePort()),
    };
  });

  afterAll(() => {
    stackCliWith(env, 'down', 'mongo', 'postgres');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const mongoUrl = () => `mongodb://127.0.0.1:${env.STACK_MONGO_PORT}/it_postgres`;
  const pids = () =>
    ['postgres', 'mongo'].flatMap((name) => {
      const state = readState(path.join(dir, 'run', `${name}.json`));
      return state ? [state.supervisorPid, state.childPid] : [];
    });

  it('starts PostgreSQL before FerretDB when FerretDB is asked for, and keeps concurrent updates whole', async () => {
    const up = stackCliWith(env, 'up', 'mongo');
    expect(up.output).toMatch(/^postgres\s+started\s+PostgreSQL 17\.\d+\s/m);
    expect(up.output).toMatch(/^mongo\s+started\s+FerretDB/m);
    expect(up.output.indexOf('postgres  started')).toBeLessThan(up.output.indexOf('mongo     started'));
    expect(up.code).toBe(0);

    const status = stackCliWith(env, 'status', 'postgres', 'mongo');
    expect(status.output).toMatch(
      new RegExp(`^postgres\\s+up\\s.*127\\.0\\.0\\.1:${env.STACK_POSTGRES_PORT}\\s`, 'm'),
    );
    expect(status.code).toBe(0);

    const connection = await connectMongo({ url: mongoUrl() });
    try {
      // Two collections at once, two documents in each, by _id (each document's writes wait for each other,
      // nothing else does) and, on one of them, by another field (those wait for the whole collection).
      const counters = ['counters_a', 'counters_b'].map((name) =>
        connection.collection<{ _id: string; n: number; tag?: string }>(name),
      );
      await counters[0]!.insertOne({ _id: 'tagged', n: 0, tag: 'x' });
      await Promise.all(
        Array.from({ length: 80 }, (_, i) => {
          const counter = counters[i % 2]!;
          if (i % 8 === 0) return counter.updateOne({ tag: 'x' }, { $inc: { n: 1 } }); // i even: counters_a
          return counter.updateOne({ _id: i % 4 < 2 ? 'c' : 'd' }, { $inc: { n: 1 } }, { upsert: true });
        }),
      );
      const count = async (i: number, _id: string) => (await counters[i]!.findOne({ _id }))?.n;
      expect([await count(0, 'c'), await count(0, 'd'), await count(0, 'tagged')]).toEqual([10, 20, 10]);
      expect([await count(1, 'c'), await count(1, 'd')]).toEqual([20, 20]);
      await connection.collection('marker').insertOne({ _id: 'kept' } as never);
    } finally {
      await connection.close();
    }
  });

  it('finds a document by _id through an index, not by reading the whole table', async () => {
    const connection = await connectMongo({ url: mongoUrl() });
    try {
      const docs = Array.from({ length: 500 }, (_, i) => ({ _id: `o-${i}`, n: i }));
      await connection.collection<{ _id: string; n: number }>('finds').insertMany(docs);
    } finally {
      await connection.close();
    }
    const postgres = { port: Number(env.STACK_POSTGRES_PORT), user: 'postgres', database: 'ferretdb' };
    const [[table]] = (await postgresQuery(
      postgres,
      `SELECT _jsonb->>'table' FROM it_postgres._ferretdb_database_metadata WHERE _jsonb->>'_id' = 'finds'`,
    )) as [[string]];
    // The launcher indexes new collections every 2 s.
    const deadline = Date.now() + 20_000;
    let plan = '';
    while (Date.now() < deadline) {
      // FerretDB's own form of a find by _id: the key and the value as parameters.
      const rows = await postgresQuery(
        postgres,
        `PREPARE find_by_id(text, jsonb) AS SELECT _jsonb FROM it_postgres."${table}" WHERE _jsonb->$1 @> $2;
         EXPLAIN EXECUTE find_by_id('_id', '"o-7"')`,
      );
      plan = rows.map((r) => r[0]).join('\n');
      if (/Index Scan/.test(plan)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(plan).toMatch(/Index Scan on _id_contains_/);
    expect(await postgresQuery(postgres, 'SHOW plan_cache_mode')).toEqual([['force_custom_plan']]);
  });

  it('stops FerretDB, then PostgreSQL, leaving no process, and keeps the data for the next start', async () => {
    const running = pids();
    expect(running.length).toBe(4);
    const down = stackCliWith(env, 'down', 'mongo', 'postgres');
    expect(down.output.indexOf('mongo     stopped')).toBeLessThan(down.output.indexOf('postgres  stopped'));
    expect(down.code).toBe(0);
    expect(running.filter(isAlive)).toEqual([]);
    expect(await portInUse(Number(env.STACK_POSTGRES_PORT))).toBe(false);

    expect(stackCliWith(env, 'up', 'mongo').code).toBe(0);
    const connection = await connectMongo({ url: mongoUrl() });
    try {
      expect(await connection.collection('marker').countDocuments({ _id: 'kept' } as never)).toBe(1);
    } finally {
      await connection.close();
    }
  });
});
