import { BulkWriter, type BulkInsertable } from '../../../../tools/bench/seed-writer';

/** A collection whose inserts finish when the test says so. */
function heldCollection() {
  const held: { docs: object[]; done: () => void; fail: (err: Error) => void }[] = [];
  const collection: BulkInsertable = {
    insertMany: (docs) =>
      new Promise((resolve, reject) =>
        held.push({ docs, done: () => resolve({ insertedCount: docs.length }), fail: reject }),
      ),
  };
  return { collection, held };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('BulkWriter', () => {
  it('writes each batch as one insertMany per collection, skipping empty ones, and counts what went in', async () => {
    const a = heldCollection();
    const b = heldCollection();
    const writer = new BulkWriter({ a: a.collection, b: b.collection }, 2);
    await writer.write({ a: [{ n: 1 }, { n: 2 }], b: [] });
    expect(a.held.map((h) => h.docs)).toEqual([[{ n: 1 }, { n: 2 }]]);
    expect(b.held).toHaveLength(0);
    const finished = writer.finish();
    a.held[0]!.done();
    await finished;
    expect(writer.written).toEqual({ a: 2, b: 0 });
    expect(writer.seconds()).toEqual({ a: expect.any(Number), b: 0 });
  });

  it('holds the next batch back while as many as allowed are being written', async () => {
    const a = heldCollection();
    const writer = new BulkWriter({ a: a.collection }, 2);
    await writer.write({ a: [{}] });
    let returned = false;
    const second = writer.write({ a: [{}] }).then(() => (returned = true));
    await tick();
    expect(returned).toBe(false);
    a.held[0]!.done();
    await second;
    expect(a.held).toHaveLength(2);
  });

  it('throws the first failure, at the next write or at the end', async () => {
    const a = heldCollection();
    const writer = new BulkWriter({ a: a.collection }, 5);
    await writer.write({ a: [{}] });
    a.held[0]!.fail(new Error('disk full'));
    await tick();
    await expect(writer.write({ a: [{}] })).rejects.toThrow('disk full');
    a.held[1]!.done();
    await expect(writer.finish()).rejects.toThrow('disk full');
  });
});
