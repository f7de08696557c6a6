import { LOAD_GENERATOR, perOrder, type PhaseTotals } from '../../../../tools/bench/per-order';

const totals: PhaseTotals = {
  cpuMs: { temporal: 3000, 'worker-orders': 1500, 'floor-worker-orders': 10, [LOAD_GENERATOR]: 400 },
  persistenceRequests: { UpdateWorkflowExecution: 1000, GetTasks: 200 },
  actions: { grpc_StartWorkflowExecution: 100, command_ScheduleActivityTask: 200 },
  databaseCommands: { orders: { writes: 300, reads: 250 }, outbox: { writes: 200, reads: 0 } },
};
const system = (p: string) => !p.startsWith('floor-');

describe('perOrder', () => {
  it('divides what the phase used by the orders it completed', () => {
    const o = perOrder(totals, 100, { involves: system })!;
    expect(o.cpuMs).toEqual({
      total: 45,
      byProcess: { temporal: 30, 'worker-orders': 15, 'floor-worker-orders': 0.1 },
      counted: ['temporal', 'worker-orders'],
    });
    expect(o.loadGeneratorCpuMs).toBe(4);
    expect(o.temporalPersistence).toEqual({
      total: 12,
      byOperation: { UpdateWorkflowExecution: 10, GetTasks: 2 },
    });
    expect(o.temporalActions).toEqual({
      total: 3,
      byType: { grpc_StartWorkflowExecution: 1, command_ScheduleActivityTask: 2 },
    });
    expect(o.database).toEqual({
      writes: 5,
      reads: 2.5,
      byCollection: { orders: { writes: 3, reads: 2.5 }, outbox: { writes: 2, reads: 0 } },
    });
  });

  it('counts in the total only the processes the phase involves, never the bench', () => {
    const floor = perOrder(totals, 10, { involves: (p) => p === 'temporal' || p.startsWith('floor-') })!;
    expect(floor.cpuMs.total).toBe(301);
    expect(floor.cpuMs.counted).toEqual(['temporal', 'floor-worker-orders']);
  });

  it("takes the bench's own reads out of the collection they were made on", () => {
    const o = perOrder(totals, 100, { involves: system, ownReads: { orders: 150 } })!;
    expect(o.database!.byCollection.orders).toEqual({ writes: 3, reads: 1 });
    expect(o.database!.reads).toBe(1);
    // Never below nothing, even if the database counted fewer than the bench sent.
    const more = perOrder(totals, 100, { involves: system, ownReads: { orders: 999 } })!;
    expect(more.database!.byCollection.orders).toEqual({ writes: 3, reads: 0 });
  });

  it('says "not measured" (null) for counters it could not read, and nothing at all for no completed order', () => {
    const o = perOrder({ cpuMs: { temporal: 30 } }, 3, { involves: system })!;
    expect(o.temporalPersistence).toBeNull();
    expect(o.temporalActions).toBeNull();
    expect(o.database).toBeNull();
    expect(o.postgres).toBeUndefined();
    expect(perOrder(totals, 0, { involves: system })).toBeNull();
  });

  it("sums PostgreSQL's rows written, per order and per collection, sequential scans less the bench's reads (its finds by _id are such scans there)", () => {
    const o = perOrder(
      {
        ...totals,
        postgres: {
          orders: { inserted: 100, updated: 300, deleted: 0, seqScans: 450, idxScans: 2 },
          order_outbox: { inserted: 100, updated: 0, deleted: 100, seqScans: 50, idxScans: 100 },
        },
      },
      100,
      { involves: system, ownReads: { orders: 150 } },
    )!;
    expect(o.postgres).toEqual({
      rowsWritten: 6,
      byCollection: {
        orders: { inserted: 1, updated: 3, deleted: 0, seqScans: 3, idxScans: 0.02 },
        order_outbox: { inserted: 1, updated: 0, deleted: 1, seqScans: 0.5, idxScans: 1 },
      },
    });
  });

  it('rounds to two decimals', () => {
    const o = perOrder({ cpuMs: { temporal: 10 } }, 3, { involves: system })!;
    expect(o.cpuMs.total).toBe(3.33);
  });
});
