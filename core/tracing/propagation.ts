import {
  context,
  ROOT_CONTEXT,
  type Context,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * W3C trace context (https://www.w3.org/TR/trace-context/) where the system carries it by hand: stored with an
 * order for the outbox relay, with a webhook delivery for the dispatcher, and in Kafka message headers. Always W3C,
 * whatever propagator the process registered, so every process reads what every other one wrote.
 */
const w3c = new W3CTraceContextPropagator();

/** A span's context as stored with a document: `traceparent`, and `tracestate` when the trace has one. */
export interface TraceCarrier {
  traceparent: string;
  tracestate?: string;
}

const recordSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/** Kafka header values: a Buffer, a string, or several of either. */
type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;

const headerGetter: TextMapGetter<Record<string, HeaderValue>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    if (value === undefined) return undefined;
    return Array.isArray(value) ? value.map(String) : String(value);
  },
};

/** The W3C headers of `ctx` (the active context by default); empty when no span is recording in it. */
export function traceHeaders(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  w3c.inject(ctx, carrier, recordSetter);
  return carrier;
}

/** `traceHeaders` as a document field: undefined when there is no trace to continue. */
export function traceCarrier(ctx: Context = context.active()): TraceCarrier | undefined {
  const { traceparent, tracestate } = traceHeaders(ctx);
  if (traceparent === undefined) return undefined;
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/**
 * The context a stored carrier or received headers name as parent; the root context (a new trace) when they name
 * none or a malformed one. Never the ambient context: what continues is the trace that was carried.
 */
export function contextFrom(
  carrier: Readonly<Record<string, HeaderValue>> | TraceCarrier | null | undefined,
): Context {
  if (!carrier) return ROOT_CONTEXT;
  return w3c.extract(ROOT_CONTEXT, carrier as Readonly<Record<string, HeaderValue>>, headerGetter);
}
