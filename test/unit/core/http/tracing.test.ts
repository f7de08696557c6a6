import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import express from 'express';
import request from 'supertest';
import { traceRequests } from '../../../../core/http/tracing';
import { activeTraceIds } from '../../../../core/tracing/spans';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
// Async context as in a process (runService registers the same way).
provider.register();

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

function app() {
  const a = express();
  a.get('/healthz', (_req, res) => void res.send('ok'));
  a.use(traceRequests());
  a.get('/orders/:orderId', async (req, res) => {
    await new Promise((resolve) => setImmediate(resolve));
    res.json({ activeTrace: trace.getActiveSpan()?.spanContext().traceId });
  });
  a.get('/boom', () => {
    throw new Error('boom');
  });
  return a;
}

describe('traceRequests', () => {
  beforeEach(() => exporter.reset());

  it("makes a server span per request, named by its route, child of the caller's traceparent", async () => {
    const res = await request(app())
      .get('/orders/o-1')
      .set('traceparent', `00-${TRACE_ID}-${PARENT}-01`)
      .expect(200);
    // Active while the handler runs, past an await.
    expect(res.body).toEqual({ activeTrace: TRACE_ID });
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('GET /orders/:orderId');
    expect(span?.spanContext().traceId).toBe(TRACE_ID);
    expect(span?.parentSpanId).toBe(PARENT);
    expect(span?.attributes).toMatchObject({
      'http.route': '/orders/:orderId',
      'http.response.status_code': 200,
    });
  });

  it('starts a trace of its own without a traceparent, and marks a 5xx failed', async () => {
    await request(app()).get('/boom').expect(500);
    const [span] = exporter.getFinishedSpans();
    expect(span?.parentSpanId).toBeUndefined();
    expect(span?.status.code).toBe(2);
  });

  it('leaves what is mounted before it untraced', async () => {
    await request(app()).get('/healthz').expect(200);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it("gives log lines the active span's ids, and nothing outside a span", () => {
    const span = provider.getTracer('t').startSpan('work');
    const inside = context.with(trace.setSpan(context.active(), span), activeTraceIds);
    span.end();
    expect(inside).toEqual({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId });
    expect(activeTraceIds()).toEqual({});
  });
});
