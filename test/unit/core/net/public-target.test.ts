import http from 'node:http';
import type { LookupAddress } from 'node:dns';
import type { AddressInfo } from 'node:net';
import { createAddressPolicy } from '../../../../core/net/address-policy';
import { ownAddresses } from '../../../../core/net/own-addresses';
import { postToPublicUrl } from '../../../../core/net/public-post';
import {
  checkTarget,
  publicLookup,
  resolvePublic,
  TargetRefusedError,
  type Resolve,
  type TargetRules,
} from '../../../../core/net/public-target';

/** A resolver answering from a table, so no test depends on (or leaks to) real DNS. */
function stubResolver(table: Record<string, string[]>): Resolve & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string): Promise<LookupAddress[]> => {
    calls.push(hostname);
    const addresses = table[hostname];
    if (!addresses)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
}

const rules = (resolve: Resolve, extra: Partial<TargetRules> = {}): TargetRules => ({
  policy: createAddressPolicy(),
  allowHttp: false,
  resolve,
  ...extra,
});

describe('checking a target URL', () => {
  const resolve = stubResolver({
    'public.example': ['93.184.216.34', '2606:4700::1'],
    'loopback.example': ['127.0.0.1'],
    'internal.example': ['10.1.2.3'],
    'mixed.example': ['93.184.216.34', '192.168.0.7'],
    'metadata.example': ['169.254.169.254'],
    'empty.example': [],
  });

  it('accepts https to a host whose every address is public', async () => {
    await expect(
      checkTarget(new URL('https://public.example/hook'), rules(resolve)),
    ).resolves.toBeUndefined();
    await expect(checkTarget(new URL('https://93.184.216.34/hook'), rules(resolve))).resolves.toBeUndefined();
    await expect(checkTarget(new URL('https://[2606:4700::1]/'), rules(resolve))).resolves.toBeUndefined();
  });

  it.each([
    ['https://loopback.example/x', 'loopback.example resolves to 127.0.0.1, a loopback address'],
    ['https://internal.example/x', 'internal.example resolves to 10.1.2.3, a private address'],
    ['https://mixed.example/x', 'mixed.example resolves to 192.168.0.7, a private address'],
    ['https://metadata.example/x', 'metadata.example resolves to 169.254.169.254, a link-local address'],
    ['https://127.0.0.1/x', '127.0.0.1 is a loopback address'],
    ['https://[::1]/x', '::1 is a loopback address'],
    ['https://[::ffff:127.0.0.1]/x', '::ffff:7f00:1 is a loopback address (IPv4-mapped 127.0.0.1)'],
    ['https://0x7f000001/x', '127.0.0.1 is a loopback address'],
    ['https://169.254.169.254/latest/meta-data', '169.254.169.254 is a link-local address'],
  ])('refuses %s: %s', async (url, why) => {
    const attempt = checkTarget(new URL(url), rules(resolve));
    await expect(attempt).rejects.toThrow(TargetRefusedError);
    await expect(attempt).rejects.toThrow(`${why}; webhooks may only target public addresses`);
  });

  it('refuses a name that does not resolve, or resolves to nothing', async () => {
    await expect(checkTarget(new URL('https://nowhere.example/'), rules(resolve))).rejects.toThrow(
      'nowhere.example does not resolve (ENOTFOUND)',
    );
    await expect(checkTarget(new URL('https://empty.example/'), rules(resolve))).rejects.toThrow(
      'empty.example does not resolve to any address',
    );
  });

  it('refuses plain http unless allowed, and any other scheme', async () => {
    await expect(checkTarget(new URL('http://public.example/'), rules(resolve))).rejects.toThrow(
      /plain http:\/\/ is not accepted/,
    );
    await expect(
      checkTarget(new URL('http://public.example/'), rules(resolve, { allowHttp: true })),
    ).resolves.toBeUndefined();
    await expect(
      checkTarget(new URL('ftp://public.example/'), rules(resolve, { allowHttp: true })),
    ).rejects.toThrow(/scheme ftp is not accepted/);
  });

  it('lets through a refused range the policy explicitly allows', async () => {
    const allowing = rules(resolve, { policy: createAddressPolicy({ allowedCidrs: ['127.0.0.1/32'] }) });
    await expect(resolvePublic('loopback.example', allowing)).resolves.toEqual([
      { address: '127.0.0.1', family: 4 },
    ]);
  });
});

describe('the connection-time lookup', () => {
  const lookup = (resolve: Resolve, hostname: string, options: object) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: unknown; family?: number }>((done) =>
      publicLookup(rules(resolve))(hostname, options, (err, address, family) =>
        done({ err, address, family }),
      ),
    );

  it('hands back only checked addresses, in the form net asks for', async () => {
    const resolve = stubResolver({ 'public.example': ['93.184.216.34', '2606:4700::1'] });
    expect(await lookup(resolve, 'public.example', { all: true })).toMatchObject({
      err: null,
      address: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:4700::1', family: 6 },
      ],
    });
    expect(await lookup(resolve, 'public.example', { family: 6 })).toMatchObject({
      err: null,
      address: '2606:4700::1',
      family: 6,
    });
  });

  it('fails the connection when the name now resolves to a refused address', async () => {
    const { err } = await lookup(stubResolver({ 'rebound.example': ['127.0.0.1'] }), 'rebound.example', {
      all: true,
    });
    expect(err).toBeInstanceOf(TargetRefusedError);
    expect(err?.message).toBe(
      'rebound.example resolves to 127.0.0.1, a loopback address; webhooks may only target public addresses',
    );
  });
});

describe('posting to a public URL (against a listener on 127.0.0.1 only)', () => {
  let server: http.Server;
  let port: number;
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        if (req.url === '/redirect') res.writeHead(302, { location: 'http://127.0.0.1/elsewhere' }).end();
        else res.writeHead(req.url === '/fail' ? 503 : 204).end('not for storing');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  beforeEach(() => {
    received.length = 0;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const loopbackAllowed = (resolve: Resolve) =>
    rules(resolve, { allowHttp: true, policy: createAddressPolicy({ allowedCidrs: ['127.0.0.1/32'] }) });
  const post = { headers: { 'Content-Type': 'application/json' }, body: '{"a":1}', timeoutMs: 2_000 };

  it('sends when the address is allowed, through the name as the resolver answers now', async () => {
    const resolve = stubResolver({ 'hooks.example': ['127.0.0.1'] });
    expect(await postToPublicUrl(`http://hooks.example:${port}/ok`, post, loopbackAllowed(resolve))).toBe(
      204,
    );
    expect(resolve.calls).toEqual(['hooks.example']);
    expect(received).toEqual([
      { headers: expect.objectContaining({ host: `hooks.example:${port}` }), body: '{"a":1}' },
    ]);
    expect(await postToPublicUrl(`http://127.0.0.1:${port}/fail`, post, loopbackAllowed(resolve))).toBe(503);
  });

  it('returns a redirect as a status, without following it', async () => {
    const resolve = stubResolver({});
    expect(await postToPublicUrl(`http://127.0.0.1:${port}/redirect`, post, loopbackAllowed(resolve))).toBe(
      302,
    );
    expect(received).toHaveLength(1);
  });

  it('never connects to a refused address, by name or as a literal', async () => {
    const resolve = stubResolver({ 'rebound.example': ['127.0.0.1'] });
    const strict = rules(resolve, { allowHttp: true });
    await expect(postToPublicUrl(`http://rebound.example:${port}/ok`, post, strict)).rejects.toThrow(
      'rebound.example resolves to 127.0.0.1, a loopback address',
    );
    await expect(postToPublicUrl(`http://127.0.0.1:${port}/ok`, post, strict)).rejects.toThrow(
      '127.0.0.1 is a loopback address',
    );
    await expect(postToPublicUrl(`http://[::ffff:127.0.0.1]:${port}/ok`, post, strict)).rejects.toThrow(
      TargetRefusedError,
    );
    await expect(
      postToPublicUrl(`http://127.0.0.1:${port}/ok`, post, { ...loopbackAllowed(resolve), allowHttp: false }),
    ).rejects.toThrow(/plain http:\/\/ is not accepted/);
    expect(received).toHaveLength(0);
  });

  it('gives up after the timeout', async () => {
    const hanging = http.createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const hangingPort = (hanging.address() as AddressInfo).port;
    try {
      const started = Date.now();
      await expect(
        postToPublicUrl(
          `http://127.0.0.1:${hangingPort}/`,
          { ...post, timeoutMs: 200 },
          loopbackAllowed(stubResolver({})),
        ),
      ).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });
});

describe("this machine's own addresses", () => {
  it('are every interface address and the IP-literal listen hosts', () => {
    const interfaces = {
      lo: [{ address: '127.0.0.1' }, { address: '::1' }],
      eth0: [{ address: '93.184.216.34' }, { address: 'fe80::1%eth0' }],
    } as unknown as Parameters<typeof ownAddresses>[1];
    expect(ownAddresses(['0.0.0.0', '203.0.113.9', 'notifications'], interfaces).sort()).toEqual(
      ['0.0.0.0', '127.0.0.1', '203.0.113.9', '93.184.216.34', '::1', 'fe80::1'].sort(),
    );
  });
});
