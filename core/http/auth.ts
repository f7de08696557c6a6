import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { ApiError } from './errors';

/**
 * Who is calling, as a verified bearer token says. Two roles: a `customer` (the token's subject is the customer
 * id, and every customer-facing route takes the customer from here, never from a parameter) and an `operator`
 * (every customer, and the operator actions).
 */
export type Principal =
  { role: 'customer'; subject: string; customerId: string } | { role: 'operator'; subject: string };

export const ROLES = ['customer', 'operator'] as const;
export type Role = (typeof ROLES)[number];

/** The claim carrying the roles: a list of strings, as most OpenID Connect providers can be told to issue. */
export const ROLES_CLAIM = 'roles';

export interface AuthSettings {
  /** Where the signing keys are published (an OpenID Connect provider's `jwks_uri`). */
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** Leeway for clocks that disagree, on `exp` and `nbf`. */
  clockToleranceSec?: number;
}

/** Verifies a bearer token and says who it names; throws ApiError 401/403/503. */
export type TokenVerifier = (token: string) => Promise<Principal>;

/** Asymmetric algorithms only: a shared-secret (HS*) token could be minted by anyone holding the secret. */
const ALGORITHMS = ['ES256', 'ES384', 'RS256', 'RS384', 'RS512', 'PS256', 'EdDSA'];

/** A verifier against a JWKS endpoint; the keys are cached and fetched again when a token names a new key id. */
export function remoteTokenVerifier(settings: AuthSettings): TokenVerifier {
  const keys = createRemoteJWKSet(new URL(settings.jwksUrl), {
    timeoutDuration: 5_000,
    cooldownDuration: 30_000,
    cacheMaxAge: 10 * 60_000,
  });
  return tokenVerifier(keys, settings);
}

/** A verifier against keys in hand (tests, or a JWKS read from a file). */
export function localTokenVerifier(
  jwks: JSONWebKeySet,
  settings: Omit<AuthSettings, 'jwksUrl'>,
): TokenVerifier {
  return tokenVerifier(createLocalJWKSet(jwks), settings);
}

function tokenVerifier(keys: JWTVerifyGetKey, settings: Omit<AuthSettings, 'jwksUrl'>): TokenVerifier {
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: settings.issuer,
        audience: settings.audience,
        algorithms: ALGORITHMS,
        clockTolerance: settings.clockToleranceSec ?? 30,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (err) {
      throw verificationError(err);
    }
    return principalFrom(payload);
  };
}

/** Why a token was refused, in words a client developer can act on; nothing about our keys or internals. */
function verificationError(err: unknown): ApiError {
  if (err instanceof joseErrors.JWTExpired) return unauthorized('invalid_token', 'the token has expired');
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    return unauthorized('invalid_token', `the token's ${err.claim} claim is not accepted here`);
  }
  if (
    err instanceof joseErrors.JWKSNoMatchingKey ||
    err instanceof joseErrors.JWSSignatureVerificationFailed
  ) {
    return unauthorized('invalid_token', 'the token is not signed by a key this service trusts');
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) {
    return unauthorized(
      'invalid_token',
      'the token is signed with an algorithm this service does not accept',
    );
  }
  // Not a verdict on the token: the keys could not be had (connection refused, timeout, not a JWKS).
  if (
    err instanceof joseErrors.JWKSTimeout ||
    err instanceof joseErrors.JWKSInvalid ||
    !(err instanceof joseErrors.JOSEError)
  ) {
    return new ApiError(
      503,
      'unavailable',
      'the token issuer’s keys could not be fetched; retry shortly',
      undefined,
      { 'Retry-After': '5' },
    );
  }
  return unauthorized('invalid_token', 'the token is malformed');
}

function principalFrom(payload: JWTPayload): Principal {
  const subject = payload.sub!;
  const claimed = payload[ROLES_CLAIM];
  const roles = Array.isArray(claimed) ? claimed.filter((r): r is string => typeof r === 'string') : [];
  if (roles.includes('operator')) return { role: 'operator', subject };
  if (roles.includes('customer')) return { role: 'customer', subject, customerId: subject };
  throw new ApiError(403, 'forbidden', `the token grants none of the roles ${ROLES.join(', ')}`);
}

function unauthorized(error: 'invalid_request' | 'invalid_token', message: string): ApiError {
  // RFC 6750: the challenge says what kind of credential is expected and, for a bad one, why it was refused.
  const challenge =
    error === 'invalid_request' ? 'Bearer' : `Bearer error="invalid_token", error_description="${message}"`;
  return new ApiError(401, 'unauthorized', message, undefined, { 'WWW-Authenticate': challenge });
}

/** The bearer token of a request, or undefined when it has none. */
export function bearerToken(req: Request): string | undefined {
  const header = req.get('authorization');
  if (header === undefined) return undefined;
  const match = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)$/i.exec(header.trim());
  if (!match)
    throw unauthorized('invalid_request', 'expected an Authorization header of the form "Bearer <token>"');
  return match[1];
}

/**
 * Requires a valid bearer token and records who it names for the route (see `principalOf`). `alternative` lets a
 * route accept another credential when there is no Authorization header (the SSE stream's ticket).
 */
export function authenticate(
  verify: TokenVerifier,
  alternative?: (req: Request) => Promise<Principal | undefined>,
): RequestHandler {
  return (req, res, next) => {
    void (async () => {
      const token = bearerToken(req);
      const principal =
        token !== undefined ? await verify(token) : alternative ? await alternative(req) : undefined;
      if (!principal) throw unauthorized('invalid_request', 'this endpoint needs a bearer token');
      res.locals.principal = principal;
    })().then(() => next(), next);
  };
}

/** The caller, as `authenticate` verified it. */
export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new Error('route reached without authentication: mount authenticate() before it');
  return principal;
}

/** Lets operators through; a customer is refused with 403 (they are who they say, and may not do this). */
export const requireOperator: RequestHandler = (_req: Request, res: Response, next: NextFunction) => {
  const principal = principalOf(res);
  if (principal.role === 'operator') return next();
  next(new ApiError(403, 'forbidden', 'this action is for operators'));
};

/**
 * The customer a request acts for. A customer acts for themselves: a customer id they send must be their own (the
 * token decides, a parameter never widens it). An operator names the customer, or acts for all when `optional`.
 */
export function actingCustomer(
  principal: Principal,
  given: string | undefined,
  field: string,
  opts: { optional: true },
): string | undefined;
export function actingCustomer(principal: Principal, given: string | undefined, field: string): string;
export function actingCustomer(
  principal: Principal,
  given: string | undefined,
  field: string,
  opts: { optional?: boolean } = {},
): string | undefined {
  if (principal.role === 'customer') {
    if (given !== undefined && given !== principal.customerId) {
      throw new ApiError(403, 'forbidden', `${field} must be your own customer id (or left out)`, [
        { field, problem: 'a customer acts only for themselves; the token says who that is' },
      ]);
    }
    return principal.customerId;
  }
  if (given === undefined && !opts.optional) {
    throw new ApiError(400, 'validation_failed', `invalid request: ${field}: required for an operator`, [
      { field, problem: 'required: an operator names the customer' },
    ]);
  }
  return given;
}

/** Whether the caller may see what belongs to `customerId`: a customer their own, an operator everything. */
export function mayAccess(principal: Principal, customerId: string): boolean {
  return principal.role === 'operator' || principal.customerId === customerId;
}
