import express, { Router, type Request, type RequestHandler } from 'express';
import { decodeJwt } from 'jose';
import { authenticate, principalOf, requireOperator, type TokenVerifier } from '../core/http/auth';
import { ApiError } from '../core/http/errors';

/**
 * How an operator's browser authenticates to the codec endpoint. The Temporal Web UI calls it from the page with
 * cookies ("Include cross-origin credentials" in its Codec Server settings) but, without a login of its own, no
 * bearer token. So the operator signs in once at `<API>/codec/session` with a token
 * (`npm run stack:token -- --operator`): the token goes into an HttpOnly, SameSite=Strict cookie scoped to /codec,
 * which lives no longer than the token and which the codec endpoint accepts in place of the Authorization header.
 * Scripts and the CLI keep sending the header.
 */
export const CODEC_COOKIE = 'codec_session';

function cookieToken(req: Request): string | undefined {
  const header = req.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === CODEC_COOKIE) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

/** The codec endpoint's guard: an operator's bearer token, or the codec session cookie holding one. */
export function codecGuard(verify: TokenVerifier): RequestHandler {
  const fromCookie = async (req: Request) => {
    const token = cookieToken(req);
    return token === undefined ? undefined : verify(token);
  };
  const authenticated = authenticate(verify, fromCookie);
  return (req, res, next) =>
    authenticated(req, res, (err?: unknown) => (err ? next(err) : requireOperator(req, res, next)));
}

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Codec session</title></head>
<body>
<h1>Decode payloads in the Temporal Web UI</h1>
<p>Paste an operator's token (<code>npm run -s stack:token -- --operator</code>) to let this browser's Web UI decode
payloads through this codec endpoint until the token expires. In the Web UI, turn on
"Include cross-origin credentials" in the Codec Server settings.</p>
<form method="post" action="session">
<textarea name="token" rows="6" cols="80" required></textarea><br>
<button type="submit">Sign in</button>
</form>
</body></html>`;

/** GET /codec/session: the sign-in form. POST: sets the cookie for an operator's token; DELETE: signs out. */
export function codecSessionRoutes(verify: TokenVerifier, opts: { secureCookie: boolean }): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '16kb' });
  const cookie = (value: string, maxAgeS: number) =>
    `${CODEC_COOKIE}=${encodeURIComponent(value)}; Path=/codec; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}` +
    (opts.secureCookie ? '; Secure' : '');

  router.get('/session', (_req, res) => {
    res.type('html').set('Cache-Control', 'no-store').send(PAGE);
  });
  router.post('/session', form, async (req, res, next) => {
    try {
      const token =
        typeof (req.body as { token?: unknown } | undefined)?.token === 'string'
          ? ((req.body as { token: string }).token.trim() as string)
          : undefined;
      if (token !== undefined && req.get('authorization') === undefined) {
        req.headers.authorization = `Bearer ${token}`;
      }
      await new Promise<void>((resolve, reject) =>
        authenticate(verify)(req, res, (err?: unknown) => (err ? reject(err) : resolve())),
      );
      if (principalOf(res).role !== 'operator') throw new ApiError(403, 'forbidden', 'this is for operators');
      const raw = req.get('authorization')!.replace(/^Bearer\s+/i, '');
      const expiresAt = (decodeJwt(raw).exp ?? 0) * 1000;
      const maxAgeS = Math.max(0, Math.floor((expiresAt - Date.now()) / 1000));
      res
        .set('Set-Cookie', cookie(raw, maxAgeS))
        .set('Cache-Control', 'no-store')
        .json({ signedIn: principalOf(res).subject, expiresAt: new Date(expiresAt).toISOString() });
    } catch (err) {
      next(err);
    }
  });
  router.delete('/session', (_req, res) => {
    res.set('Set-Cookie', cookie('', 0)).status(204).end();
  });
  return router;
}
