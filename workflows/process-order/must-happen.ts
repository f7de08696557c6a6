import { upsertMemo } from '@temporalio/workflow';
import { technicalReason } from './failures';
import type { OrderProgress } from './handlers';
import type { MustHappenSteps } from './steps';

/**
 * Runs a step that must happen (a compensation, or publishing, committing or recording the outcome), given as a
 * call on a set of steps: `mustHappen('publishing order-processed', (steps) => steps.publishOrderProcessed(event))`.
 */
export type MustHappen = <T>(step: string, call: (steps: MustHappenSteps) => Promise<T>) => Promise<T>;

/**
 * Its usual attempts first; if they fail, the order shows what it waits on (the status query, and the `waitingOn`
 * memo in the Web UI) and the step is retried patiently until it succeeds or the completion timeout is over. Runs
 * from before CAPTURE_IS_FINAL make the usual attempts only, as they always did.
 */
export function mustHappenIn(
  progress: OrderProgress,
  usual: MustHappenSteps,
  patient: MustHappenSteps,
  waitsOutOutages: boolean,
): MustHappen {
  if (!waitsOutOutages) return (_step, call) => call(usual);
  return async (step, call) => {
    try {
      return await call(usual);
    } catch (err) {
      const since = new Date().toISOString();
      progress.state.waitingOn = { step, since, lastError: technicalReason(err).message };
      upsertMemo({ waitingOn: `${step}, since ${since}` });
      const result = await call(patient);
      progress.state.waitingOn = undefined;
      upsertMemo({ waitingOn: undefined });
      return result;
    }
  };
}
