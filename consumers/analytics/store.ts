import type { Connection } from 'mongoose';
import type { AnyEvent } from '../../contracts/events';
import { rollupContribution } from './contribution';
import { latestFact, recordEvent } from './facts';
import { analyticsModels, createAnalyticsIndexes, rawCollection, type RollupDoc } from './models';
import { ceilTo, floorTo, rangeProblem, timeseriesProblem } from '../../contracts/http/analytics/ranges';
import { factView, summarize, timeseriesOf, topSkusOf, type SeriesRequest } from './reports';
import { applyContribution } from './rollups';
import type { FactView, Summary, Timeseries, TopSku } from '../../contracts/http/analytics/schemas';
import { checkSource, type EventSource } from './source';

/**
 * - `applied`: this call added the event to the figures (or, for an outcome superseded by a later one already
 *   applied, recorded it: such an event changes no figure).
 * - `already-applied`: this message (same stream, partition, offset) was counted before — a redelivery; the
 *   figures are unchanged (the fact may have been completed, if an earlier attempt stopped half-way).
 * - `duplicate`: the same eventId was already applied from another position — a second copy; nothing changed.
 * Each means the message is handled: commit its offset.
 */
export type ApplyOutcome = 'applied' | 'already-applied' | 'duplicate';

export interface TimeRange {
  from?: Date;
  to?: Date;
}

export interface AnalyticsStore {
  /**
   * Applies one consumed event, exactly once in effect. Messages of one partition must be applied in offset
   * order, one at a time (as a Kafka consumer delivers them); different partitions may run concurrently.
   */
  apply(event: AnyEvent, source: EventSource): Promise<ApplyOutcome>;
  /** Totals over whole hours: from is cut down to its hour, to rounded up (the rollups' resolution for SKUs,
   * reasons and latency). */
  summary(range?: TimeRange): Promise<Summary>;
  timeseries(request: SeriesRequest): Promise<Timeseries>;
  topSkus(query: TimeRange & { limit: number }): Promise<TopSku[]>;
  fact(orderId: string): Promise<FactView | null>;
  /** Creates the indexes; call once at start-up. */
  createIndexes(): Promise<void>;
}

function assertRange(problem: string | null): void {
  if (problem) throw new RangeError(problem);
}

export function createAnalyticsStore(connection: Connection): AnalyticsStore {
  const models = analyticsModels(connection);
  const { facts, rollups } = models;

  /** The rollups of whole hours overlapping [from, to); only the fields a report needs are read. */
  async function rollupsIn(range: TimeRange, fields: string): Promise<RollupDoc[]> {
    const hour: Record<string, Date> = {};
    if (range.from) hour.$gte = floorTo(range.from, 'hour');
    if (range.to) hour.$lt = ceilTo(range.to, 'hour');
    const filter = Object.keys(hour).length ? { hour } : {};
    return rollups.find(filter).select(`hour ${fields}`).lean<RollupDoc[]>();
  }

  return {
    async apply(event, source) {
      checkSource(source);
      const recording = await recordEvent(facts, event, source);
      if (recording.kind === 'duplicate') return 'duplicate';
      const contribution = rollupContribution(event, recording);
      // A superseded outcome changes no figure: recording it is all there is to apply.
      if (contribution.size === 0) return recording.kind === 'recorded' ? 'applied' : 'already-applied';
      return (await applyContribution(rollups, source, contribution)) ? 'applied' : 'already-applied';
    },

    async summary(range = {}) {
      assertRange(rangeProblem(range.from, range.to));
      const docs = await rollupsIn(range, 'minutes reasons latency latencyCount latencySumMs');
      return summarize(docs, {
        from: range.from ? floorTo(range.from, 'hour').toISOString() : null,
        to: range.to ? ceilTo(range.to, 'hour').toISOString() : null,
      });
    },

    async timeseries(request) {
      assertRange(timeseriesProblem(request.bucket, request.from, request.to));
      return timeseriesOf(await rollupsIn(request, 'minutes'), request);
    },

    async topSkus({ limit, ...range }) {
      if (!Number.isInteger(limit) || limit < 1)
        throw new RangeError(`limit: expected a whole number >= 1, received ${limit}`);
      assertRange(rangeProblem(range.from, range.to));
      return topSkusOf(await rollupsIn(range, 'skus'), limit);
    },

    async fact(orderId) {
      const { fact } = await latestFact(rawCollection(facts), orderId);
      return fact ? factView(fact) : null;
    },

    createIndexes: () => createAnalyticsIndexes(models),
  };
}
