import { z } from 'zod';
import type { EnvOf } from './env';
import type { LOCAL_SERVER_PORTS } from './local-servers';
import { url } from './values';

export const authEnv = {
  AUTH_JWKS_URL: url.optional(),
  AUTH_ISSUER: z.string().min(1).optional(),
  AUTH_AUDIENCE: z.string().min(1).default('order-pipeline'),
};

/**
 * Whom the HTTP services trust: a JWKS, the issuer and audience its tokens must name. Unset, the local stack's own
 * issuer (on STACK_ISSUER_PORT), which `npm start` runs and `npm run stack:token --` mints for.
 */
export function authSection(e: EnvOf<typeof authEnv & Pick<typeof LOCAL_SERVER_PORTS, 'STACK_ISSUER_PORT'>>) {
  const local = `http://127.0.0.1:${e.STACK_ISSUER_PORT}`;
  return {
    jwksUrl: e.AUTH_JWKS_URL ?? `${local}/.well-known/jwks.json`,
    issuer: e.AUTH_ISSUER ?? local,
    audience: e.AUTH_AUDIENCE,
    /** true when AUTH_JWKS_URL was given: the local stack does not run its issuer. */
    external: e.AUTH_JWKS_URL !== undefined,
  };
}
