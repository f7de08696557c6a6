import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../../core/config';

/** The transport settings as the processes read them: what kafkajs and Temporal's connections are handed. */
describe('transport settings', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'transport-'));
  const pem = (name: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `-----BEGIN ${name}-----\n`);
    return file;
  };
  const problems = (env: NodeJS.ProcessEnv) => {
    try {
      loadConfig(env);
    } catch (err) {
      return (err as ConfigError).problems;
    }
    return [];
  };

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is plaintext when nothing is set, as on the local stack', () => {
    const config = loadConfig({});
    expect(config.kafka.transport).toEqual({ ssl: false });
    expect(config.temporal.transport).toEqual({});
  });

  it('gives Kafka TLS with a CA and SASL/SCRAM credentials', () => {
    const ca = pem('KAFKA CA');
    const config = loadConfig({
      KAFKA_SSL_CA_FILE: ca,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'pipeline',
      KAFKA_SASL_PASSWORD: 's3cret',
    });
    expect(config.kafka.transport).toEqual({
      ssl: { ca: ['-----BEGIN KAFKA CA-----\n'] },
      sasl: { mechanism: 'scram-sha-512', username: 'pipeline', password: 's3cret' },
    });
    expect(loadConfig({ KAFKA_SSL: 'true' }).kafka.transport).toEqual({ ssl: true });
  });

  it('gives Temporal mutual TLS, or an API key (which implies TLS)', () => {
    const [ca, crt, key] = [pem('TEMPORAL CA'), pem('CLIENT CERT'), pem('CLIENT KEY')];
    const mtls = loadConfig({
      TEMPORAL_TLS_CA_FILE: ca,
      TEMPORAL_TLS_CERT_FILE: crt,
      TEMPORAL_TLS_KEY_FILE: key,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    }).temporal.transport;
    expect(mtls.tls?.serverNameOverride).toBe('temporal.internal');
    expect(mtls.tls?.serverRootCACertificate?.toString()).toBe('-----BEGIN TEMPORAL CA-----\n');
    expect(mtls.tls?.clientCertPair?.crt.toString()).toBe('-----BEGIN CLIENT CERT-----\n');
    expect(mtls.tls?.clientCertPair?.key.toString()).toBe('-----BEGIN CLIENT KEY-----\n');

    expect(loadConfig({ TEMPORAL_API_KEY: 'key-123' }).temporal.transport).toEqual({
      tls: {},
      apiKey: 'key-123',
    });
  });

  it('names what is missing or wrong: half a SASL setting, a certificate without its key, a file not there', () => {
    expect(problems({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' })).toEqual([
      'KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD: set all three or none',
    ]);
    expect(problems({ TEMPORAL_TLS_CERT_FILE: pem('ALONE') })).toEqual([
      'TEMPORAL_TLS_CERT_FILE, TEMPORAL_TLS_KEY_FILE: mutual TLS needs both the certificate and its key',
    ]);
    expect(problems({ KAFKA_SSL_CA_FILE: '/nowhere/ca.pem' })).toEqual([
      'KAFKA_SSL_CA_FILE: no such file (received "/nowhere/ca.pem")',
    ]);
    expect(problems({ KAFKA_SASL_MECHANISM: 'gssapi' })[0]).toMatch(
      /KAFKA_SASL_MECHANISM: expected plain, scram-sha-256/,
    );
  });
});
