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

/**
 * Runs started from this change on write less to the order store:
 * - nothing when they start: no `processing` status record (the order store derives `processing` from the order's
 *   outbox entry being gone, domain/orders/seen-status.ts) and no OrderStatus upsert (every starter sets
 *   OrderStatus=processing in the start options, domain/orders/workflow-start.ts);
 * - a completed order's outcome is recorded before its stock is committed: the holds are the only record of a
 *   reservation (domain/stock/stock-store.ts), so an order whose stock is committed must already be final, or an
 *   operator's retry of a run that stalled after the commit would reserve its stock a second time.
 * Runs started before keep the old way: their histories have no marker of it (replayed from
 * test/fixtures/histories/*.v3.json and older).
 */
export const FEWER_WRITES = 'fewer-writes';

/** Which of the changes above one run follows, read once at its start. */
export interface RunVersions {
  /** LOCAL_ORDER_STEPS: the `orders` queue's steps run as local activities. */
  localOrderSteps: boolean;
  /** CAPTURE_IS_FINAL: nothing after the capture refunds it, and the steps that must happen wait out outages. */
  captureIsFinal: boolean;
  /** FEWER_WRITES: nothing recorded at the start, and the outcome recorded before the stock is committed. */
  fewerWrites: boolean;
}
