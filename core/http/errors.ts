import type { z } from 'zod';
import type { ErrorBody, ErrorDetail } from '../../contracts/http/common';

/** An error the client can act on: thrown by handlers, rendered by the error middleware as JSON. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  body(): ErrorBody {
    return { error: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

/** `['items', 1, 'quantity']` → `items[1].quantity`, the form a client developer would write in code. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? 'body' : out;
}

/** The most of a received value a 400 echoes: enough to recognise it, never the whole of a large body. */
export const ECHO_MAX_CHARS = 256;

/**
 * What a 400 says it received: the value itself when short, else a cut-down string, "(an array of N items)" or
 * "(an object with N fields)", so a 1,000-line order or a 5 KB id is not sent back whole.
 */
export function echo(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.length <= ECHO_MAX_CHARS
      ? value
      : `${value.slice(0, ECHO_MAX_CHARS)}… (${value.length} characters)`;
  }
  const json = JSON.stringify(value);
  if (json === undefined || json.length <= ECHO_MAX_CHARS) return value;
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  if (Array.isArray(value)) return `(an array of ${count(value.length, 'item')})`;
  if (typeof value === 'object' && value !== null)
    return `(an object with ${count(Object.keys(value).length, 'field')})`;
  return `${json.slice(0, ECHO_MAX_CHARS)}…`;
}

/** The value at `path` in what the client sent, when it is there: what it sent, before any coercion. */
function sentAt(sent: unknown, path: readonly PropertyKey[]): { value: unknown } | undefined {
  let at: unknown = sent;
  for (const key of path) {
    if (typeof at !== 'object' || at === null || !Object.prototype.hasOwnProperty.call(at, key))
      return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return { value: at };
}

function preview(value: unknown): string {
  const json = JSON.stringify(value);
  return json === undefined ? String(value) : json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

/**
 * One detail per offending value and problem; an unknown field becomes its own detail so every one is named, and
 * checks sharing a message (-1.5 fails both "whole" and "positive") are reported once.
 */
export function issueDetails(issues: readonly z.core.$ZodIssue[], sent?: unknown): ErrorDetail[] {
  const seen = new Set<string>();
  return issues
    .flatMap((issue) => toDetails(issue, sent))
    .filter((d) => {
      const id = `${d.field}\u0000${d.problem}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
}

function toDetails(issue: z.core.$ZodIssue, sent: unknown): ErrorDetail[] {
  if (issue.code === 'unrecognized_keys') {
    const parent = issue.input as Record<string, unknown> | undefined;
    return issue.keys.map((key) => ({
      field: fieldPath([...issue.path, key]),
      problem: 'unknown field',
      received: parent?.[key],
    }));
  }
  // JSON has no undefined: an undefined input is a field the client left out.
  const missing = issue.input === undefined;
  // A coerced query parameter's input is the coerced value (NaN for ?limit=abc): report what was sent instead.
  const received = sentAt(sent, issue.path)?.value ?? issue.input;
  return [
    {
      field: fieldPath(issue.path),
      problem: missing && issue.code === 'invalid_type' ? `required: ${issue.message}` : issue.message,
      ...(missing ? {} : { received }),
    },
  ];
}

/** One line naming every detail, for logs and clients that only show `message`. */
export function summarise(details: readonly ErrorDetail[]): string {
  const parts = details.map(
    (d) => `${d.field}: ${d.problem}${d.received === undefined ? '' : ` (received ${preview(d.received)})`}`,
  );
  return parts.join('; ');
}

/** 503 with Retry-After: a dependency did not answer; the same request is worth repeating shortly. */
export function unavailable(message: string): ApiError {
  return new ApiError(503, 'unavailable', message, undefined, { 'Retry-After': '1' });
}

export function validationFailed(details: ErrorDetail[]): ApiError {
  const echoed = details.map((d) => (d.received === undefined ? d : { ...d, received: echo(d.received) }));
  return new ApiError(400, 'validation_failed', `invalid request: ${summarise(echoed)}`, echoed);
}

/** Validates `value` against `schema`, throwing a 400 that names every problem. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) throw validationFailed(issueDetails(result.error.issues, value));
  return result.data;
}
