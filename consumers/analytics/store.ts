import type { Connection } from 'mongoose';
import type { AnyEvent } from '../../contracts/events';
import { rollupContribution } from './contribution';
import { latestFact, recordEvents, type Consumed } from './facts';
import { analyticsModels, createAnalyticsIndexes, rawCollection, type RollupDoc } from './models';
import { ceilTo, floorTo, rangeProblem, timeseriesProblem } from '../../contracts/http/analytics/ranges';
import { factView, summarize, timeseriesOf, topSkusOf, type SeriesRequest } from './reports';
import { applyContributions } from './rollups';
import type { FactView, Summary, Timeseries, TopSku } from '../../contracts/http/analytics/schemas';
import { checkSource, offsetNumber, type EventSource } from './source';
import { netFigures } from './totals';

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
  /**
   * Applies consecutive messages of one partition (one stream, in offset order) together, with one write per
   * collection, and answers each one's outcome; the same outcomes as applying them one by one.
   */
  applyBatch(items: readonly Consumed[]): Promise<ApplyOutcome[]>;
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
    const taken = fields.split(' ').map((field) => `takenBack.${field}`);
    const docs = await rollups
      .find(filter)
      .select(['hour', ...fields.split(' '), ...taken].join(' '))
      .lean<RollupDoc[]>();
    return docs.map(netFigures);
  }

  async function applyBatch(items: readonly Consumed[]): Promise<ApplyOutcome[]> {
    if (items.length === 0) return [];
    for (const { source } of items) checkSource(source);
    const { stream, topic, partition } = items[0]!.source;
    if (items.some(({ source }) => source.stream !== stream || source.partition !== partition))
      throw new RangeError(`applyBatch: expected messages of one partition of ${stream}`);
    const recordings = await recordEvents(facts, items);
    const contributions = items.map(({ event }, i) => {
      const recording = recordings[i]!;
      return recording.kind === 'duplicate' ? new Map() : rollupContribution(event, recording);
    });
    const added = await applyContributions(
      rollups,
      { stream, topic, partition },
      items.map(({ source }, i) => ({ offset: offsetNumber(source), contribution: contributions[i]! })),
    );
    return items.map(({ source }, i): ApplyOutcome => {
      const recording = recordings[i]!;
      if (recording.kind === 'duplicate') return 'duplicate';
      // A superseded outcome changes no figure: recording it is all there is to apply.
      if (contributions[i]!.size === 0) return recording.kind === 'recorded' ? 'applied' : 'already-applied';
      return added.has(offsetNumber(source)) ? 'applied' : 'already-applied';
    });
  }

  return {
    async apply(event, source) {
      const [outcome] = await applyBatch([{ event, source }]);
      return outcome!;
    },
    applyBatch,

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
