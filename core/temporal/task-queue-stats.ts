import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const { TaskQueueType, TaskQueueKind } = temporal.api.enums.v1;

/** A poller Temporal has not heard from for this long is counted as gone. */
const ACTIVE_POLLER_SECONDS = 60;

export interface QueueStats {
  /** Tasks waiting for a worker (approximate, as Temporal counts them). */
  backlogCount: number;
  /** How long the oldest waiting task has waited. */
  backlogAgeSeconds: number;
  addRatePerSecond: number;
  dispatchRatePerSecond: number;
  /** Workers polling in the last minute. */
  activePollers: number;
  pollers: { identity: string; lastSeen: string | null; ratePerSecond: number | null }[];
}

export interface TaskQueueReport {
  name: string;
  activity: QueueStats;
  /** Only for queues that run workflow code. */
  workflow: QueueStats | null;
}

type Describe = Awaited<ReturnType<Client['workflowService']['describeTaskQueue']>>;

const toNumber = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const seconds = (d: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  d ? toNumber(d.seconds) + toNumber(d.nanos) / 1e9 : 0;

function queueStats(r: Describe, nowSeconds: number): QueueStats {
  const s = r.stats;
  const pollers = (r.pollers ?? []).map((p) => ({
    identity: p.identity ?? 'unknown',
    lastSeenSeconds: p.lastAccessTime ? seconds(p.lastAccessTime) : null,
    ratePerSecond: p.ratePerSecond ?? null,
  }));
  return {
    backlogCount: toNumber(s?.approximateBacklogCount),
    backlogAgeSeconds: seconds(s?.approximateBacklogAge),
    addRatePerSecond: toNumber(s?.tasksAddRate),
    dispatchRatePerSecond: toNumber(s?.tasksDispatchRate),
    activePollers: pollers.filter(
      (p) => p.lastSeenSeconds !== null && nowSeconds - p.lastSeenSeconds < ACTIVE_POLLER_SECONDS,
    ).length,
    pollers: pollers.map((p) => ({
      identity: p.identity,
      lastSeen: p.lastSeenSeconds === null ? null : new Date(p.lastSeenSeconds * 1000).toISOString(),
      ratePerSecond: p.ratePerSecond,
    })),
  };
}

/**
 * Per task queue: backlog (count and age), add and dispatch rates and the workers polling it, from Temporal's
 * DescribeTaskQueue statistics — what a scaler needs to decide how many workers of each kind to run.
 */
export async function describeTaskQueues(
  client: Client,
  namespace: string,
  queues: readonly { name: string; workflows: boolean }[],
): Promise<TaskQueueReport[]> {
  const describe = (name: string, type: temporal.api.enums.v1.TaskQueueType) =>
    client.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: type,
      reportStats: true,
    });
  const now = Date.now() / 1000;
  return Promise.all(
    queues.map(async ({ name, workflows }) => {
      const [activity, workflow] = await Promise.all([
        describe(name, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY),
        workflows ? describe(name, TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW) : undefined,
      ]);
      return {
        name,
        activity: queueStats(activity, now),
        workflow: workflow ? queueStats(workflow, now) : null,
      };
    }),
  );
}
