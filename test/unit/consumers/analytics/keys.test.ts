import { decodeKey, encodeKey } from '../../../../consumers/analytics/keys';

describe('data-derived field names', () => {
  it.each([
    ['KB-01', 'KB-01'],
    ['a.b', 'a%2Eb'],
    ['$where', '%24where'],
    ['50%', '50%25'],
    ['%2E', '%252E'],
    ['nul\u0000byte', 'nul%00byte'],
    ['', '%'],
    ['ünï.cödé', 'ünï%2Ecödé'],
  ])('encodes %j as %j and back', (value, key) => {
    expect(encodeKey(value)).toBe(key);
    expect(decodeKey(key)).toBe(value);
  });

  it('never yields a name with a dot, a dollar sign or a NUL, nor an empty one', () => {
    for (const value of ['.', '..', '$', '$.$', 'a.$b', '\u0000', '', '%', '%%.']) {
      const key = encodeKey(value);
      expect(key).not.toMatch(/[.$]/);
      expect(key).not.toContain('\u0000');
      expect(key).not.toBe('');
      expect(decodeKey(key)).toBe(value);
    }
  });

  it('keeps distinct values distinct', () => {
    const values = ['a.b', 'a%2Eb', 'a%252Eb', '', '%', '%25'];
    expect(new Set(values.map(encodeKey)).size).toBe(values.length);
  });
});
