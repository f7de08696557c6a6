import { issuerFiles } from '../issuer/keys';
import type { ServerContext, ServerSpec } from './types';

/** The local token issuer (stack/issuer): nothing to install, a Node process serving the stack's JWKS. */
export function issuerServer({ config, paths }: ServerContext): ServerSpec {
  const port = config.stack.ports.issuer;
  const dir = issuerFiles(paths.issuer).dir;
  return {
    name: 'issuer',
    label: 'Token issuer (local JWKS)',
    address: config.auth.external ? config.auth.jwksUrl : `127.0.0.1:${port}`,
    extra: config.auth.external ? undefined : `JWKS ${config.auth.jwksUrl}`,
    external: config.auth.external,
    ports: [port],
    isInstalled: () => true,
    async install() {},
    async prepare() {
      // From source the issuer is TypeScript and needs tsx's loader; from dist it is plain JavaScript.
      const main = require.resolve('../issuer/main');
      const nodeArgs = main.endsWith('.ts') ? ['--import', 'tsx'] : [];
      return {
        cmd: process.execPath,
        args: [...nodeArgs, main, '--dir', dir, '--port', String(port), '--issuer', config.auth.issuer],
      };
    },
    async probe(timeoutMs) {
      const res = await fetch(config.auth.jwksUrl, { signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) throw new Error(`JWKS answered ${res.status}`);
      const { keys } = (await res.json()) as { keys?: Array<{ alg?: string }> };
      return { version: `${keys?.length ?? 0} key(s), ${keys?.[0]?.alg ?? 'none'}` };
    },
  };
}
