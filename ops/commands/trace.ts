import type { Command } from 'commander';
import { loadConfig } from '../../core/config';
import { readSpans, renderTrace, traceHeading, tracesOfOrder } from '../../core/tracing/trace-files';
import type { Outcome } from '../command';

/** `npm run orders -- trace`: an order's OpenTelemetry trace, printed as a tree. */
export function traceCommand(cli: Command, outcome: Outcome): void {
  cli
    .command('trace')
    .summary("print an order's trace as a tree")
    .description(
      'Print the OpenTelemetry trace of an order, from the spans the processes wrote with the file exporter\n' +
        '(OTEL_TRACES_EXPORTER=file, the local default): each span indented under its parent, with the process\n' +
        'that made it, its duration and whether it failed. Spans are written in batches: a trace a few seconds\n' +
        'old may not be complete yet.',
    )
    .argument('<orderId>', 'the order whose trace to print')
    .option('--dir <dir>', 'where the spans are (default: TRACES_DIR, else <STACK_DIR>/traces)')
    .action((orderId: string, opts: { dir?: string }) => {
      const dir = opts.dir ?? loadConfig().tracing.dir;
      const traces = tracesOfOrder(readSpans(dir), orderId);
      if (traces.length === 0) {
        console.log(
          `no trace of order ${orderId} in ${dir}: the processes write spans there only with ` +
            'OTEL_TRACES_EXPORTER=file (the default; not with otlp or none) and the same TRACES_DIR or STACK_DIR',
        );
        outcome.exitCode = 1;
        return;
      }
      for (const [i, trace] of traces.entries()) {
        if (i > 0) console.log('');
        console.log(traceHeading(trace));
        for (const line of renderTrace(trace)) console.log(`  ${line}`);
      }
    });
}
