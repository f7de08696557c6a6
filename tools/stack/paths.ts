import path from 'node:path';
import type { StackConfig } from './config';

export type ServerName = 'kafka' | 'temporal' | 'mongo' | 'issuer' | 'postgres';
export const SERVER_NAMES: readonly ServerName[] = ['kafka', 'temporal', 'mongo', 'issuer', 'postgres'];

/** Everything the stack writes lives under one git-ignored folder (default: .stack/). */
export function stackPaths(config: StackConfig) {
  const root = config.stack.dir;
  return {
    root,
    install: config.stack.installDir,
    downloads: path.join(root, 'downloads'),
    data: (name: ServerName) => path.join(root, 'data', name),
    dataRoot: path.join(root, 'data'),
    run: path.join(root, 'run'),
    /** The local token issuer's signing key and JWKS. */
    issuer: path.join(root, 'issuer'),
    state: (name: ServerName) => path.join(root, 'run', `${name}.json`),
    lock: (name: ServerName) => path.join(root, 'run', `${name}.lock`),
    logs: path.join(root, 'logs'),
    log: (name: ServerName) => path.join(root, 'logs', `${name}.log`),
  };
}

export type StackPaths = ReturnType<typeof stackPaths>;
