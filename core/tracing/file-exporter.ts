import fs from 'node:fs';
import path from 'node:path';
import { SpanKind, SpanStatusCode, type Attributes, type HrTime } from '@opentelemetry/api';
import { ExportResultCode, hrTimeToMilliseconds, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/** One span as the file exporter writes it: a JSON line, readable by `npm run orders -- trace` and by people. */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  /** Absent on a trace's root. */
  parentSpanId?: string;
  name: string;
  kind: keyof typeof SpanKind;
  /** The process that made the span (its resource's service.name). */
  service: string;
  /** ISO 8601. */
  startTime: string;
  durationMs: number;
  status: keyof typeof SpanStatusCode;
  statusMessage?: string;
  attributes: Attributes;
}

const millis = (t: HrTime) => hrTimeToMilliseconds(t);

export function spanRecord(span: ReadableSpan): SpanRecord {
  const { traceId, spanId } = span.spanContext();
  return {
    traceId,
    spanId,
    ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
    name: span.name,
    kind: SpanKind[span.kind] as keyof typeof SpanKind,
    service: String(span.resource.attributes['service.name'] ?? 'unknown'),
    startTime: new Date(millis(span.startTime)).toISOString(),
    durationMs: Math.round(millis(span.duration) * 1000) / 1000,
    status: SpanStatusCode[span.status.code] as keyof typeof SpanStatusCode,
    ...(span.status.message ? { statusMessage: span.status.message } : {}),
    attributes: span.attributes,
  };
}

/** The file each process appends its spans to: one per process, so no two writers share a file. */
export function spanFileName(service: string, pid: number = process.pid): string {
  return `${service.replace(/[^\w.-]/g, '_')}-${pid}.jsonl`;
}

/**
 * Appends spans as JSON lines to `<dir>/<service>-<pid>.jsonl`: the local default, so a trace can be read without
 * running a collector. Writes are queued one after another, so lines never interleave and shutdown() waits for the
 * last one.
 */
export class FileSpanExporter implements SpanExporter {
  readonly file: string;
  private pending: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(dir: string, service: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, spanFileName(service));
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    if (this.stopped) return done({ code: ExportResultCode.FAILED, error: new Error('exporter shut down') });
    const lines = spans.map((s) => `${JSON.stringify(spanRecord(s))}\n`).join('');
    this.pending = this.pending
      .then(() => fs.promises.appendFile(this.file, lines))
      .then(
        () => done({ code: ExportResultCode.SUCCESS }),
        (error: Error) => done({ code: ExportResultCode.FAILED, error }),
      );
  }

  async forceFlush(): Promise<void> {
    await this.pending;
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.pending;
  }
}
