import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { localTokenVerifier, type TokenVerifier } from '../../core/http/auth';

/**
 * An issuer of the tests' own: a real ES256 key pair and real signed JWTs, verified by the same code as in
 * production (against a JWKS in hand rather than fetched). A second issuer's tokens are "signed by another key".
 */
export interface TestIssuer {
  issuer: string;
  audience: string;
  verifier: TokenVerifier;
  /** A token with any claims, for the tests that try to get in with a bad one. */
  sign(claims: {
    sub?: string;
    roles?: unknown;
    aud?: string;
    iss?: string;
    expiresIn?: number;
  }): Promise<string>;
  customer(customerId: string): Promise<string>;
  operator(name?: string): Promise<string>;
}

export async function testIssuer(opts: { issuer?: string; audience?: string } = {}): Promise<TestIssuer> {
  const issuer = opts.issuer ?? 'https://issuer.test';
  const audience = opts.audience ?? 'order-pipeline';
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const kid = randomUUID();
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256' }] };
  const sign = (claims: Parameters<TestIssuer['sign']>[0]) =>
    signWith(privateKey, kid, { issuer, audience }, claims);
  return {
    issuer,
    audience,
    verifier: localTokenVerifier(jwks, { issuer, audience }),
    sign,
    customer: (customerId) => sign({ sub: customerId, roles: ['customer'] }),
    operator: (name = 'op-test') => sign({ sub: name, roles: ['operator'] }),
  };
}

function signWith(
  key: KeyLike,
  kid: string,
  defaults: { issuer: string; audience: string },
  claims: Parameters<TestIssuer['sign']>[0],
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT(claims.roles === undefined ? {} : { roles: claims.roles })
    .setProtectedHeader({ alg: 'ES256', kid })
    .setIssuer(claims.iss ?? defaults.issuer)
    .setAudience(claims.aud ?? defaults.audience)
    .setIssuedAt(now - 60)
    .setExpirationTime(now + (claims.expiresIn ?? 600));
  if (claims.sub !== undefined) jwt.setSubject(claims.sub);
  return jwt.sign(key);
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
