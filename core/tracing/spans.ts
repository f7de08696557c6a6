import {
  context,
  isSpanContextValid,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
} from '@opentelemetry/api';

/** The attribute every span about an order carries, so `npm run orders -- trace <orderId>` finds its trace. */
export const ORDER_ID = 'order.id';

/** The system's own spans; those of the Temporal SDK come from its interceptors. */
export function tracer(): Tracer {
  return trace.getTracer('order-pipeline');
}

/** Marks a span failed with the error, for a caller that goes on (a retry, a dead letter). */
export function recordFailure(span: Span, err: unknown): void {
  if (err instanceof Error) span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

/**
 * Runs `work` in a new span, child of `parent` (the active context unless given), with the span active, so what
 * `work` logs and starts belongs to it. A throw marks the span failed and goes on up.
 */
export async function inSpan<T>(
  name: string,
  options: SpanOptions & { parent?: Context },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const { parent = context.active(), ...spanOptions } = options;
  const span = tracer().startSpan(name, spanOptions, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (err) {
    recordFailure(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** The active span's ids, for log lines; empty outside any span. */
export function activeTraceIds(): { traceId?: string; spanId?: string } {
  const ids = trace.getActiveSpan()?.spanContext();
  return ids && isSpanContextValid(ids) ? { traceId: ids.traceId, spanId: ids.spanId } : {};
}
