import { isGrpcServiceError } from '@temporalio/client';
import { ValueError, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';

/**
 * What a failed workflow start means for the message that asked for it:
 * - `already-started`: the order's workflow exists (running, or closed under REJECT_DUPLICATE): done, commit.
 * - `permanent`: this message can never start (the server rejected its request as invalid, or its input cannot be
 *   encoded): dead-letter it now.
 * - `unavailable`: anything else. Temporal down, slow or throttling, and any error not known to condemn the request:
 *   nothing says the message is wrong, so it is retried with backoff for as long as that lasts (the partition
 *   waits) and never dead-lettered. An acknowledged order must not land in a DLQ, and stay `accepted`, because a
 *   server said something unexpected for a few seconds.
 */
export type StartFailure = 'already-started' | 'permanent' | 'unavailable';

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
  return 'unavailable';
}
