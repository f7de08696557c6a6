import { isGrpcServiceError } from '@temporalio/client';
import { ValueError, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';

/**
 * What a failed workflow start means for the message that asked for it:
 * - `already-started`: the order's workflow exists (running, or closed under REJECT_DUPLICATE): done, commit.
 * - `permanent`: this message can never start (the server rejected its request as invalid): dead-letter it now.
 * - `transient`: anything else (server unavailable, deadline, throttling, an unknown error): retry with backoff,
 *   dead-letter once the attempts are used up. Unknown errors land here on purpose: a bounded retry costs seconds,
 *   a wrongly dead-lettered order costs an operator's replay.
 */
export type StartFailure = 'already-started' | 'permanent' | 'transient';

/** gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html) that condemn the request itself. */
const GRPC_INVALID_ARGUMENT = 3;
const GRPC_OUT_OF_RANGE = 11;
const PERMANENT_GRPC_CODES: ReadonlySet<number> = new Set([GRPC_INVALID_ARGUMENT, GRPC_OUT_OF_RANGE]);

export function classifyStartFailure(err: unknown): StartFailure {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof WorkflowExecutionAlreadyStartedError) return 'already-started';
    // The payload converter could not encode the input: retrying the same input cannot help.
    if (e instanceof ValueError) return 'permanent';
    if (isGrpcServiceError(e) && PERMANENT_GRPC_CODES.has(e.code)) return 'permanent';
  }
  return 'transient';
}

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 200, maxMs: 5_000 };

/** Delay before retry number `attempt` (1-based): initialMs doubling per attempt, capped at maxMs. */
export function backoffDelay(attempt: number, backoff: Backoff = DEFAULT_BACKOFF): number {
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, attempt - 1));
}
