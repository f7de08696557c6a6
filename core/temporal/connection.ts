import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Config } from '../config';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';
import { temporalDataConverter } from './payload-codec';
import { clientTracingInterceptors } from './tracing';

const { IndexedValueType } = temporal.api.enums.v1;

const INDEXED_TYPE: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  TEXT: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/**
 * A client of the Temporal frontend, encrypting and decrypting workflow payloads with PAYLOAD_ENCRYPTION_KEYS
 * (refused with a ConfigError, before any connection, when it is not set). `lazy`: connects on first use, so a
 * process that can do part of its job without Temporal (the API accepts orders; the bridge waits) starts while
 * Temporal is down, instead of failing.
 */
export async function connectTemporal(
  config: Config['temporal'],
  opts: { connectTimeoutMs?: number; lazy?: boolean } = {},
): Promise<{ connection: Connection; client: Client }> {
  const dataConverter = temporalDataConverter(config);
  const connection = await openTemporalConnection(config, opts);
  const interceptors = clientTracingInterceptors();
  return {
    connection,
    client: new Client({ connection, namespace: config.namespace, dataConverter, interceptors }),
  };
}

/**
 * A connection alone, for what reads no payloads: probing the server, the operator service (search attributes).
 * Needs no payload keys.
 */
export async function openTemporalConnection(
  config: Pick<Config['temporal'], 'address'> & Partial<Pick<Config['temporal'], 'transport'>>,
  opts: { connectTimeoutMs?: number; lazy?: boolean } = {},
): Promise<Connection> {
  const options = {
    address: config.address,
    connectTimeout: opts.connectTimeoutMs ?? 10_000,
    ...config.transport,
  };
  return opts.lazy ? Connection.lazy(options) : await Connection.connect(options);
}

/** The server's version as it reports it; throws when the frontend does not answer. */
export async function temporalServerVersion(connection: Connection): Promise<string> {
  const info = await connection.workflowService.getSystemInfo({});
  return info.serverVersion || 'unknown';
}

/**
 * Registers the custom search attributes that are missing in the namespace (the dev server gets them on its
 * command line; an external server gets them here). Returns the names it added.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const existing = customAttributes ?? {};
  const missing = CUSTOM_SEARCH_ATTRIBUTES.filter((key) => !(key.name in existing));
  for (const key of CUSTOM_SEARCH_ATTRIBUTES) {
    const type = existing[key.name];
    if (type !== undefined && type !== INDEXED_TYPE[key.type]) {
      throw new Error(
        `search attribute ${key.name} exists in namespace ${namespace} with type ${IndexedValueType[type]}, expected ${key.type}`,
      );
    }
  }
  if (missing.length > 0) {
    const searchAttributes: Record<string, temporal.api.enums.v1.IndexedValueType> = {};
    for (const key of missing) searchAttributes[key.name] = INDEXED_TYPE[key.type]!;
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  }
  return missing.map((k) => k.name);
}

/** The Web UI page of one workflow, for links in API responses and logs. */
export function workflowUiUrl(config: Config['temporal'], workflowId: string, runId?: string): string {
  const base = `${config.uiUrl}/namespaces/${encodeURIComponent(config.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}
