import { randomUUID } from 'node:crypto';
import type { WorkflowExecutionStatusName } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig } from '../../core/config';
import { CUSTOMER_ID, ORDER_STATUS } from '../../contracts/search-attributes';
import { connectTemporal } from '../../core/temporal/connection';
import { temporalDataConverter } from '../../core/temporal/payload-codec';
import * as activities from './fixtures/flaky-activities';
import { quietTemporalRuntime } from '../support/temporal-runtime';

const config = loadConfig();

describe('Temporal (real dev server)', () => {
  beforeAll(() => {
    quietTemporalRuntime();
  });

  it('runs a workflow whose activity fails once and succeeds on retry, visible with its search attributes', async () => {
    const taskQueue = `it-${randomUUID()}`;
    const customerId = `it-customer-${randomUUID()}`;
    const workflowId = `it-order-${randomUUID()}`;
    const { client, connection } = await connectTemporal(config.temporal);
    const workerConnection = await NativeConnection.connect({ address: config.temporal.address });
    try {
      const worker = await Worker.create({
        connection: workerConnection,
        namespace: config.temporal.namespace,
        taskQueue,
        workflowsPath: require.resolve('./fixtures/flaky-workflow'),
        activities,
        dataConverter: temporalDataConverter(config.temporal),
      });

      const result = await worker.runUntil(async () => {
        const handle = await client.workflow.start('flakyOrder', {
          taskQueue,
          workflowId,
          args: [workflowId],
          typedSearchAttributes: new TypedSearchAttributes([{ key: CUSTOMER_ID, value: customerId }]),
        });
        return handle.result();
      });
      expect(result).toEqual({ orderId: workflowId, attempt: 2 });

      const handle = client.workflow.getHandle(workflowId);
      // The history shows the retry: the activity's last start was attempt 2, after a recorded failure.
      const history = await handle.fetchHistory();
      const started = history.events!.filter((e) => e.activityTaskStartedEventAttributes);
      expect(started).toHaveLength(1);
      expect(started[0]!.activityTaskStartedEventAttributes!.attempt).toBe(2);
      expect(started[0]!.activityTaskStartedEventAttributes!.lastFailure?.message).toBe(
        'transient failure on attempt 1',
      );

      const description = await handle.describe();
      expect(description.status.name).toBe<WorkflowExecutionStatusName>('COMPLETED');
      expect(description.typedSearchAttributes.get(CUSTOMER_ID)).toBe(customerId);
      expect(description.typedSearchAttributes.get(ORDER_STATUS)).toBe('completed');

      // Visibility (what the Web UI lists) finds it by the custom search attributes.
      const query = `CustomerId = "${customerId}" AND OrderStatus = "completed"`;
      let listed: string[] = [];
      for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
        listed = [];
        for await (const wf of client.workflow.list({ query })) listed.push(wf.workflowId);
        if (listed.length > 0) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(listed).toEqual([workflowId]);
    } finally {
      await workerConnection.close();
      await connection.close();
    }
  });
});
