import fs from 'node:fs';
import path from 'node:path';
import type { SpanRecord } from './file-exporter';
import { ORDER_ID } from './spans';

/**
 * Every span the file exporter wrote under `dir` (one `.jsonl` file per process). A line that does not parse (a
 * process killed mid-write) is skipped; a missing folder holds no spans.
 */
export function readSpans(dir: string): SpanRecord[] {
  if (!fs.existsSync(dir)) return [];
  const spans: SpanRecord[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl'))) {
    for (const line of fs.readFileSync(path.join(dir, file), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        const span = JSON.parse(line) as SpanRecord;
        if (typeof span.traceId === 'string' && typeof span.spanId === 'string') spans.push(span);
      } catch {
        // a torn last line
      }
    }
  }
  return spans;
}

/**
 * The traces that concern an order: every trace one of whose spans names it, each trace's spans complete, oldest
 * trace first (an operator's retry or a replay may have started another).
 */
export function tracesOfOrder(spans: readonly SpanRecord[], orderId: string): SpanRecord[][] {
  const ids = new Set(spans.filter((s) => s.attributes?.[ORDER_ID] === orderId).map((s) => s.traceId));
  const traces = [...ids].map((id) => spans.filter((s) => s.traceId === id));
  const start = (trace: SpanRecord[]) => Math.min(...trace.map((s) => Date.parse(s.startTime)));
  return traces.sort((a, b) => start(a) - start(b));
}

function describe(span: SpanRecord): string {
  const status =
    span.status === 'ERROR' ? `  ERROR${span.statusMessage ? `: ${span.statusMessage}` : ''}` : '';
  return `${span.name}  [${span.service}]  ${span.durationMs.toFixed(1)} ms${status}`;
}

/** A span placed in its trace's tree: its depth, and whether its parent is missing from the trace. */
export interface TreeSpan {
  span: SpanRecord;
  depth: number;
  orphan: boolean;
}

/**
 * One trace in tree order (depth first, children under their parent in the order they started). A span whose parent
 * is not among the spans (not exported yet, or lost with a killed process) is placed at the top level, marked, so
 * a gap in the trace is visible rather than hidden.
 */
export function traceTree(spans: readonly SpanRecord[]): TreeSpan[] {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string | undefined, SpanRecord[]>();
  for (const span of spans) {
    const parent = span.parentSpanId && ids.has(span.parentSpanId) ? span.parentSpanId : undefined;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const byStart = (a: SpanRecord, b: SpanRecord) => Date.parse(a.startTime) - Date.parse(b.startTime);
  const tree: TreeSpan[] = [];
  const walk = (span: SpanRecord, depth: number) => {
    tree.push({ span, depth, orphan: depth === 0 && span.parentSpanId !== undefined });
    for (const child of (children.get(span.spanId) ?? []).sort(byStart)) walk(child, depth + 1);
  };
  for (const root of (children.get(undefined) ?? []).sort(byStart)) walk(root, 0);
  return tree;
}

/** One trace as indented lines (see traceTree). */
export function renderTrace(spans: readonly SpanRecord[]): string[] {
  return traceTree(spans).map(
    ({ span, depth, orphan }) =>
      `${'  '.repeat(depth)}${describe(span)}${orphan ? `  (parent ${span.parentSpanId} not found)` : ''}`,
  );
}

/** A trace's heading: its id, its size, and its span of time from the first start to the last end. */
export function traceHeading(spans: readonly SpanRecord[]): string {
  const starts = spans.map((s) => Date.parse(s.startTime));
  const ends = spans.map((s) => Date.parse(s.startTime) + s.durationMs);
  const totalMs = Math.max(...ends) - Math.min(...starts);
  return `trace ${spans[0]?.traceId ?? '-'}: ${spans.length} span${spans.length === 1 ? '' : 's'}, ${totalMs.toFixed(0)} ms`;
}
