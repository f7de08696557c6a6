/**
 * A caller-supplied value the notification service cannot use. Carries the field, what was expected and what was
 * received, so an HTTP layer can answer 400 with a detail the client can act on (see `detail()`).
 */
export class InvalidFieldError extends Error {
  constructor(
    readonly field: string,
    readonly expected: string,
    readonly received: unknown,
  ) {
    super(`${field}: expected ${expected} (received ${preview(received)})`);
    this.name = 'InvalidFieldError';
  }

  /** The shape of the API's error details: `{ field, problem, received }`. */
  detail(): { field: string; problem: string; received?: unknown } {
    return {
      field: this.field,
      problem: `expected ${this.expected}`,
      ...(this.received === undefined ? {} : { received: this.received }),
    };
  }
}

function preview(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) return String(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}
