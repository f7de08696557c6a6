import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ConfigError, loadConfig } from '../../../../core/config';
import { FileSpanExporter, spanFileName } from '../../../../core/tracing/file-exporter';
import { spanExporter } from '../../../../core/tracing/setup';

describe('tracing configuration', () => {
  it('defaults to the file exporter under the local stack folder', () => {
    const { tracing } = loadConfig({});
    expect(tracing.exporter).toBe('file');
    expect(tracing.dir).toBe(path.resolve('.stack', 'traces'));
  });

  it('follows STACK_DIR, and TRACES_DIR over it', () => {
    expect(loadConfig({ STACK_DIR: '/tmp/s' }).tracing.dir).toBe('/tmp/s/traces');
    expect(loadConfig({ STACK_DIR: '/tmp/s', TRACES_DIR: '/tmp/t' }).tracing.dir).toBe('/tmp/t');
  });

  it("sends OTLP to the endpoint's /v1/traces, or to the traces endpoint as given", () => {
    expect(loadConfig({}).tracing.otlpTracesUrl).toBe('http://localhost:4318/v1/traces');
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com:4318/' }).tracing.otlpTracesUrl,
    ).toBe('https://otel.example.com:4318/v1/traces');
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otel.example.com/custom' }).tracing
        .otlpTracesUrl,
    ).toBe('https://otel.example.com/custom');
  });

  it('refuses an exporter it does not have, naming the choices', () => {
    expect(() => loadConfig({ OTEL_TRACES_EXPORTER: 'jaeger' })).toThrow(ConfigError);
    expect(() => loadConfig({ OTEL_TRACES_EXPORTER: 'jaeger' })).toThrow(
      /OTEL_TRACES_EXPORTER: expected file, otlp or none \(received "jaeger"\)/,
    );
  });
});

describe('spanExporter', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'traces-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const settings = (exporter: string) =>
    loadConfig({ OTEL_TRACES_EXPORTER: exporter, TRACES_DIR: dir }).tracing;

  it('file: one file per process in the folder', async () => {
    const exporter = spanExporter(settings('file'), 'api');
    expect(exporter).toBeInstanceOf(FileSpanExporter);
    expect((exporter as FileSpanExporter).file).toBe(path.join(dir, spanFileName('api')));
    await exporter?.shutdown();
  });

  it('otlp: OTLP over HTTP', async () => {
    const exporter = spanExporter(settings('otlp'), 'api');
    expect(exporter).toBeInstanceOf(OTLPTraceExporter);
    await exporter?.shutdown();
  });

  it('none: nothing', () => {
    expect(spanExporter(settings('none'), 'api')).toBeUndefined();
  });
});
