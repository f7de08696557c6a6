import type { SpanRecord } from '../../../../core/tracing/file-exporter';
import { renderTrace, traceHeading, tracesOfOrder } from '../../../../core/tracing/trace-files';

let clock = Date.parse('2026-01-31T12:00:00Z');
function span(fields: Partial<SpanRecord> & Pick<SpanRecord, 'spanId' | 'name'>): SpanRecord {
  clock += 10;
  return {
    traceId: 't1',
    kind: 'INTERNAL',
    service: 'api',
    startTime: new Date(clock).toISOString(),
    durationMs: 5,
    status: 'UNSET',
    attributes: {},
    ...fields,
  };
}

describe('printing a trace', () => {
  const root = span({ spanId: 'a', name: 'POST /orders', attributes: { 'order.id': 'o-1' } });
  const publish = span({
    spanId: 'b',
    parentSpanId: 'a',
    name: 'publish order-created',
    service: 'outbox-relay',
  });
  const consume = span({ spanId: 'c', parentSpanId: 'b', name: 'process order-created', service: 'bridge' });
  const failed = span({
    spanId: 'd',
    parentSpanId: 'b',
    name: 'process order-created',
    service: 'analytics',
    status: 'ERROR',
    statusMessage: 'dead-lettered',
    durationMs: 12.345,
  });

  it('indents each span under its parent, children in the order they started', () => {
    // Given out of order, as the files of several processes are read.
    expect(renderTrace([failed, consume, root, publish])).toEqual([
      'POST /orders  [api]  5.0 ms',
      '  publish order-created  [outbox-relay]  5.0 ms',
      '    process order-created  [bridge]  5.0 ms',
      '    process order-created  [analytics]  12.3 ms  ERROR: dead-lettered',
    ]);
  });

  it('shows a span whose parent is missing at the top level, marked', () => {
    expect(renderTrace([root, consume])).toEqual([
      'POST /orders  [api]  5.0 ms',
      'process order-created  [bridge]  5.0 ms  (parent b not found)',
    ]);
  });

  it("finds an order's traces by the spans that name it, each complete, oldest first", () => {
    const other = span({
      traceId: 't0',
      spanId: 'x',
      name: 'POST /orders',
      attributes: { 'order.id': 'o-2' },
    });
    const retry = span({
      traceId: 't2',
      spanId: 'r',
      name: 'POST /orders/{orderId}/retry',
      attributes: { 'order.id': 'o-1' },
    });
    const traces = tracesOfOrder([retry, consume, other, publish, root], 'o-1');
    expect(traces.map((t) => t.map((s) => s.spanId))).toEqual([['c', 'b', 'a'], ['r']]);
    expect(tracesOfOrder([root, other], 'o-3')).toEqual([]);
  });

  it('heads a trace with its id, size and overall duration', () => {
    expect(traceHeading([root, publish])).toBe('trace t1: 2 spans, 15 ms');
  });
});
