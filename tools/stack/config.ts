import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { localKeyrings } from './local-keys';
import {
  ConfigError,
  LOCAL_SERVER_PORTS,
  loadConfig,
  parseEnv,
  port,
  PORT_VARIABLES,
  positiveInt,
} from '../../core/config';

/**
 * The local stack's own settings: where it installs and keeps its servers, the ports they bind besides the ones
 * clients connect to (core/config/), how long a server may take to answer. Read once, beside the system's
 * settings, which the stack needs too (which servers are external, where clients connect).
 */

/** The folder holding package.json, whether this runs from source or from dist/. */
function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
}

const REPO_ROOT = findRepoRoot(__dirname);

/**
 * Where FerretDB keeps the documents: SQLite files (one writer at a time, `_id` the only lookup it indexes), or the
 * stack's PostgreSQL server (concurrent writers, real indexes, filters and sorts run by the database).
 */
export const MONGO_BACKENDS = ['sqlite', 'postgresql'] as const;

const stackSchema = z.object({
  ...LOCAL_SERVER_PORTS,
  STACK_DIR: z.string().min(1).optional(),
  STACK_INSTALL_DIR: z.string().min(1).optional(),
  STACK_KAFKA_CONTROLLER_PORT: port.default(9093),
  STACK_TEMPORAL_HTTP_PORT: port.default(7243),
  STACK_TEMPORAL_METRICS_PORT: port.default(7244),
  STACK_MONGO_DEBUG_PORT: port.default(27018),
  STACK_POSTGRES_PORT: port.default(5432),
  STACK_MONGO_BACKEND: z.enum(MONGO_BACKENDS).default('sqlite'),
  STACK_READY_TIMEOUT_MS: positiveInt.default(180_000),
});

/** Every port the stack's servers and the system's processes bind, as the variables that set them. */
export const STACK_PORT_VARIABLES: readonly string[] = [
  ...new Set([...PORT_VARIABLES, ...Object.keys(stackSchema.shape).filter((k) => k.endsWith('_PORT'))]),
];

function loadStackSettings(env: NodeJS.ProcessEnv) {
  const e = parseEnv(stackSchema, env);
  const dir = path.resolve(REPO_ROOT, e.STACK_DIR ?? '.stack');
  return {
    dir,
    /** The installed servers and tools; another stack's, to share them (a stack beside `npm start`'s does). */
    installDir: path.resolve(REPO_ROOT, e.STACK_INSTALL_DIR ?? path.join(dir, 'install')),
    repoRoot: REPO_ROOT,
    readyTimeoutMs: e.STACK_READY_TIMEOUT_MS,
    mongoBackend: e.STACK_MONGO_BACKEND,
    ports: {
      kafka: e.STACK_KAFKA_PORT,
      kafkaController: e.STACK_KAFKA_CONTROLLER_PORT,
      temporal: e.STACK_TEMPORAL_PORT,
      temporalUi: e.STACK_TEMPORAL_UI_PORT,
      temporalHttp: e.STACK_TEMPORAL_HTTP_PORT,
      temporalMetrics: e.STACK_TEMPORAL_METRICS_PORT,
      mongo: e.STACK_MONGO_PORT,
      /** The FerretDB launcher's profiling endpoints (Go pprof, per-command timings). */
      mongoDebug: e.STACK_MONGO_DEBUG_PORT,
      issuer: e.STACK_ISSUER_PORT,
      /** PostgreSQL, FerretDB's storage when STACK_MONGO_BACKEND=postgresql; nothing else connects to it. */
      postgres: e.STACK_POSTGRES_PORT,
    },
  };
}

export type StackSettings = ReturnType<typeof loadStackSettings>;
export type StackConfig = ReturnType<typeof loadConfig> & { stack: StackSettings };

/** The system's settings and the stack's, every bad variable of either named in one ConfigError. */
export function loadStackConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  // The local run's encryption keys, for whatever the environment does not set: into the environment itself when
  // it is this process's, so every process the stack starts (and every test it runs) gets the same ones.
  const stackDir = path.resolve(REPO_ROOT, env.STACK_DIR || '.stack');
  const keys = localKeyrings(stackDir, env);
  if (env === process.env) Object.assign(process.env, keys);
  env = { ...env, ...keys };
  const problems: string[] = [];
  const attempt = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
      return undefined;
    }
  };
  const config = attempt(() => loadConfig(env));
  const stack = attempt(() => loadStackSettings(env));
  if (!config || !stack) throw new ConfigError([...new Set(problems)]);
  return { ...config, stack };
}
