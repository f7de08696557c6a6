import type { StackConfig } from '../config';
import type { ServerName, StackPaths } from '../paths';

export interface ProbeResult {
  /** What the server reports of its version, for the status line. */
  version: string;
}

export interface LaunchCommand {
  cmd: string;
  args: string[];
  env?: Record<string, string>;
  /** What asks the server to stop at once (default SIGTERM); PostgreSQL's SIGTERM waits for every client to leave. */
  stopSignal?: NodeJS.Signals;
}

/** One server of the local stack: how to install, launch, probe and provision it. */
export interface ServerSpec {
  name: ServerName;
  /** Human name for status lines, e.g. "Apache Kafka". */
  label: string;
  /** The address clients use, e.g. "127.0.0.1:9092". */
  address: string;
  /** Extra addresses worth printing (the Temporal Web UI). */
  extra?: string;
  /** Set when the environment points at a server of the user's: the stack must not start one. */
  external: boolean;
  /** Servers this one needs answering before it starts (and outliving it when the stack stops). */
  dependsOn?: ServerName[];
  /** Set when this configuration has no use for the server: the whole stack's commands leave it out. */
  unused?: boolean;
  /** Loopback ports this server binds when the stack runs it. */
  ports: number[];
  isInstalled(): boolean;
  /** The installed executable, for tools that run it themselves (workflow tests). */
  binaryPath?: string;
  /** Downloads/builds what is missing; idempotent. */
  install(): Promise<void>;
  /** Writes config and initialises storage; called before each launch. */
  prepare(): Promise<LaunchCommand>;
  /** Resolves when the server really answers; rejects otherwise. */
  probe(timeoutMs: number): Promise<ProbeResult>;
  /** Creates what the system needs on the server (topics, search attributes); idempotent. */
  provision?(): Promise<string[]>;
}

export interface ServerContext {
  config: StackConfig;
  paths: StackPaths;
}
