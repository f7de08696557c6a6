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

function preview(value: unknown): string {
  const json = JSON.stringify(value);
  return json === undefined ? String(value) : json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

/**
 * One detail per offending value and problem; an unknown field becomes its own detail so every one is named, and
 * checks sharing a message (-1.5 fails both "whole" and "positive") are reported once.
 */
export function issueDetails(issues: readonly z.core.$ZodIssue[]): ErrorDetail[] {
  const seen = new Set<string>();
  return issues.flatMap(toDetails).filter((d) => {
    const id = `${d.field}\u0000${d.problem}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function toDetails(issue: z.core.$ZodIssue): ErrorDetail[] {
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
  return [
    {
      field: fieldPath(issue.path),
      problem: missing && issue.code === 'invalid_type' ? `required: ${issue.message}` : issue.message,
      ...(missing ? {} : { received: issue.input }),
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
  return new ApiError(400, 'validation_failed', `invalid request: ${summarise(details)}`, details);
}

/** Validates `value` against `schema`, throwing a 400 that names every problem. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) throw validationFailed(issueDetails(result.error.issues));
  return result.data;
}
