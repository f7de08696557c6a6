import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { FileSpanExporter, type SpanRecord } from '../../../../core/tracing/file-exporter';

describe('FileSpanExporter', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'traces-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('appends one JSON line per span, with its parent, service, duration and status', async () => {
    const exporter = new FileSpanExporter(path.join(dir, 'new-folder'), 'bridge');
    const provider = new BasicTracerProvider({
      resource: new Resource({ 'service.name': 'bridge' }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('test');
    const parent = tracer.startSpan('process order-created', { kind: SpanKind.CONSUMER });
    const child = tracer.startSpan(
      'StartWorkflow:processOrder',
      { attributes: { 'order.id': 'o-1' } },
      trace.setSpan(ROOT_CONTEXT, parent),
    );
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'no' });
    child.end();
    parent.end();
    await provider.shutdown();

    const lines = fs.readFileSync(exporter.file, 'utf8').trim().split('\n');
    const [first, second] = lines.map((l) => JSON.parse(l) as SpanRecord);
    expect(lines).toHaveLength(2);
    expect(first).toMatchObject({
      name: 'StartWorkflow:processOrder',
      kind: 'INTERNAL',
      service: 'bridge',
      traceId: parent.spanContext().traceId,
      parentSpanId: parent.spanContext().spanId,
      status: 'ERROR',
      statusMessage: 'no',
      attributes: { 'order.id': 'o-1' },
    });
    expect(second).toMatchObject({ name: 'process order-created', kind: 'CONSUMER', status: 'UNSET' });
    expect(second).not.toHaveProperty('parentSpanId');
    expect(first?.durationMs).toBeGreaterThanOrEqual(0);
    expect(Number.isNaN(Date.parse(first!.startTime))).toBe(false);
  });

  it('refuses spans once shut down', async () => {
    const exporter = new FileSpanExporter(dir, 'api');
    await exporter.shutdown();
    const result = await new Promise<{ code: ExportResultCode }>((resolve) => exporter.export([], resolve));
    expect(result.code).toBe(ExportResultCode.FAILED);
  });
});
