import fs from 'node:fs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { z } from 'zod';

/**
 * How the processes reach their servers over an untrusted network: TLS and SASL for Kafka; TLS, mutual TLS or an API
 * key for Temporal (Temporal Cloud takes either). Everything comes from the environment, certificates as file paths
 * (mounted secrets), never inline. MongoDB takes its TLS and credentials in MONGO_URL itself
 * (`mongodb://user:pass@host/orders?tls=true&tlsCAFile=/run/secrets/ca.pem`). Unset: plaintext on loopback, as the
 * local stack runs.
 */

const bool = z
  .enum(['true', 'false'], { error: 'expected true or false' })
  .transform((v) => v === 'true')
  .optional();
const file = z.string().min(1).optional();

export const TRANSPORT_ENV = {
  KAFKA_SSL: bool,
  KAFKA_SSL_CA_FILE: file,
  KAFKA_SASL_MECHANISM: z
    .enum(['plain', 'scram-sha-256', 'scram-sha-512'], {
      error: 'expected plain, scram-sha-256 or scram-sha-512',
    })
    .optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  TEMPORAL_TLS: bool,
  TEMPORAL_TLS_CA_FILE: file,
  TEMPORAL_TLS_CERT_FILE: file,
  TEMPORAL_TLS_KEY_FILE: file,
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
};

type TransportEnv = z.output<z.ZodObject<typeof TRANSPORT_ENV>>;

export interface KafkaTransport {
  ssl: boolean | { ca: string[] };
  sasl?: SASLOptions;
}

export interface TemporalTransport {
  tls?: {
    serverNameOverride?: string;
    serverRootCACertificate?: Buffer;
    clientCertPair?: { crt: Buffer; key: Buffer };
  };
  apiKey?: string;
}

/** Problems with the transport variables, phrased like the rest of the configuration's. */
export function transportProblems(e: TransportEnv): string[] {
  const problems: string[] = [];
  const sasl = [e.KAFKA_SASL_MECHANISM, e.KAFKA_SASL_USERNAME, e.KAFKA_SASL_PASSWORD];
  if (sasl.some((v) => v !== undefined) && sasl.some((v) => v === undefined)) {
    problems.push('KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD: set all three or none');
  }
  if ((e.TEMPORAL_TLS_CERT_FILE === undefined) !== (e.TEMPORAL_TLS_KEY_FILE === undefined)) {
    problems.push(
      'TEMPORAL_TLS_CERT_FILE, TEMPORAL_TLS_KEY_FILE: mutual TLS needs both the certificate and its key',
    );
  }
  for (const key of [
    'KAFKA_SSL_CA_FILE',
    'TEMPORAL_TLS_CA_FILE',
    'TEMPORAL_TLS_CERT_FILE',
    'TEMPORAL_TLS_KEY_FILE',
  ] as const) {
    const path = e[key];
    if (path !== undefined && !fs.existsSync(path))
      problems.push(`${key}: no such file (received ${JSON.stringify(path)})`);
  }
  return problems;
}

export function kafkaTransport(e: TransportEnv): KafkaTransport {
  const ca = e.KAFKA_SSL_CA_FILE;
  const ssl = ca !== undefined ? { ca: [fs.readFileSync(ca, 'utf8')] } : (e.KAFKA_SSL ?? false);
  if (e.KAFKA_SASL_MECHANISM === undefined) return { ssl };
  const credentials = { username: e.KAFKA_SASL_USERNAME!, password: e.KAFKA_SASL_PASSWORD! };
  return { ssl, sasl: { mechanism: e.KAFKA_SASL_MECHANISM, ...credentials } as SASLOptions };
}

export function temporalTransport(e: TransportEnv): TemporalTransport {
  const wantsTls =
    e.TEMPORAL_TLS === true ||
    e.TEMPORAL_API_KEY !== undefined ||
    [e.TEMPORAL_TLS_CA_FILE, e.TEMPORAL_TLS_CERT_FILE, e.TEMPORAL_TLS_SERVER_NAME].some(
      (v) => v !== undefined,
    );
  if (!wantsTls) return {};
  return {
    tls: {
      ...(e.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: e.TEMPORAL_TLS_SERVER_NAME } : {}),
      ...(e.TEMPORAL_TLS_CA_FILE ? { serverRootCACertificate: fs.readFileSync(e.TEMPORAL_TLS_CA_FILE) } : {}),
      ...(e.TEMPORAL_TLS_CERT_FILE && e.TEMPORAL_TLS_KEY_FILE
        ? {
            clientCertPair: {
              crt: fs.readFileSync(e.TEMPORAL_TLS_CERT_FILE),
              key: fs.readFileSync(e.TEMPORAL_TLS_KEY_FILE),
            },
          }
        : {}),
    },
    ...(e.TEMPORAL_API_KEY ? { apiKey: e.TEMPORAL_API_KEY } : {}),
  };
}

/** What a Kafka client is given of the transport, for kafkajs. */
export function kafkaClientOptions(t: KafkaTransport): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  return { ssl: t.ssl, ...(t.sasl ? { sasl: t.sasl } : {}) };
}
