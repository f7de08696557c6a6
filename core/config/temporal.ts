import { z } from 'zod';
import { parseKeyring, type Keyring } from '../crypto/keyring';
import { temporalTransport, type TRANSPORT_ENV } from '../transport';
import { ConfigError, type EnvOf } from './env';
import { originList } from './http';
import type { LOCAL_SERVER_PORTS } from './local-servers';
import { hostPort, positiveInt, url } from './values';

export const temporalEnv = {
  TEMPORAL_ADDRESS: hostPort.optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_UI_URL: url.optional(),
  // Any string here: parseKeyring checks it, naming the bad entry without echoing the key material.
  PAYLOAD_ENCRYPTION_KEYS: z.string().optional(),
  CODEC_CORS_ORIGINS: z.string().optional(),
  CODEC_BODY_LIMIT_BYTES: positiveInt.default(4 * 1024 * 1024),
};

function payloadKeyring(spec: string | undefined): Keyring | undefined {
  if (spec === undefined) return undefined;
  try {
    return parseKeyring(spec, 'PAYLOAD_ENCRYPTION_KEYS');
  } catch (err) {
    throw new ConfigError([(err as Error).message]);
  }
}

export function temporalSection(
  e: EnvOf<
    typeof temporalEnv &
      typeof TRANSPORT_ENV &
      Pick<typeof LOCAL_SERVER_PORTS, 'STACK_TEMPORAL_PORT' | 'STACK_TEMPORAL_UI_PORT'>
  >,
) {
  const uiUrl = (e.TEMPORAL_UI_URL ?? `http://127.0.0.1:${e.STACK_TEMPORAL_UI_PORT}`).replace(/\/+$/, '');
  return {
    address: e.TEMPORAL_ADDRESS ?? `127.0.0.1:${e.STACK_TEMPORAL_PORT}`,
    /** TLS, mutual TLS or an API key (core/transport.ts); plaintext when unset. */
    transport: temporalTransport(e),
    namespace: e.TEMPORAL_NAMESPACE,
    uiUrl,
    external: e.TEMPORAL_ADDRESS !== undefined,
    /**
     * The keys every payload of the system's workflows is encrypted with (core/temporal/payload-codec.ts);
     * undefined when PAYLOAD_ENCRYPTION_KEYS is not set, which a process that makes a Temporal client or worker
     * refuses.
     */
    payloadKeys: payloadKeyring(e.PAYLOAD_ENCRYPTION_KEYS),
    /** The codec endpoint the Web UI decodes payloads through (core/temporal/codec-server.ts). */
    codecServer: {
      /** Browser origins allowed to call it with credentials: the Web UI's, then CODEC_CORS_ORIGINS. */
      corsOrigins: [
        ...new Set([new URL(uiUrl).origin, ...originList(e.CODEC_CORS_ORIGINS, 'CODEC_CORS_ORIGINS')]),
      ],
      bodyLimitBytes: e.CODEC_BODY_LIMIT_BYTES,
    },
  };
}
