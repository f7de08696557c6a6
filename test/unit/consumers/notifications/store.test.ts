import { storeOutcome } from '../../../../consumers/notifications/store';
import type { NotificationDoc } from '../../../../consumers/notifications/models';

describe('storeOutcome (the durable consumer’s counters)', () => {
  const at = { topic: 'order-processed', partition: 2, offset: '41' };
  const notification = {
    _id: 'n-1',
    source: { ...at, offsetNum: 41 },
  } as NotificationDoc;

  it('counts a notification this message wrote as stored', () => {
    expect(storeOutcome(notification, true, at)).toBe('stored');
  });

  it('counts one a live feed (or an earlier delivery) wrote from this very message as already stored, not a duplicate', () => {
    expect(storeOutcome(notification, false, { ...at })).toBe('alreadyStored');
  });

  it('counts one written from another message as a duplicate: a second copy of the event', () => {
    expect(storeOutcome(notification, false, { ...at, offset: '57' })).toBe('duplicate');
    expect(storeOutcome(notification, false, { ...at, partition: 3 })).toBe('duplicate');
    expect(storeOutcome(notification, false, { ...at, topic: 'order-processed-replay' })).toBe('duplicate');
  });
});
