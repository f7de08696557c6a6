import { publishStateOf } from '../../../../domain/orders/outbox';
import { seenStatus, statusesSeenAs } from '../../../../domain/orders/seen-status';

const entry = { _id: 'o-1' };
const order = { status: 'accepted' as const, runId: null };

describe('seenStatus: the status readers see, derived from what is stored', () => {
  it('reads an accepted order as accepted while its outbox entry is there (not started yet)', () => {
    expect(seenStatus(order, entry)).toBe('accepted');
  });

  it('reads an accepted order whose entry is gone as processing: whoever started its workflow deleted it', () => {
    expect(seenStatus(order, null)).toBe('processing');
  });

  it('reads an accepted order with a run recorded on it as processing', () => {
    expect(seenStatus({ ...order, runId: 'run-1' }, entry)).toBe('processing');
  });

  it('answers every other stored status as it is', () => {
    for (const status of ['processing', 'completed', 'rejected', 'failed', 'cancelled'] as const) {
      expect(seenStatus({ ...order, status }, null)).toBe(status);
      expect(seenStatus({ ...order, status }, entry)).toBe(status);
    }
  });

  it('reads an order stored before the entry carried its publish state as accepted until started', () => {
    // Published by the relay of before (which deleted its entry), its workflow not started through the new bridge.
    expect(seenStatus({ ...order, publishState: 'published' }, null)).toBe('accepted');
    expect(seenStatus({ ...order, publishState: 'pending' }, null)).toBe('accepted');
    // Its old workflow recorded processing itself.
    expect(seenStatus({ ...order, status: 'processing', publishState: 'published' }, null)).toBe(
      'processing',
    );
  });

  it('looks for processing orders among the stored accepted ones too', () => {
    expect(statusesSeenAs('processing')).toEqual(['accepted', 'processing']);
    expect(statusesSeenAs('accepted')).toEqual(['accepted']);
    expect(statusesSeenAs('completed')).toEqual(['completed']);
  });
});

describe('publishStateOf: whether the order-created is out, from the outbox entry', () => {
  const at = new Date();

  it('reads a new order from its entry: pending, parked, published; no entry: published and started', () => {
    expect(publishStateOf({}, { publishedAt: null, parkedAt: null })).toBe('pending');
    expect(publishStateOf({}, {})).toBe('pending');
    expect(publishStateOf({}, { parkedAt: at })).toBe('parked');
    expect(publishStateOf({}, { publishedAt: at, parkedAt: null })).toBe('published');
    expect(publishStateOf({}, null)).toBe('published');
  });

  it('lets an entry decide over the state an order stored before keeps on itself', () => {
    expect(publishStateOf({ publishState: 'pending' }, { publishedAt: at })).toBe('published');
    expect(publishStateOf({ publishState: 'pending' }, { parkedAt: at })).toBe('parked');
    expect(publishStateOf({ publishState: 'pending' }, {})).toBe('pending');
  });

  it('reads an order stored before with no entry from itself', () => {
    expect(publishStateOf({ publishState: 'pending' }, null)).toBe('pending');
    expect(publishStateOf({ publishState: 'parked' }, null)).toBe('parked');
    expect(publishStateOf({ publishState: 'published' }, null)).toBe('published');
  });

  it('takes an unpublished entry left by the relay of before (order marked, entry not deleted) for published', () => {
    expect(publishStateOf({ publishState: 'published' }, {})).toBe('published');
  });
});
