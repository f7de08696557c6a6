import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type JSONWebKeySet } from 'jose';

/**
 * The local stack's token issuer: one ES256 signing key, created on first use under the stack folder (never
 * committed), its public half published as a JWKS by stack/issuer/main.ts. Production points AUTH_JWKS_URL at a
 * real OpenID Connect provider instead, and this key is never used.
 */
export const ALGORITHM = 'ES256';

export function issuerFiles(dir: string) {
  return { dir, key: path.join(dir, 'signing-key.json'), jwks: path.join(dir, 'jwks.json') };
}

/** Creates the signing key and its JWKS when missing; returns the JWKS. Idempotent. */
export async function ensureSigningKey(dir: string): Promise<JSONWebKeySet> {
  const files = issuerFiles(dir);
  if (fs.existsSync(files.key) && fs.existsSync(files.jwks)) {
    return JSON.parse(fs.readFileSync(files.jwks, 'utf8')) as JSONWebKeySet;
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const kid = randomUUID();
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: ALGORITHM, use: 'sig' };
  const jwks: JSONWebKeySet = {
    keys: [{ ...(await exportJWK(publicKey)), kid, alg: ALGORITHM, use: 'sig' }],
  };
  // Written to a temporary name first: a reader never sees half a key.
  const write = (file: string, value: unknown, mode: number) => {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(value, null, 2), { mode });
    fs.renameSync(tmp, file);
  };
  write(files.key, privateJwk, 0o600);
  write(files.jwks, jwks, 0o644);
  return jwks;
}

export interface TokenRequest {
  /** A customer's token: its subject is the customer id. */
  customer?: string;
  /** An operator's token, naming the operator (default: this machine's user). */
  operator?: string | true;
  ttlSeconds: number;
  issuer: string;
  audience: string;
}

/** A signed token from the local issuer's key. Throws when the key has not been created (the stack never ran). */
export async function mintToken(dir: string, request: TokenRequest): Promise<string> {
  const files = issuerFiles(dir);
  if (!fs.existsSync(files.key)) {
    throw new Error(`no local signing key at ${files.key}: run npm start (or npm run stack -- up) once`);
  }
  const jwk = JSON.parse(fs.readFileSync(files.key, 'utf8')) as JWK;
  const key = await importJWK(jwk, ALGORITHM);
  const [subject, roles] =
    request.customer !== undefined
      ? [request.customer, ['customer']]
      : [
          request.operator === true || request.operator === undefined
            ? os.userInfo().username
            : request.operator,
          ['operator'],
        ];
  return new SignJWT({ roles })
    .setProtectedHeader({ alg: ALGORITHM, kid: jwk.kid!, typ: 'JWT' })
    .setSubject(subject)
    .setIssuer(request.issuer)
    .setAudience(request.audience)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + request.ttlSeconds)
    .setJti(randomUUID())
    .sign(key);
}

/**
 * Tokens from the local issuer for the tools that drive a running system (the end-to-end test, the benchmark, the
 * chaos run): one per customer, cached, valid for `ttlSeconds` (long enough for the run).
 */
export function localTokens(dir: string, settings: { issuer: string; audience: string }, ttlSeconds = 3_600) {
  const cache = new Map<string, Promise<string>>();
  const cached = (key: string, mint: () => Promise<string>) => {
    let token = cache.get(key);
    if (!token) {
      token = mint();
      cache.set(key, token);
    }
    return token;
  };
  const base = { ...settings, ttlSeconds };
  return {
    customer: (customerId: string) =>
      cached(`c:${customerId}`, () => mintToken(dir, { ...base, customer: customerId })),
    operator: () => cached('operator', () => mintToken(dir, { ...base, operator: 'local-operator' })),
  };
}
export type LocalTokens = ReturnType<typeof localTokens>;
