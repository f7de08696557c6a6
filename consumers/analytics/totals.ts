import type { RollupDoc } from './models';

/**
 * Figures in rollup documents as running totals: what a document's messages have counted (the figures' own paths)
 * and what they have taken back (the same paths under `takenBack`). Both only ever grow as messages are applied in
 * offset order, which is what lets rollups.ts write them with `$max`.
 */

export type Increments = Record<string, number>;

/** Where what a path's negative amounts take back is kept. */
export const TAKEN_BACK = 'takenBack';

/** The number at a dotted path of a document (keys are encoded: keys.ts), 0 where there is none. */
export function valueAt(doc: object | null | undefined, path: string): number {
  let at: unknown = doc;
  for (const key of path.split('.')) {
    if (at === null || typeof at !== 'object') return 0;
    at = (at as Record<string, unknown>)[key];
  }
  return typeof at === 'number' ? at : 0;
}

/**
 * The totals a document reaches once `changes` (increments, in offset order) are added to `doc`: per path, the
 * running total of the positive amounts, and under `takenBack` that of the negative ones. Paths no change touches
 * are left out.
 */
export function totalsAfter(doc: object | null, changes: readonly Increments[]): Increments {
  const added: Increments = {};
  for (const inc of changes)
    for (const [path, amount] of Object.entries(inc)) {
      if (amount === 0) continue;
      const into = amount > 0 ? path : `${TAKEN_BACK}.${path}`;
      added[into] = (added[into] ?? 0) + Math.abs(amount);
    }
  return Object.fromEntries(
    Object.entries(added).map(([path, amount]) => [path, valueAt(doc, path) + amount]),
  );
}

function subtract(counted: unknown, takenBack: unknown): unknown {
  if (typeof takenBack === 'number') return (typeof counted === 'number' ? counted : 0) - takenBack;
  if (takenBack === null || typeof takenBack !== 'object') return counted;
  const into: Record<string, unknown> =
    counted !== null && typeof counted === 'object' ? { ...(counted as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(takenBack)) into[key] = subtract(into[key], value);
  return into;
}

/** The document's figures net of what was taken back: what the reports add up. */
export function netFigures(doc: RollupDoc): RollupDoc {
  const { takenBack, ...counted } = doc;
  if (!takenBack) return counted;
  return subtract(counted, takenBack) as RollupDoc;
}
