/** The key of a minute inside its hour's rollup document: "00".."59". */
export function minuteKey(date: Date): string {
  return String(date.getUTCMinutes()).padStart(2, '0');
}

/** Parses an event's ISO timestamp; the schemas guarantee the format, this guards against a hand-built event. */
export function parseInstant(iso: string, field: string): Date {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime()))
    throw new RangeError(`${field}: expected an ISO date-time, received "${iso}"`);
  return date;
}
