/**
 * Which phases run, in which order. At every rate the three ways of running an order go back to back — the engine
 * floor, the full workflow, the pipeline — before the rate goes up, so none of them runs on what a whole ramp of
 * another left behind (history in Temporal's store, documents in the database); each has a warm-up of its own.
 */
import type { PhaseResult } from './measure';
import type { Options } from './options';
import { PHASE } from './phase-names';

export type Ordered = typeof PHASE.floor | typeof PHASE.full | typeof PHASE.pipeline;

/** The ways of running an order, cheapest first. */
export const ORDERED: readonly Ordered[] = [PHASE.floor, PHASE.full, PHASE.pipeline];

export interface PhaseRunners {
  run(phase: Ordered, rate: number, durationS: number): Promise<PhaseResult>;
  kafka(rate: number, durationS: number): Promise<PhaseResult>;
  api(rate: number, durationS: number): Promise<PhaseResult>;
}

/**
 * Each rate in turn, the three phases at it back to back; a phase that did not sustain a rate is not run at the
 * higher ones, and the ramp ends when none is left.
 */
export async function ramp(runners: PhaseRunners, rates: readonly number[], stepS: number): Promise<void> {
  const going = new Set(ORDERED);
  for (const rate of rates) {
    for (const phase of ORDERED) {
      if (!going.has(phase)) continue;
      if (!(await runners.run(phase, rate, stepS)).sustained) going.delete(phase);
    }
    if (going.size === 0) return;
  }
}

/** The phases a mode runs, in order. */
export async function schedule(runners: PhaseRunners, opts: Options): Promise<void> {
  if (opts.mode === 'quick') {
    await runners.run(PHASE.floor, 5, 3);
    await runners.run(PHASE.full, 5, 3);
    await runners.run(PHASE.pipeline, 5, 6);
    return;
  }
  const [firstRate, durationS] =
    opts.mode === 'ramp' ? [opts.rates[0]!, opts.stepS] : [opts.rate, opts.durationS];
  await runners.kafka(firstRate, durationS);
  if (opts.mode === 'ramp') await ramp(runners, opts.rates, opts.stepS);
  else for (const phase of ORDERED) await runners.run(phase, opts.rate, opts.durationS);
  if (opts.api) await runners.api(opts.apiRate, opts.apiDurationS);
}
