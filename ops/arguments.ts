import { InvalidArgumentError } from 'commander';
import type { Start } from '../core/kafka/topic-reader';

/** Parsers of the commands' arguments: a bad value is bad usage, named with what was expected. */

export function instant(value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new InvalidArgumentError('expected an ISO 8601 time such as 2026-01-31T12:00:00Z');
  }
  return date;
}

export function wholeNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('expected a whole number >= 1');
  return n;
}

export function timeOrOffset(value: string): Start {
  return /^\d+$/.test(value) ? { offset: BigInt(value) } : { time: instant(value) };
}
