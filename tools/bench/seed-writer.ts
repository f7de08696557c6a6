/**
 * Bulk inserts into several collections side by side: each batch is one insertMany per collection, and a few batches
 * are written at once, so the database always has work while the next batch is built. FerretDB on PostgreSQL
 * writes different collections concurrently; on SQLite its proxy queues them, which costs nothing but the queueing.
 */
import { round1 } from './stats';

/** What a collection must offer: the driver's insertMany. */
export interface BulkInsertable {
  insertMany(
    docs: object[],
    options: { ordered: boolean; ignoreUndefined: boolean },
  ): Promise<{ insertedCount: number }>;
}

export class BulkWriter<Name extends string> {
  /** Documents inserted, per collection. */
  readonly written: Record<Name, number>;
  private readonly busyMs: Record<Name, number>;
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;

  constructor(
    private readonly collections: Record<Name, BulkInsertable>,
    private readonly maxInFlight: number,
  ) {
    const zero = () =>
      Object.fromEntries(Object.keys(collections).map((k) => [k, 0])) as Record<Name, number>;
    this.written = zero();
    this.busyMs = zero();
  }

  /** Starts writing the batch; returns once fewer than maxInFlight batches are being written. */
  async write(batch: Partial<Record<Name, object[]>>): Promise<void> {
    const writing = this.insert(batch).catch((err: unknown) => void (this.failure ??= err));
    this.inFlight.add(writing);
    void writing.finally(() => this.inFlight.delete(writing));
    while (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  /** Waits for every batch; throws the first failure. */
  async finish(): Promise<void> {
    await Promise.all(this.inFlight);
    this.throwIfFailed();
  }

  /** Seconds spent in each collection's inserts (they overlap one another). */
  seconds(): Record<Name, number> {
    const out = { ...this.busyMs };
    for (const name of Object.keys(out) as Name[]) out[name] = round1(out[name] / 1000);
    return out;
  }

  private async insert(batch: Partial<Record<Name, object[]>>): Promise<void> {
    await Promise.all(
      (Object.entries(batch) as [Name, object[]][]).map(async ([name, docs]) => {
        if (docs.length === 0) return;
        const started = performance.now();
        const { insertedCount } = await this.collections[name].insertMany(docs, {
          ordered: false,
          // As mongoose stores documents: an absent optional field is left out, not written as null.
          ignoreUndefined: true,
        });
        this.written[name] += insertedCount;
        this.busyMs[name] += performance.now() - started;
      }),
    );
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
