import { context, SpanKind, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { contextFrom, traceHeaders, type TraceCarrier } from './propagation';
import { ORDER_ID, recordFailure, tracer } from './spans';

/** The attributes of a span about a Kafka message (OpenTelemetry's messaging conventions). */
export function messageAttributes(topic: string, operation: 'publish' | 'process', key?: string): Attributes {
  return {
    'messaging.system': 'kafka',
    'messaging.destination.name': topic,
    'messaging.operation.type': operation,
    ...(key === undefined ? {} : { 'messaging.kafka.message.key': key, [ORDER_ID]: key }),
  };
}

/** The spans of one send of several messages, one span per message, ended together when Kafka answered. */
export interface PublishSpans {
  /** Per message, in the order given: the W3C headers that make its consumers' spans children of its span. */
  headers: Record<string, string>[];
  /** Ends every span; failed, with the error, when one is given. */
  end(err?: unknown): void;
  /** Runs `work` with the span of the order's message active: its log lines name the trace. */
  within<T>(orderId: string, work: () => T): T;
}

/**
 * Producer spans for messages about orders (the key is the orderId, by contract), each the child of `parent`: a
 * carrier stored with the order, or, when none is given, the active context (an activity's span). A stored
 * `null` (an order accepted before traces were stored) starts a new trace.
 */
export function publishSpans(
  topic: string,
  messages: readonly { orderId: string; parent?: TraceCarrier | null }[],
): PublishSpans {
  const spans: { orderId: string; span: Span; ctx: Context }[] = messages.map(({ orderId, parent }) => {
    const parentCtx = parent === undefined ? context.active() : contextFrom(parent);
    const span = tracer().startSpan(
      `publish ${topic}`,
      { kind: SpanKind.PRODUCER, attributes: messageAttributes(topic, 'publish', orderId) },
      parentCtx,
    );
    return { orderId, span, ctx: trace.setSpan(parentCtx, span) };
  });
  return {
    headers: spans.map(({ ctx }) => traceHeaders(ctx)),
    end(err) {
      for (const { span } of spans) {
        if (err !== undefined) recordFailure(span, err);
        span.end();
      }
    },
    within(orderId, work) {
      const found = spans.find((s) => s.orderId === orderId);
      return found ? context.with(found.ctx, work) : work();
    },
  };
}
