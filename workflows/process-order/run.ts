import { workflowInfo } from '@temporalio/workflow';
import type { StockRequest } from '../../activities/stock/activities';
import { DEFAULT_COMPLETION_TIMEOUT_MS, type ProcessOrderInput } from '../../contracts/order-workflow';
import { trackOrder, type OrderProgress } from './handlers';
import { mustHappenIn, type MustHappen } from './must-happen';
import { orderSteps, patientSteps, type OrderSteps } from './steps';
import type { RunVersions } from './versions';

/** One order's run, as the saga and the completion share it. */
export interface OrderRun {
  readonly input: ProcessOrderInput;
  /** The request every stock step takes (reserve, commit, release). */
  readonly stock: StockRequest;
  readonly workflowId: string;
  readonly runId: string;
  readonly progress: OrderProgress;
  readonly steps: OrderSteps;
  readonly mustHappen: MustHappen;
  /** How long a step that must happen waits out an outage, in ms (ProcessOrderInput.completionTimeoutMs). */
  readonly completionTimeoutMs: number;
  readonly versions: RunVersions;
}

export function startRun(input: ProcessOrderInput, versions: RunVersions): OrderRun {
  const { workflowId, runId } = workflowInfo();
  const progress = trackOrder(input.orderId, runId);
  const steps = orderSteps(versions.localOrderSteps);
  const completionTimeoutMs = input.completionTimeoutMs ?? DEFAULT_COMPLETION_TIMEOUT_MS;
  const patient = patientSteps(versions.localOrderSteps, completionTimeoutMs);
  return {
    input,
    stock: {
      orderId: input.orderId,
      items: input.items.map(({ sku, quantity }) => ({ sku, quantity })),
    },
    workflowId,
    runId,
    progress,
    steps,
    mustHappen: mustHappenIn(progress, steps, patient, versions.captureIsFinal),
    completionTimeoutMs,
    versions,
  };
}
