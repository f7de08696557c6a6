import net from 'node:net';
import { ephemeralRange, freePort, listenerRange } from '../../../../core/net/free-port';

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('free port', () => {
  it('reads the kernel range outgoing connections take their local ports from, with a default', () => {
    expect(ephemeralRange(() => '32768\t60999\n')).toEqual([32768, 60999]);
    expect(ephemeralRange(() => '1024 65535')).toEqual([1024, 65535]);
    expect(ephemeralRange(() => 'garbage')).toEqual([32768, 60999]);
    expect(
      ephemeralRange(() => {
        throw new Error('ENOENT');
      }),
    ).toEqual([32768, 60999]);
  });

  it('draws listeners from outside that range: below it, above it, or anywhere when it covers all', () => {
    expect(listenerRange([32768, 60999])).toEqual([10000, 32767]);
    expect(listenerRange([10500, 60999])).toEqual([61000, 65535]);
    expect(listenerRange([1024, 65000])).toEqual([10000, 65535]);
  });

  it("hands out a port outside this machine's ephemeral range, where a client connection cannot be holding it", async () => {
    const [low, high] = ephemeralRange();
    const [from, to] = listenerRange([low, high]);
    for (let i = 0; i < 20; i++) {
      const port = await freePort();
      expect(port).toBeGreaterThanOrEqual(from);
      expect(port).toBeLessThanOrEqual(to);
      if (from !== 10000 || to !== 65535) expect(port < low || port > high).toBe(true);
    }
  });

  it('skips a port something listens on, and never hands one out twice', async () => {
    const taken = await freePort([41000, 41100]);
    const server = await listen(taken + 1 > 41100 ? taken - 1 : taken + 1);
    const busy = (server.address() as net.AddressInfo).port;
    try {
      const seen = new Set<number>([taken]);
      for (let i = 0; i < 50; i++) {
        const port = await freePort([41000, 41100]);
        expect(port).not.toBe(busy);
        expect(seen.has(port)).toBe(false);
        seen.add(port);
      }
    } finally {
      server.close();
    }
  });

  it('says so when the range has nothing left', async () => {
    const server = await listen(0);
    const { port } = server.address() as net.AddressInfo;
    try {
      await expect(freePort([port, port])).rejects.toThrow(
        `no free port on 127.0.0.1 between ${port} and ${port}`,
      );
    } finally {
      server.close();
    }
  });
});
