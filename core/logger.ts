import pino from 'pino';

export type Logger = pino.Logger;

/** One JSON logger per process; components take a child with their own name. */
export function createLogger(name: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}
