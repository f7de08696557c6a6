import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NoopSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Config } from '../config';
import { FileSpanExporter } from './file-exporter';

export type TracingSettings = Config['tracing'];

/** Where the spans of process `service` go, by OTEL_TRACES_EXPORTER; undefined for `none`. */
export function spanExporter(settings: TracingSettings, service: string): SpanExporter | undefined {
  switch (settings.exporter) {
    case 'file':
      return new FileSpanExporter(settings.dir, service);
    case 'otlp':
      // Headers (an API key) come from OTEL_EXPORTER_OTLP_HEADERS, which the exporter reads itself.
      return new OTLPTraceExporter({ url: settings.otlpTracesUrl });
    case 'none':
      return undefined;
  }
}

export interface Tracing {
  service: string;
  /** Where spans end: the Temporal worker hands it the workflow's spans, made in the workflow sandbox. */
  processor: SpanProcessor;
  resource: Resource;
  /** Exports what is still buffered, then stops. */
  shutdown(): Promise<void>;
}

let installed: Tracing | undefined;

/**
 * Sets up OpenTelemetry for this process, once (runService calls it): the global tracer provider, W3C propagation,
 * async context, and the exporter of the configuration behind a batching processor.
 */
export function startTracing(service: string, settings: TracingSettings): Tracing {
  if (installed) return installed;
  const resource = new Resource({ 'service.name': service });
  const exporter = spanExporter(settings, service);
  const processor = exporter ? new BatchSpanProcessor(exporter) : new NoopSpanProcessor();
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  installed = { service, processor, resource, shutdown: () => provider.shutdown() };
  return installed;
}

/** The process's tracing, once startTracing ran; undefined in a test that runs a component in its own process. */
export function processTracing(): Tracing | undefined {
  return installed;
}
