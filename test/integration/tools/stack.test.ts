import { spawnSync } from 'node:child_process';
import { ConfigResourceTypes, ConfigSource } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadStackConfig } from '../../../tools/stack/config';
import { createKafka } from '../../../core/kafka/client';
import { connectMongo } from '../../../core/mongo/connection';
import { connectTemporal } from '../../../core/temporal/connection';
import { ALL_TOPICS } from '../../../contracts/topics';
import { composeCheckBinary } from '../../../tools/stack/compose-check';
import { portInUse } from '../../../tools/stack/control';
import { stackPaths } from '../../../tools/stack/paths';
import { isAlive, readState } from '../../../tools/stack/state';
import { REPO_ROOT, stackCli, stackCliWith } from '../../support/stack-cli';

const config = loadStackConfig();

describe('local stack', () => {
  it('reports every server healthy, one line each, exit 0', () => {
    const { code, output } = stackCli('status');
    expect(output).toMatch(/^kafka\s+(up|external)\s/m);
    expect(output).toMatch(/^temporal\s+(up|external)\s/m);
    expect(output).toMatch(/^mongo\s+(up|external)\s/m);
    expect(code).toBe(0);
  });

  it('provisioned the topics and their dead-letter twins with the configured partition count', async () => {
    const admin = createKafka(config.kafka).admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [...ALL_TOPICS] });
      expect(topics.map((t) => t.name).sort()).toEqual([
        'order-created',
        'order-created.dlq',
        'order-processed',
        'order-processed.dlq',
      ]);
      for (const t of topics) expect(t.partitions).toHaveLength(config.kafka.topicPartitions);
    } finally {
      await admin.disconnect();
    }
  });

  it('set every topic’s retention explicitly: the configured days for the events, longer for the dead letters', async () => {
    const admin = createKafka(config.kafka).admin();
    await admin.connect();
    try {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: ALL_TOPICS.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
      });
      const retention = Object.fromEntries(
        resources.map((r) => {
          const entry = r.configEntries.find((e) => e.configName === 'retention.ms')!;
          return [r.resourceName, { ms: Number(entry.configValue), source: entry.configSource }];
        }),
      );
      const day = 86_400_000;
      expect(retention).toEqual({
        'order-created': { ms: config.kafka.retentionDays.events * day, source: ConfigSource.TOPIC_CONFIG },
        'order-processed': { ms: config.kafka.retentionDays.events * day, source: ConfigSource.TOPIC_CONFIG },
        'order-created.dlq': {
          ms: config.kafka.retentionDays.deadLetters * day,
          source: ConfigSource.TOPIC_CONFIG,
        },
        'order-processed.dlq': {
          ms: config.kafka.retentionDays.deadLetters * day,
          source: ConfigSource.TOPIC_CONFIG,
        },
      });
    } finally {
      await admin.disconnect();
    }
  });

  it('registered the OrderStatus and CustomerId search attributes as keywords', async () => {
    const { connection } = await connectTemporal(config.temporal);
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({
        namespace: config.temporal.namespace,
      });
      const KEYWORD = 2; // temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
      expect(customAttributes?.OrderStatus).toBe(KEYWORD);
      expect(customAttributes?.CustomerId).toBe(KEYWORD);
    } finally {
      await connection.close();
    }
  });

  it('rejects an unknown server name with a clear message', () => {
    const { code, output } = stackCli('down', 'zookeeper');
    expect(code).toBe(2);
    expect(output).toContain('unknown server "zookeeper": expected one of kafka, temporal, mongo');
  });

  it('stops one server completely and starts it again with its data intact (leaves an external one alone)', async () => {
    if (config.mongo.external) {
      const down = stackCli('down', 'mongo');
      expect(down.output).toMatch(/external .*not managed/);
      expect(stackCli('status', 'mongo').code).toBe(0);
      return;
    }
    const marker = randomUUID();
    const conn = await connectMongo(config.mongo);
    await conn.collection('stack_restart_test').insertOne({ marker });
    await conn.close();

    const paths = stackPaths(config);
    const before = readState(paths.state('mongo'))!;
    expect(isAlive(before.childPid)).toBe(true);

    const down = stackCli('down', 'mongo');
    expect(down.code).toBe(0);
    expect(isAlive(before.supervisorPid)).toBe(false);
    expect(isAlive(before.childPid)).toBe(false);
    expect(await portInUse(config.stack.ports.mongo)).toBe(false);
    expect(stackCli('status', 'mongo').code).not.toBe(0);
    // The other servers were left alone.
    expect(stackCli('status', 'kafka', 'temporal').code).toBe(0);

    const up = stackCli('up', 'mongo');
    expect(up.output).toMatch(/^mongo\s+started\s/m);
    expect(up.code).toBe(0);
    const again = await connectMongo(config.mongo);
    try {
      expect(await again.collection('stack_restart_test').countDocuments({ marker })).toBe(1);
      await again.collection('stack_restart_test').deleteMany({ marker });
    } finally {
      await again.close();
    }
  });
});

describe('stack exec --own (what npm test runs on)', () => {
  it('runs its command on servers of its own, on other ports, then stops them and deletes their folder', async () => {
    // A stack folder of its own for this test, sharing the installs, with a folder a finished run left behind.
    const stackDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-own-'));
    const stale = path.join(stackDir, 'alongside-999999999');
    fs.mkdirSync(stale);
    try {
      const { code, output } = stackCliWith(
        { STACK_DIR: stackDir, STACK_INSTALL_DIR: stackPaths(config).install },
        'exec',
        '--own',
        '--',
        'sh',
        '-c',
        'echo "own: $STACK_DIR $STACK_KAFKA_PORT $STACK_TEMPORAL_PORT $STACK_MONGO_PORT $API_PORT" && ' +
          `"${process.execPath}" --import tsx tools/stack/cli.ts status`,
      );
      expect(output).toMatch(/^--own: the command gets servers of its own, under \S+alongside-\d+$/m);
      const [, dir, ...ports] = /^own: (\S+) (\d+) (\d+) (\d+) (\d+)$/m.exec(output) ?? [];
      expect(path.dirname(dir!)).toBe(stackDir);
      expect(path.basename(dir!)).toMatch(/^alongside-\d+$/);
      const [kafka, temporal, mongo, api] = ports.map(Number);
      expect(new Set([kafka, temporal, mongo, api]).size).toBe(4);
      expect([kafka, temporal, mongo]).not.toContain(config.stack.ports.kafka);
      expect([kafka, temporal, mongo]).not.toContain(config.stack.ports.temporal);
      expect([kafka, temporal, mongo]).not.toContain(config.stack.ports.mongo);
      // Its status (inside the command) found each server up on the new ports, started by this run.
      expect(output).toMatch(new RegExp(`^kafka\\s+up\\s.*127\\.0\\.0\\.1:${kafka}\\s`, 'm'));
      expect(output).toMatch(new RegExp(`^temporal\\s+up\\s.*127\\.0\\.0\\.1:${temporal}\\s`, 'm'));
      expect(output).toMatch(new RegExp(`^mongo\\s+up\\s.*127\\.0\\.0\\.1:${mongo}\\s`, 'm'));
      expect(output).toMatch(/^stopping what this run started: kafka, temporal, mongo, issuer$/m);
      expect(code).toBe(0);
      // Stopped, deleted, and the stale folder of a run whose process is gone deleted too.
      for (const port of [kafka!, temporal!, mongo!]) expect(await portInUse(port)).toBe(false);
      expect(fs.existsSync(dir!)).toBe(false);
      expect(fs.existsSync(stale)).toBe(false);
      // The stack the tests run on was left alone.
      expect(stackCli('status').code).toBe(0);
    } finally {
      fs.rmSync(stackDir, { recursive: true, force: true });
    }
  });
});

describe('docker-compose.yml', () => {
  let binary: string;
  beforeAll(async () => {
    binary = await composeCheckBinary();
  }, 600_000);

  const check = (file: string) => {
    // The compose file requires the encryption keys and the database passwords (from .env, as compose would):
    // the keys are the stack's, the passwords stand-ins.
    const env = {
      ...process.env,
      MONGO_ROOT_PASSWORD: 'x',
      MONGO_APP_PASSWORD: 'y',
      TEMPORAL_DB_PASSWORD: 'z',
      GRAFANA_ADMIN_PASSWORD: 'g',
      METRICS_TOKEN: 'a-scrape-token-standing-in-for-the-real-one',
    };
    const r = spawnSync(binary, [file], { encoding: 'utf8', env });
    return { code: r.status, output: `${r.stdout}${r.stderr}` };
  };

  it('is a valid compose project describing the whole system', () => {
    const { code, output } = check(path.join(REPO_ROOT, 'docker-compose.yml'));
    expect(code).toBe(0);
    for (const service of ['kafka', 'temporal', 'temporal-ui', 'mongo', 'init', 'prometheus', 'grafana']) {
      expect(output).toMatch(new RegExp(`[ ,:]${service}(,|\\))`));
    }
  });

  it('is rejected by the validator when broken', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-'));
    const original = fs.readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
    const broken = path.join(dir, 'docker-compose.yml');
    fs.writeFileSync(
      broken,
      original.replace('image: mongo:8.0', 'image: mongo:8.0\n    restart_policy_typo: always'),
    );
    const { code, output } = check(broken);
    expect(code).toBe(1);
    expect(output).toContain('restart_policy_typo');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is rejected when a file it mounts is missing (Docker would mount an empty folder instead)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-'));
    const copy = path.join(dir, 'docker-compose.yml');
    fs.copyFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), copy);
    fs.cpSync(path.join(REPO_ROOT, 'deploy'), path.join(dir, 'deploy'), { recursive: true });
    fs.cpSync(path.join(REPO_ROOT, 'docker'), path.join(dir, 'docker'), { recursive: true });
    expect(check(copy).code).toBe(0);
    fs.rmSync(path.join(dir, 'docker', 'prometheus', 'prometheus.yml'));
    const { code, output } = check(copy);
    expect(code).toBe(1);
    expect(output).toMatch(
      /service "prometheus" mounts \S*docker\/prometheus\/prometheus\.yml, which does not exist/,
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
