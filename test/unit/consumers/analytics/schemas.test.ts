import { SummaryQuery, TimeseriesQuery, TopSkusQuery } from '../../../../contracts/http/analytics/schemas';

const problems = (result: {
  success: boolean;
  error?: { issues: { path: PropertyKey[]; message: string }[] };
}) => result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

describe('analytics query schemas', () => {
  it('turns ISO date-times (with or without an offset) into dates', () => {
    expect(SummaryQuery.parse({ from: '2026-03-01T10:00:00+02:00', to: '2026-03-01T10:00:00Z' })).toEqual({
      from: new Date('2026-03-01T08:00:00Z'),
      to: new Date('2026-03-01T10:00:00Z'),
    });
    expect(SummaryQuery.parse({})).toEqual({});
  });

  it('says what it expected', () => {
    expect(problems(SummaryQuery.safeParse({ from: 'yesterday' }))).toEqual([
      'from: expected an ISO 8601 date-time such as 2026-01-31T12:00:00Z',
    ]);
    expect(
      problems(SummaryQuery.safeParse({ from: '2026-03-01T10:00:00Z', to: '2026-03-01T09:00:00Z' })),
    ).toEqual([
      'to: expected from before to, received from 2026-03-01T10:00:00.000Z and to 2026-03-01T09:00:00.000Z',
    ]);
    expect(problems(TopSkusQuery.safeParse({ limit: '0' }))).toEqual([
      'limit: expected a whole number 1-100',
    ]);
    expect(
      problems(
        TimeseriesQuery.safeParse({
          metric: 'profit',
          from: '2026-03-01T10:00:00Z',
          to: '2026-03-01T11:00:00Z',
        }),
      ),
    ).toEqual(['metric: expected one of orders, created, completed, rejected, cancelled, failed, revenue']);
  });

  it('bounds a timeseries to 1440 points', () => {
    const day = { metric: 'orders', from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z' };
    expect(TimeseriesQuery.parse({ ...day, bucket: 'minute' })).toMatchObject({ bucket: 'minute' });
    expect(TimeseriesQuery.parse(day)).toMatchObject({ bucket: 'hour' });
    expect(
      problems(TimeseriesQuery.safeParse({ ...day, bucket: 'minute', to: '2026-03-02T00:00:01Z' })),
    ).toEqual([
      'to: expected a range of at most 1440 minutes, received 1441; use a larger bucket or a shorter range',
    ]);
  });

  it('defaults the top-SKU limit to 10 and coerces it from a query string', () => {
    expect(TopSkusQuery.parse({})).toEqual({ limit: 10 });
    expect(TopSkusQuery.parse({ limit: '25' })).toEqual({ limit: 25 });
  });
});
