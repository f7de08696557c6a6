import { createTraceState, ROOT_CONTEXT, trace, TraceFlags, type SpanContext } from '@opentelemetry/api';
import { contextFrom, traceCarrier, traceHeaders } from '../../../../core/tracing/propagation';

const SPAN: SpanContext = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.SAMPLED,
};
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const inSpan = trace.setSpanContext(ROOT_CONTEXT, SPAN);

describe('trace context carried by hand', () => {
  it('writes a span as W3C headers, and nothing outside a span', () => {
    expect(traceHeaders(inSpan)).toEqual({ traceparent: TRACEPARENT });
    expect(traceHeaders(ROOT_CONTEXT)).toEqual({});
  });

  it('stores a span as a carrier with its tracestate, and none outside a span', () => {
    const withState = trace.setSpanContext(ROOT_CONTEXT, {
      ...SPAN,
      traceState: createTraceState('vendor=a'),
    });
    expect(traceCarrier(inSpan)).toEqual({ traceparent: TRACEPARENT });
    expect(traceCarrier(withState)).toEqual({ traceparent: TRACEPARENT, tracestate: 'vendor=a' });
    expect(traceCarrier(ROOT_CONTEXT)).toBeUndefined();
  });

  it.each([
    ['a stored carrier', { traceparent: TRACEPARENT, tracestate: 'vendor=a' }],
    [
      'Kafka headers as Buffers',
      { traceparent: Buffer.from(TRACEPARENT), tracestate: Buffer.from('vendor=a') },
    ],
    ['Kafka headers given twice', { traceparent: [Buffer.from(TRACEPARENT)], tracestate: 'vendor=a' }],
  ])('reads the parent back from %s', (_what, carrier) => {
    const parent = trace.getSpanContext(contextFrom(carrier));
    expect(parent).toMatchObject({ ...SPAN, isRemote: true });
    expect(parent?.traceState?.get('vendor')).toBe('a');
  });

  it('round-trips: what one process writes, the next continues', () => {
    const carried = trace.getSpanContext(contextFrom(traceHeaders(inSpan)));
    expect(carried).toMatchObject({ traceId: SPAN.traceId, spanId: SPAN.spanId });
  });

  it.each([
    ['nothing', undefined],
    ['null (an order stored before traces were)', null],
    ['no traceparent', { 'event-type': 'order-created' }],
    ['a malformed traceparent', { traceparent: 'not-a-traceparent' }],
    ['an all-zero trace id', { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' }],
  ])('starts a new trace from %s', (_what, carrier) => {
    expect(trace.getSpanContext(contextFrom(carrier))).toBeUndefined();
  });
});
