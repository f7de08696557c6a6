import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { ORDER_WORKFLOW_PREFIX } from '../contracts/order-workflow';
import type { Logger } from '../core/logger';

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * The Temporal SDK's logger interface on top of the process's pino logger, so the SDK's own lines (worker state,
 * activity and workflow logs, forwarded core logs) come out as the same JSON as everything else. A line about an
 * order workflow also gets the orderId, so one filter finds every line about an order.
 */
/**
 * SDK lines that describe this system working as designed, at the level they deserve: the payments and
 * order-events workers run activities only, so the SDK's warning that they poll no workflow tasks is just a fact.
 */
const EXPECTED: Readonly<Record<string, LogLevel>> = {
  'No workflows registered, not polling for workflow tasks': 'INFO',
};

export function temporalLogger(logger: Logger): TemporalLogger {
  const sdk = logger.child({ component: 'temporal-sdk' });
  const log = (level: LogLevel, message: string, given: LogMetadata = {}) => {
    // The tracing interceptors name a workflow line's span their own way; the system's lines say traceId, spanId.
    const { trace_id: traceId, span_id: spanId, trace_flags: _flags, ...rest } = given;
    const meta = traceId === undefined ? given : { ...rest, traceId, spanId };
    const workflowId = meta.workflowId;
    const orderId =
      typeof workflowId === 'string' && workflowId.startsWith(ORDER_WORKFLOW_PREFIX)
        ? workflowId.slice(ORDER_WORKFLOW_PREFIX.length)
        : undefined;
    sdk[LEVELS[EXPECTED[message] ?? level]](orderId ? { orderId, ...meta } : meta, message);
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}
