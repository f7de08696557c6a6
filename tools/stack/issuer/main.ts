/**
 * The local token issuer: serves the stack's JWKS and a minimal OpenID Connect discovery document on loopback, so
 * the services verify tokens exactly as they would against a real provider (AUTH_JWKS_URL). Tokens are minted
 * from the same key by `npm run stack:token --`.
 *
 *   node --import tsx stack/issuer/main.ts --dir <key folder> --port <port> --issuer <url> [--host 127.0.0.1]
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import { ensureSigningKey } from './keys';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string' },
      port: { type: 'string' },
      issuer: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
    },
  });
  if (!values.dir || !values.port || !values.issuer)
    throw new Error('usage: --dir <folder> --port <port> --issuer <url>');
  const jwks = JSON.stringify(await ensureSigningKey(values.dir));
  const discovery = JSON.stringify({
    issuer: values.issuer,
    jwks_uri: `${values.issuer}/.well-known/jwks.json`,
    id_token_signing_alg_values_supported: ['ES256'],
  });

  const server = http.createServer((req, res) => {
    const body =
      req.method !== 'GET'
        ? undefined
        : req.url === '/.well-known/jwks.json'
          ? jwks
          : req.url === '/.well-known/openid-configuration'
            ? discovery
            : undefined;
    res.writeHead(body === undefined ? 404 : 200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'public, max-age=300',
    });
    res.end(body ?? '{"error":"not_found"}');
  });
  await new Promise<void>((resolve) => server.listen(Number(values.port), values.host, resolve));
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
