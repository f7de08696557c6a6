import { Writable } from 'node:stream';
import pino from 'pino';
import { temporalLogger } from '../../../workers/temporal-logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ level: 'debug' }, stream) };
}

describe('temporalLogger', () => {
  it('writes SDK lines as JSON at the matching pino level, with the orderId of an order workflow', () => {
    const { lines, logger } = capture();
    const sdk = temporalLogger(logger);
    sdk.warn('Activity failed', { workflowId: 'order-0f3c', activityType: 'chargePayment' });
    sdk.log('ERROR', 'Workflow failed', { workflowId: 'order-77' });
    sdk.info('Worker state changed', { taskQueue: 'payments' });
    sdk.trace('below the level');

    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'Activity failed',
        orderId: '0f3c',
        activityType: 'chargePayment',
      }),
      expect.objectContaining({
        level: 50,
        msg: 'Workflow failed',
        orderId: '77',
        component: 'temporal-sdk',
      }),
      expect.objectContaining({ level: 30, msg: 'Worker state changed', taskQueue: 'payments' }),
    ]);
    expect(lines[2]).not.toHaveProperty('orderId');
  });

  it('logs the activity-only workers\' "no workflows registered" at info: it is how they are built, not a problem', () => {
    const { lines, logger } = capture();
    temporalLogger(logger).warn('No workflows registered, not polling for workflow tasks', {
      taskQueue: 'payments',
    });
    temporalLogger(logger).warn('Activity failed', { taskQueue: 'payments' });
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [30, 'No workflows registered, not polling for workflow tasks'],
      [40, 'Activity failed'],
    ]);
  });

  it("names a workflow line's span as the system's lines do: traceId and spanId", () => {
    const { lines, logger } = capture();
    temporalLogger(logger).info('Workflow completed', {
      workflowId: 'order-9',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
      trace_flags: '01',
    });
    expect(lines[0]).toMatchObject({
      orderId: '9',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
    });
    expect(lines[0]).not.toHaveProperty('trace_id');
    expect(lines[0]).not.toHaveProperty('trace_flags');
  });
});
