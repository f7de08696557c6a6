import pino from 'pino';
import { activeTraceIds } from './tracing/spans';

export type Logger = pino.Logger;

/**
 * What never reaches a log line in clear, wherever it sits in a logged object (one level down included): tokens,
 * secrets and keys, and customers' emails. The value is replaced, the key kept, so a reader sees it was there.
 */
export const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'token',
  'ticket',
  'secret',
  'email',
  'password',
  '*.authorization',
  '*.token',
  '*.ticket',
  '*.secret',
  '*.email',
  '*.password',
  '*.headers.authorization',
];

/** One JSON logger per process; components take a child with their own name. */
export function createLogger(name: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name,
    level,
    base: { pid: process.pid },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    // A line written while a span is active names its trace, so the trace of a log line is one search away.
    mixin: activeTraceIds,
  });
}
