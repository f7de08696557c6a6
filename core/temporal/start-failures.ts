import { isGrpcServiceError } from '@temporalio/client';
import { ValueError, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';

/**
 * What a failed workflow start means for the message that asked for it:
 * - `already-started`: the order's workflow exists (running, or closed under REJECT_DUPLICATE): done, commit.
 * - `permanent`: this message can never start (the server rejected its request as invalid): dead-letter it now.
 * - `unavailable`: Temporal is down, slow or throttling: nothing is wrong with the message, so it is retried with
 *   backoff for as long as the outage lasts (the partition waits) and never dead-lettered — otherwise an outage
 *   would empty order-created into the DLQ.
 * - `transient`: anything else (an unknown error): retried with backoff, dead-lettered once the attempts are used up.
 */
export type StartFailure = 'already-started' | 'permanent' | 'unavailable' | 'transient';

/** gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html) that condemn the request itself. */
const GRPC_INVALID_ARGUMENT = 3;
const GRPC_OUT_OF_RANGE = 11;
const PERMANENT_GRPC_CODES: ReadonlySet<number> = new Set([GRPC_INVALID_ARGUMENT, GRPC_OUT_OF_RANGE]);
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_UNAVAILABLE = 14;
const UNAVAILABLE_GRPC_CODES: ReadonlySet<number> = new Set([
  GRPC_DEADLINE_EXCEEDED,
  GRPC_RESOURCE_EXHAUSTED,
  GRPC_UNAVAILABLE,
]);

export function classifyStartFailure(err: unknown): StartFailure {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof WorkflowExecutionAlreadyStartedError) return 'already-started';
    // The payload converter could not encode the input: retrying the same input cannot help.
    if (e instanceof ValueError) return 'permanent';
    if (isGrpcServiceError(e) && PERMANENT_GRPC_CODES.has(e.code)) return 'permanent';
    if (isGrpcServiceError(e) && UNAVAILABLE_GRPC_CODES.has(e.code)) return 'unavailable';
  }
  return 'transient';
}
