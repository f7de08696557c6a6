import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createKafka } from '../../../core/kafka/client';
import { run } from '../exec';
import { PREREQS, requirePrereq } from '../prereqs';
import { provisionKafka } from '../provision';
import { KAFKA_SCALA_VERSION, KAFKA_VERSION, LOG4J_VERSION } from '../versions';
import type { ServerContext, ServerSpec } from './types';

/** A pom whose only purpose is to let Maven resolve Kafka's broker and a log4j2 binding with all their deps. */
function fetchPom(): string {
  const dep = (g: string, a: string, v: string) =>
    `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.stack</groupId>
  <artifactId>kafka-server</artifactId>
  <version>${KAFKA_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
${dep('org.apache.kafka', `kafka_${KAFKA_SCALA_VERSION}`, KAFKA_VERSION)}
${dep('org.apache.logging.log4j', 'log4j-core', LOG4J_VERSION)}
${dep('org.apache.logging.log4j', 'log4j-slf4j-impl', LOG4J_VERSION)}
  </dependencies>
</project>
`;
}

const LOG4J2_CONFIG = `Configuration:
  status: warn
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: INFO
      AppenderRef:
        - ref: STDOUT
    Logger:
      - name: kafka.request.logger
        level: WARN
      - name: state.change.logger
        level: WARN
      - name: org.apache.kafka.controller
        level: WARN
`;

export function kafkaServer({ config, paths }: ServerContext): ServerSpec {
  const { ports } = config.stack;
  const home = path.join(paths.install, `kafka-${KAFKA_VERSION}`);
  const libs = path.join(home, 'libs');
  const done = path.join(home, '.installed');
  const dataDir = paths.data('kafka');
  const logDir = path.join(dataDir, 'log');

  const properties = (): string =>
    [
      '# Written by the local stack on every start; edit stack/servers/kafka.ts instead.',
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.bootstrap.servers=127.0.0.1:${ports.kafkaController}`,
      `listeners=PLAINTEXT://127.0.0.1:${ports.kafka},CONTROLLER://127.0.0.1:${ports.kafkaController}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${ports.kafka}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      `log.dirs=${logDir}`,
      `num.partitions=${config.kafka.topicPartitions}`,
      // A single node: every internal topic has one replica.
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=6',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      // Consumers in tests and on restart join at once instead of waiting 3 s for more members.
      'group.initial.rebalance.delay.ms=0',
      // Topics are created on purpose (provisioning), never by a typo in a producer.
      'auto.create.topics.enable=false',
      '',
    ].join('\n');

  const kafka = () =>
    createKafka(config.kafka, undefined, {
      connectionTimeout: 1_500,
      requestTimeout: 5_000,
      retry: { retries: 0 },
    });

  return {
    name: 'kafka',
    label: 'Apache Kafka',
    address: config.kafka.brokers.join(','),
    external: config.kafka.external,
    ports: [ports.kafka, ports.kafkaController],

    isInstalled: () => fs.existsSync(done),

    async install() {
      requirePrereq(PREREQS.mvn);
      fs.mkdirSync(home, { recursive: true });
      fs.writeFileSync(path.join(home, 'pom.xml'), fetchPom());
      fs.rmSync(libs, { recursive: true, force: true });
      await run(
        'mvn',
        [
          '-q',
          '-B',
          '-f',
          path.join(home, 'pom.xml'),
          'dependency:copy-dependencies',
          `-DoutputDirectory=${libs}`,
        ],
        { what: `fetching Kafka ${KAFKA_VERSION} from Maven Central` },
      );
      fs.writeFileSync(done, `${new Date().toISOString()}\n`);
    },

    async prepare() {
      requirePrereq(PREREQS.java);
      fs.mkdirSync(dataDir, { recursive: true });
      const propsFile = path.join(dataDir, 'server.properties');
      const log4jFile = path.join(dataDir, 'log4j2.yaml');
      fs.writeFileSync(propsFile, properties());
      fs.writeFileSync(log4jFile, LOG4J2_CONFIG);
      const javaArgs = [
        '-Xms256m',
        '-Xmx1g',
        '-XX:+UseG1GC',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${log4jFile}`,
        '-cp',
        path.join(libs, '*'),
      ];
      if (!fs.existsSync(path.join(logDir, 'meta.properties'))) {
        // KRaft storage is formatted once with a cluster id; later starts reuse it. The id is base64url and may
        // start with '-', hence --cluster-id=<id> rather than two arguments.
        const clusterId = crypto.randomBytes(16).toString('base64url');
        await run(
          'java',
          [
            ...javaArgs,
            'kafka.tools.StorageTool',
            'format',
            '--standalone',
            `--cluster-id=${clusterId}`,
            `--config=${propsFile}`,
            '--ignore-formatted',
          ],
          { what: 'formatting Kafka storage' },
        );
      }
      return { cmd: 'java', args: [...javaArgs, 'kafka.Kafka', propsFile] };
    },

    async probe() {
      const admin = kafka().admin();
      try {
        await admin.connect();
        await admin.describeCluster();
        return { version: config.kafka.external ? 'external' : KAFKA_VERSION };
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },

    provision: () => provisionKafka(config),
  };
}
