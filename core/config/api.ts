import { z } from 'zod';
import type { EnvOf } from './env';
import { httpService } from './http';
import { port, positiveInt, url } from './values';

export const apiEnv = {
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
  API_PUBLIC_URL: url.optional(),
  API_BODY_LIMIT_BYTES: positiveInt.default(64 * 1024),
  API_MAX_IN_FLIGHT: positiveInt.default(200),
};

export function apiSection(e: EnvOf<typeof apiEnv>) {
  return {
    ...httpService(e.API_HOST, e.API_PORT, e.API_PUBLIC_URL),
    bodyLimitBytes: e.API_BODY_LIMIT_BYTES,
    /** Requests served at once; beyond that, 503 at once (shed, not queued behind the database). */
    maxInFlight: e.API_MAX_IN_FLIGHT,
  };
}
