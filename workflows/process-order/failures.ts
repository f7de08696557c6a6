import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { FailureReason } from '../../contracts/events';

/** Failure types that are the business saying no: the order is rejected, nothing is retried. */
export const BUSINESS_FAILURES = ['InvalidOrder', 'OutOfStock', 'PaymentDeclined'] as const;

/** What a step failed with: an activity's failure comes wrapped in ActivityFailure, a local activity's does not. */
const stepFailure = (err: unknown): unknown => (err instanceof ActivityFailure ? err.cause : err);

/** The business's no, when that is what a step failed with: the order is then rejected. */
export function businessReason(err: unknown): FailureReason | undefined {
  const cause = stepFailure(err);
  if (cause instanceof ApplicationFailure) {
    const type = cause.type ?? '';
    if ((BUSINESS_FAILURES as readonly string[]).includes(type)) return { type, message: cause.message };
  }
  return undefined;
}

/** Any other failure of a step, as the order and the operators see it. */
export function technicalReason(err: unknown): FailureReason {
  const cause = stepFailure(err);
  const type = cause instanceof ApplicationFailure && cause.type ? cause.type : 'TechnicalFailure';
  return { type, message: cause instanceof Error ? cause.message : String(cause) };
}
