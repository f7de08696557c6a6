/**
 * A stream position: for every partition of `order-processed`, the last offset a client has been brought up to
 * (-1: nothing yet). It is the SSE event id, so a reconnecting client hands it back as Last-Event-ID and any
 * replica can tell exactly what it missed: its customer's notifications beyond those offsets. Offsets within a
 * partition are a total order, which wall-clock times across replicas are not.
 *
 * Written as `partition:offset` pairs, e.g. `0:41,1:-1,2:17`.
 */
export type Positions = Map<number, number>;

const PAIR = /^(\d{1,5}):(-1|\d{1,15})$/;

export function encodePositions(positions: Positions): string {
  return [...positions]
    .sort(([a], [b]) => a - b)
    .map(([partition, offset]) => `${partition}:${offset}`)
    .join(',');
}

/** The positions an id names, or undefined when it is not an id this service wrote. */
export function decodePositions(id: string): Positions | undefined {
  if (id.length === 0 || id.length > 4096) return undefined;
  const positions: Positions = new Map();
  for (const pair of id.split(',')) {
    const match = PAIR.exec(pair);
    if (!match) return undefined;
    const partition = Number(match[1]);
    if (positions.has(partition)) return undefined;
    positions.set(partition, Number(match[2]));
  }
  return positions;
}
