import net from 'node:net';
import { postgresSessionVersion } from '../../../../tools/stack/servers/postgres-probe';

/** A server speaking just enough of PostgreSQL's startup exchange, answering every session with `reply`. */
async function fakeServer(reply: Buffer[]): Promise<{ port: number; startups: Buffer[]; close: () => void }> {
  const startups: Buffer[] = [];
  const server = net.createServer((socket) => {
    socket.once('data', (startup: Buffer) => {
      startups.push(startup);
      // Split across writes: the probe must put messages together from whatever chunks arrive.
      const all = Buffer.concat(reply);
      socket.write(all.subarray(0, 3));
      setTimeout(() => socket.write(all.subarray(3)), 5);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, startups, close: () => server.close() };
}

function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0);
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}
const int32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const opts = { user: 'postgres', database: 'ferretdb', timeoutMs: 2_000 };

describe('probing PostgreSQL with its startup exchange', () => {
  it('is ready once the server says so, and reports the version the server reports', async () => {
    const server = await fakeServer([
      message('R', int32(0)),
      message('S', Buffer.from('server_version\x0017.10\x00')),
      message('Z', Buffer.from('I')),
    ]);
    try {
      await expect(postgresSessionVersion(server.port, opts)).resolves.toBe('17.10');
      const startup = server.startups[0]!;
      expect(startup.readInt32BE(0)).toBe(startup.length);
      expect(startup.readInt32BE(4)).toBe(196608);
      expect(startup.subarray(8).toString()).toBe('user\0postgres\0database\0ferretdb\0\0');
    } finally {
      server.close();
    }
  });

  it('is not ready while the server refuses sessions, and says why', async () => {
    const server = await fakeServer([
      message('E', Buffer.from('SFATAL\0C57P03\0Mthe database system is starting up\0\0')),
    ]);
    try {
      await expect(postgresSessionVersion(server.port, opts)).rejects.toThrow(
        'the database system is starting up',
      );
    } finally {
      server.close();
    }
  });

  it('is not ready when nothing listens', async () => {
    const server = await fakeServer([]);
    server.close();
    await expect(postgresSessionVersion(server.port, opts)).rejects.toThrow();
  });
});
