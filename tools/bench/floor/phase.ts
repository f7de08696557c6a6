/**
 * The engine floor's phase (see queues.ts): the floor workflow started straight through the client with the start
 * options the bridge uses for a real order, on the floor's own queues. An order of the floor is done when its run
 * has closed, at the close time Temporal recorded.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { orderCreatedEvent } from '../../../domain/orders/order-created-event';
import { processOrderStartOptions } from '../../../domain/orders/workflow-start';
import { measure, type BenchContext, type PhaseResult, type Tracked } from '../measure';
import { benchOrder } from '../orders';
import { PHASE } from '../phase-names';
import { FLOOR_QUEUE_LIST, FLOOR_TASK_QUEUES, FLOOR_WORKFLOW, FLOOR_WORKFLOW_PREFIX } from './queues';

const LIST_EVERY_MS = 1000;
/** Slack for the clocks of the bench and the server, which are the same machine's. */
const CLOCK_SLACK_MS = 2000;

/**
 * When each floor run closed, from Temporal's visibility store, listed in batches (a query a second, not
 * a call per run, which would add to the engine's own work what the floor is to measure). Each listing asks for
 * the runs closed since the oldest start still waiting: a run cannot close before it started.
 */
class ClosedRuns {
  readonly closedAt = new Map<string, number>();
  private readonly waiting = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private listing = false;

  constructor(private readonly client: Client) {}

  start(): void {
    this.timer = setInterval(() => void this.list(), LIST_EVERY_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  expect(orderId: string, sentAt: number): void {
    this.waiting.set(orderId, sentAt);
  }

  private async list(): Promise<void> {
    if (this.listing || this.waiting.size === 0) return;
    this.listing = true;
    try {
      const since = [...this.waiting.values()].reduce((a, b) => Math.min(a, b)) - CLOCK_SLACK_MS;
      const query =
        `WorkflowType = '${FLOOR_WORKFLOW}' AND ExecutionStatus = 'Completed' ` +
        `AND CloseTime >= '${new Date(since).toISOString()}'`;
      for await (const run of this.client.workflow.list({ query, pageSize: 1000 })) {
        const orderId = run.workflowId.slice(FLOOR_WORKFLOW_PREFIX.length);
        if (!run.closeTime || !this.waiting.has(orderId)) continue;
        this.closedAt.set(orderId, run.closeTime.getTime());
        this.waiting.delete(orderId);
      }
    } catch {
      // Listed again next time.
    } finally {
      this.listing = false;
    }
  }
}

export async function floorPhase(ctx: BenchContext, rate: number, durationS: number): Promise<PhaseResult> {
  const closed = new ClosedRuns(ctx.temporal);
  closed.start();
  try {
    return await measure(ctx, {
      phase: PHASE.floor,
      rate,
      durationS,
      send: async (i, tracked) => {
        const order = benchOrder(randomUUID(), `${ctx.run}-floor-${i % 10}`, i);
        // The real start request but for the queue and the id, and without the order's search attributes, so
        // the Web UI's and the console's order filters never list a floor run as an order.
        const { typedSearchAttributes: _orderOnly, ...options } = processOrderStartOptions(
          orderCreatedEvent(order),
          FLOOR_TASK_QUEUES.orders,
        );
        const t: Tracked = { sentAt: Date.now(), orderId: order._id };
        tracked.push(t);
        const started = performance.now();
        await ctx.temporal.workflow.start(FLOOR_WORKFLOW, {
          ...options,
          workflowId: `${FLOOR_WORKFLOW_PREFIX}${order._id}`,
        });
        t.acceptMs = performance.now() - started;
        closed.expect(order._id, t.sentAt);
      },
      acceptLabel: 'workflow start',
      ends: { 'start → run closed': (t) => closed.closedAt.get(t.orderId!) },
      involves: (process) => process === 'temporal' || process.startsWith('floor-'),
      taskQueues: FLOOR_QUEUE_LIST,
    });
  } finally {
    closed.stop();
  }
}
