import type { StackConfig } from '../config';
import { stackPaths, type ServerName } from '../paths';
import { issuerServer } from './issuer';
import { kafkaServer } from './kafka';
import { mongoServer } from './mongo';
import { postgresServer } from './postgres';
import { temporalServer } from './temporal';
import type { ServerSpec } from './types';

export function stackServers(config: StackConfig): Record<ServerName, ServerSpec> {
  const ctx = { config, paths: stackPaths(config) };
  return {
    kafka: kafkaServer(ctx),
    temporal: temporalServer(ctx),
    postgres: postgresServer(ctx),
    mongo: mongoServer(ctx),
    issuer: issuerServer(ctx),
  };
}
