import type { FactDoc } from '../../../../consumers/analytics/models';
import { createdPart, factChange, isLater, processedPart } from '../../../../consumers/analytics/outcomes';
import { createdEvent, processedEvent } from '../../../support/order-events';

const created = createdEvent({ createdAt: '2026-03-01T09:58:00.000Z' });
const failed = processedEvent(created, {
  status: 'failed',
  reasonType: 'Gateway.Timeout',
  processedAt: '2026-03-01T09:59:30.000Z',
});
const completed = processedEvent(created, { runId: 'run-2', processedAt: '2026-03-01T10:01:00.000Z' });

function fact(parts: Partial<FactDoc>): FactDoc {
  return { _id: created.orderId, events: [], ...parts };
}

describe('which outcome is final', () => {
  it('the later occurredAt, then the greater runId, then the greater eventId', () => {
    expect(isLater(processedPart(completed), processedPart(failed))).toBe(true);
    expect(isLater(processedPart(failed), processedPart(completed))).toBe(false);
    const sameTime = processedEvent(created, { runId: 'run-0', processedAt: failed.occurredAt });
    expect(isLater(processedPart(failed), processedPart(sameTime))).toBe(true);
    const other = { ...processedPart(failed), eventId: `${failed.eventId}z` };
    expect(isLater(other, processedPart(failed))).toBe(true);
  });
});

describe('how an outcome changes its fact', () => {
  const withFailed = fact({
    created: createdPart(created),
    processed: processedPart(failed),
    latencyMs: 90_000,
    latencyHour: new Date('2026-03-01T09:00:00.000Z'),
  });

  it('the first outcome after the creation completes the pair and adds the latency sample', () => {
    const change = factChange(fact({ created: createdPart(created) }), failed);
    expect(change.counting).toEqual({ second: true, latencyMs: 90_000, role: 'first' });
    expect(change.set).toMatchObject({ processed: { status: 'failed' }, latencyMs: 90_000 });
  });

  it('a later run supersedes the stored outcome, moving the latency sample with it', () => {
    const change = factChange(withFailed, completed);
    expect(change.counting).toEqual({
      second: false,
      latencyMs: 180_000,
      role: 'supersedes',
      replaced: {
        at: new Date(failed.occurredAt),
        status: 'failed',
        reason: failed.reason,
        currency: failed.currency,
        totalCents: failed.totalCents,
        items: failed.items,
        runId: 'run-1',
        latencyMs: 90_000,
        latencyHour: new Date('2026-03-01T09:00:00.000Z'),
      },
    });
    expect(change.set).toMatchObject({
      processed: { status: 'completed', runId: 'run-2' },
      latencyMs: 180_000,
      latencyHour: new Date('2026-03-01T10:00:00.000Z'),
    });
  });

  it('an earlier outcome arriving after a later one is superseded and changes nothing', () => {
    const withCompleted = fact({ ...withFailed, processed: processedPart(completed) });
    const change = factChange(withCompleted, failed);
    expect(change.counting).toEqual({ second: false, latencyMs: null, role: 'superseded' });
    expect(change.set).toEqual({});
  });

  it('before the creation, an outcome supersedes without any latency sample', () => {
    const change = factChange(fact({ processed: processedPart(failed) }), completed);
    expect(change.counting).toMatchObject({ second: false, latencyMs: null, role: 'supersedes' });
    expect(change.counting.replaced).not.toHaveProperty('latencyMs');
    expect(change.set).not.toHaveProperty('latencyMs');
  });

  it('the creation after the final outcome measures latency to that outcome', () => {
    const change = factChange(fact({ processed: processedPart(completed) }), created);
    expect(change.counting).toEqual({ second: true, latencyMs: 180_000 });
    expect(change.set).toMatchObject({
      latencyMs: 180_000,
      latencyHour: new Date('2026-03-01T09:00:00.000Z'),
    });
  });
});
