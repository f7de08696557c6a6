import { checkSource, offsetNumber } from '../../../../consumers/analytics/source';

describe('event source', () => {
  const source = { stream: 'c1/order-created', topic: 'order-created', partition: 0, offset: '42' };

  it('reads kafkajs decimal offsets exactly up to 2^53 − 1', () => {
    expect(offsetNumber(source)).toBe(42);
    expect(offsetNumber({ ...source, offset: '9007199254740991' })).toBe(2 ** 53 - 1);
  });

  it.each(['9007199254740992', '-1', '1e3', '', '0x10', '4.5'])('refuses offset %j', (offset) => {
    expect(() => offsetNumber({ ...source, offset })).toThrow(
      `offset: expected a decimal integer string below 2^53, received "${offset}"`,
    );
  });

  it('refuses an empty stream or a negative partition, saying what it expected', () => {
    expect(() => checkSource({ ...source, stream: '' })).toThrow('stream: expected a non-empty string');
    expect(() => checkSource({ ...source, partition: -1 })).toThrow(
      'partition: expected a whole number >= 0, received -1',
    );
  });
});
