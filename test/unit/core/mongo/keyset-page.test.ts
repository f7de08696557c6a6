import { decodeCursor, encodeCursor } from '../../../../core/mongo/keyset-page';

describe('list cursors', () => {
  const cursor = {
    createdAt: new Date('2026-01-02T03:04:05.678Z'),
    id: '5f0c6f0e-8a1b-4c2d-9e3f-0123456789ab',
  };

  it('round-trip the sort key of the last order of a page', () => {
    const encoded = encodeCursor(cursor);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/); // safe in a query string without escaping
    expect(decodeCursor(encoded)).toEqual(cursor);
  });

  it.each([
    ['not base64url', 'abc$%'],
    ['base64url of non-JSON', Buffer.from('hello').toString('base64url')],
    ['JSON of the wrong shape', Buffer.from('{"a":1}').toString('base64url')],
    ['a date that is not ISO', Buffer.from('{"createdAt":"yesterday","_id":"x"}').toString('base64url')],
    ['an empty id', Buffer.from('{"createdAt":"2026-01-02T03:04:05.678Z","_id":""}').toString('base64url')],
    ['an empty string', ''],
  ])('reject %s', (_what, value) => {
    expect(decodeCursor(value)).toBeUndefined();
  });
});
