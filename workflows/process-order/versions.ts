/**
 * The changes to the order workflow that runs already in flight must not see, each behind a `patched()` id. A run
 * takes the new way only if its history has the id's marker (every run started since the change has it), so older
 * runs replay as they were recorded. Remove an id only once no run started before it can still be open.
 */

/**
 * The `orders` queue's own steps (validate, record status, reserve/release/commit stock) run as local activities:
 * in the workflow task, on the worker running the workflow, with no task queue round trip. They are short and
 * idempotent (keyed by orderId), which is what local activities suit; retries keep the same policies. Payment and
 * publishing stay activities on their own queues, where they are rate-limited and scaled apart. Runs started before
 * this change keep their activities: their histories have no LOCAL_ORDER_STEPS marker (replayed from
 * test/fixtures/histories/*.v1.json).
 */
export const LOCAL_ORDER_STEPS = 'local-order-steps';

/**
 * Runs started from this change on treat the capture as final: the steps after it wait out an outage instead of
 * failing the order and refunding it, and a charge whose outcome is unknown is refunded when the order fails. Runs
 * started before keep the old saga: their histories have no marker of it (replayed from
 * test/fixtures/histories/*.v2.json and *.v1.json).
 */
export const CAPTURE_IS_FINAL = 'capture-is-final';

/** Which of the changes above one run follows, read once at its start. */
export interface RunVersions {
  /** LOCAL_ORDER_STEPS: the `orders` queue's steps run as local activities. */
  localOrderSteps: boolean;
  /** CAPTURE_IS_FINAL: nothing after the capture refunds it, and the steps that must happen wait out outages. */
  captureIsFinal: boolean;
}
