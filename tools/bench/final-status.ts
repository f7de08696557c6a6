/**
 * When each order's final status was recorded in the order store: the last of the three things an order's
 * completion is (its status recorded, its `order-processed` on the topic, its notification on the stream).
 *
 * FerretDB has no change streams to watch, so the store is polled by `_id`, and only once an order's
 * `order-processed` has arrived: the workflow records the final status right after publishing it, so half a second
 * later an order is usually read once; if not, it is read again after a second, then every two, and once more
 * before the bench gives up waiting. The time is the record's own `updatedAt`, stamped by the worker that wrote
 * it, so how late a poll comes changes no figure, only how soon the bench knows. The polls are counted, so the
 * report can take them out of the system's reads.
 */
import type { Connection } from 'mongoose';
import { FINAL_STATUSES, type OrderStatus } from '../../contracts/events';
import { orderModel } from '../../domain/orders/order-model';

const TICK_MS = 100;
const FIRST_READ_AFTER_MS = 500;
const LONGEST_GAP_MS = 2000;
const CONCURRENT_READS = 8;

export class FinalStatusWatcher {
  /** Reads of the `orders` collection this watcher made. */
  reads = 0;
  private readonly recorded = new Map<string, number>();
  /** Orders not yet seen final, and when each is to be read next (once its order-processed has arrived). */
  private readonly waiting = new Map<string, { at: number; gapMs: number } | null>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly connection: Connection,
    /** When the order's `order-processed` arrived (ms since the epoch): only then is its record read. */
    private readonly publishedAt: (orderId: string) => number | undefined,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), TICK_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Watches an accepted order from now on. */
  track(orderId: string): void {
    if (!this.recorded.has(orderId)) this.waiting.set(orderId, null);
  }

  /** When its final status was recorded (ms since the epoch), once it has been seen. */
  recordedAt(orderId: string): number | undefined {
    return this.recorded.get(orderId);
  }

  /** Reads every order still waiting whose order-processed has arrived, now: before the bench gives up on them. */
  async catchUp(): Promise<void> {
    while (this.polling) await new Promise((r) => setTimeout(r, TICK_MS));
    await this.poll(true);
  }

  private async poll(all = false): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const now = Date.now();
      const due = [...this.waiting].flatMap(([id, next]) => {
        const published = this.publishedAt(id);
        if (published === undefined) return [];
        const at = next?.at ?? published + FIRST_READ_AFTER_MS;
        return all || at <= now ? [id] : [];
      });
      const orders = orderModel(this.connection);
      for (let i = 0; i < due.length; i += CONCURRENT_READS) {
        await Promise.all(
          due.slice(i, i + CONCURRENT_READS).map(async (id) => {
            this.reads += 1;
            const order = await orders
              .findById(id, { status: 1, updatedAt: 1 })
              .lean<{ status: OrderStatus; updatedAt: Date }>()
              .catch(() => null);
            if (!order || !(FINAL_STATUSES as readonly string[]).includes(order.status)) {
              const gapMs = Math.min(
                LONGEST_GAP_MS,
                2 * (this.waiting.get(id)?.gapMs ?? FIRST_READ_AFTER_MS),
              );
              this.waiting.set(id, { at: Date.now() + gapMs, gapMs });
              return;
            }
            this.recorded.set(id, new Date(order.updatedAt).getTime());
            this.waiting.delete(id);
          }),
        );
      }
    } finally {
      this.polling = false;
    }
  }
}
