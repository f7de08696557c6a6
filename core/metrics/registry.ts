import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The metrics of this process. Every metric of the system is defined once, beside what it measures, on this
 * registry, and `/metrics` exposes it (./endpoint.ts). Names follow Prometheus' conventions: the unit as a suffix
 * (`_seconds`, `_messages`), `_total` on counters.
 */
export const metricsRegistry = new Registry();

let service: string | undefined;

/**
 * Names the process on every series (`service="api"`) and adds Node's own process metrics (CPU, memory, event-loop
 * lag, GC). Called once by the process runner (core/service.ts); tests that only count leave it out.
 */
export function initProcessMetrics(name: string): void {
  if (service !== undefined) return;
  service = name;
  metricsRegistry.setDefaultLabels({ service: name });
  collectDefaultMetrics({ register: metricsRegistry });
}

/** The process's name as initProcessMetrics was given it. */
export function metricsServiceName(): string | undefined {
  return service;
}
