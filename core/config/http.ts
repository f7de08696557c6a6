import { z } from 'zod';
import { ConfigError, type EnvOf } from './env';

/** What every HTTP service applies. */
export const httpEnv = {
  HTTP_RATE_LIMIT_PER_MINUTE: z.coerce
    .number({ error: 'expected requests a minute, 0 for no limit' })
    .int('expected requests a minute, 0 for no limit')
    .nonnegative('expected requests a minute, 0 for no limit')
    .default(600),
  CORS_ORIGINS: z.string().optional(),
};

/** Where an HTTP service listens; `publicUrl`: the base of the links the service returns. */
export function httpService(host: string, port: number, publicUrl: string | undefined) {
  return { host, port, publicUrl: (publicUrl ?? `http://${host}:${port}`).replace(/\/+$/, '') };
}

export type HttpService = ReturnType<typeof httpService>;

/** `scheme://host[:port]` entries, normalised to the form a browser sends in its Origin header. */
export function originList(given: string | undefined, variable: string): string[] {
  const entries = (given ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  return entries.map((entry) => {
    const url = URL.canParse(entry) ? new URL(entry) : undefined;
    const bare = url && !url.username && !url.password && url.pathname === '/' && !url.search && !url.hash;
    if (!url || !bare || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new ConfigError([
        `${variable}: expected a comma-separated list of origins like https://temporal.example.com (received ${JSON.stringify(given)}; bad entry ${JSON.stringify(entry)})`,
      ]);
    }
    return url.origin;
  });
}

/**
 * A request budget per caller and minute (0: none), and the browser origins every HTTP service answers: the API's
 * own (`apiPublicUrl`), whose operator console calls the notification and analytics services, then CORS_ORIGINS.
 */
export function httpSection(e: EnvOf<typeof httpEnv>, apiPublicUrl: string) {
  return {
    rateLimitPerMinute: e.HTTP_RATE_LIMIT_PER_MINUTE,
    corsOrigins: [...new Set([new URL(apiPublicUrl).origin, ...originList(e.CORS_ORIGINS, 'CORS_ORIGINS')])],
  };
}
