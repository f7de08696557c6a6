/**
 * Transitional: the `main` of a process not yet declared as a service (core/service.ts). runProcess is runService
 * with no connections of its own; remove this file once no entry point imports it.
 */
import type { Config } from './config';
import type { Logger } from './logger';
import { runService, type Started } from './service';

/** @deprecated use Started from core/service.ts */
export type Running = Started;

/** @deprecated declare the process with runService (core/service.ts) */
export function runProcess(name: string, start: (config: Config, logger: Logger) => Promise<Started>): void {
  runService({ name, connects: {}, start: ({ config, logger }) => start(config, logger) });
}
