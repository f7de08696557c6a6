import path from 'node:path';
import { z } from 'zod';
import type { EnvOf } from './env';
import { url } from './values';

/** OpenTelemetry (core/tracing): where each process's spans go. */
export const tracingEnv = {
  OTEL_TRACES_EXPORTER: z
    .enum(['file', 'otlp', 'none'], { error: 'expected file, otlp or none' })
    .default('file'),
  OTEL_EXPORTER_OTLP_ENDPOINT: url.default('http://localhost:4318'),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url.optional(),
  TRACES_DIR: z.string().min(1).optional(),
  STACK_DIR: z.string().min(1).optional(),
};

export function tracingSection(e: EnvOf<typeof tracingEnv>) {
  return {
    exporter: e.OTEL_TRACES_EXPORTER,
    /** `file`: JSON lines, one file per process; the local stack's folder unless TRACES_DIR names another. */
    dir: path.resolve(e.TRACES_DIR ?? path.join(e.STACK_DIR ?? '.stack', 'traces')),
    /** `otlp`: OTLP over HTTP, as the OpenTelemetry variables say (the endpoint's /v1/traces). */
    otlpTracesUrl:
      e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
      `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`,
  };
}
