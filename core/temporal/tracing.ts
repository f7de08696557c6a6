import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { ClientInterceptors } from '@temporalio/client';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry/lib/workflow';
import { Resource } from '@opentelemetry/resources';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Tracing } from '../tracing/setup';

/**
 * The workflow sandbox's half of the tracing: its module is bundled with the workflow code (a worker bundling the
 * sources adds it itself; `npm run build:workflows` and the replay test must name it), and it makes the spans of a
 * run and of the activities it schedules, children of the span that started the run.
 */
export const WORKFLOW_TRACING_MODULES: readonly string[] = [
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
];

/** A client's half: starting (signalling, querying…) a workflow is a span whose context travels in its headers. */
export function clientTracingInterceptors(): ClientInterceptors {
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}

/** A worker's half: each activity runs in a span, child of the workflow's span that scheduled it. */
export function workerTracingInterceptors(opts: { bundlesWorkflows: boolean }): WorkerInterceptors {
  return {
    activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx) })],
    ...(opts.bundlesWorkflows ? { workflowModules: [...WORKFLOW_TRACING_MODULES] } : {}),
  };
}

/**
 * Where the workflow sandbox's spans leave it: into the process's span processor, with its resource. Calls made
 * while replaying history are not repeated (a sink's default), so a run's spans are exported once.
 */
export function workflowSpanSinks(
  tracing: Pick<Tracing, 'processor' | 'resource'> | undefined,
): InjectedSinks<OpenTelemetrySinks> {
  // Without the process's tracing (a worker made in a test), the sink is still there for the bundled interceptors.
  const { processor, resource } = tracing ?? {
    processor: new NoopSpanProcessor(),
    resource: Resource.empty(),
  };
  return { exporter: makeWorkflowExporter(processor, resource) };
}
