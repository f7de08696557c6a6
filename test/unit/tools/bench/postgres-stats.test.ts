import net from 'node:net';
import {
  activityBetween,
  activityQuery,
  parseActivity,
  postgresActivity,
} from '../../../../tools/bench/postgres-stats';
import { frameMessages, parseDataRow } from '../../../../tools/bench/postgres-wire';

/** A backend message: type byte, length (counting itself), body. */
function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}

function dataRow(columns: (string | null)[]): Buffer {
  const parts = columns.map((c) => {
    const length = Buffer.alloc(4);
    if (c === null) {
      length.writeInt32BE(-1);
      return length;
    }
    const text = Buffer.from(c, 'utf8');
    length.writeInt32BE(text.length);
    return Buffer.concat([length, text]);
  });
  const count = Buffer.alloc(2);
  count.writeInt16BE(columns.length);
  return Buffer.concat([count, ...parts]);
}

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

describe('the PostgreSQL wire protocol, as far as the bench speaks it', () => {
  it('frames whole messages and keeps a partial one for later', () => {
    const whole = Buffer.concat([message('Z', Buffer.from('I')), message('C', Buffer.from('SELECT 1\0'))]);
    const { messages, rest } = frameMessages(Buffer.concat([whole, whole.subarray(0, 3)]));
    expect(messages.map((m) => [m.type, m.body.toString()])).toEqual([
      ['Z', 'I'],
      ['C', 'SELECT 1\0'],
    ]);
    expect(rest).toEqual(whole.subarray(0, 3));
  });

  it('reads a data row as text, NULL as null', () => {
    expect(parseDataRow(dataRow(['orders', null, '42', 'ünïcode']))).toEqual([
      'orders',
      null,
      '42',
      'ünïcode',
    ]);
  });
});

describe('table activity', () => {
  it('asks for the schema’s tables by their collection names, quoting what it is given', () => {
    const sql = activityQuery(`bench_x"y'z`);
    expect(sql).toContain(`LEFT JOIN "bench_x""y'z"._ferretdb_database_metadata m`);
    expect(sql).toContain(`WHERE s.schemaname = 'bench_x"y''z'`);
  });

  it('reads rows by collection, falling back to the table name, and takes differences', () => {
    const before = parseActivity([['orders', '10', '20', '0', '1', '30']]);
    const after = parseActivity([
      ['orders', '15', '30', '0', '1', '45'],
      ['_ferretdb_database_metadata', '2', '0', '0', '9', '0'],
      ['untouched', '0', '0', '0', '0', '0'],
    ]);
    expect(activityBetween(before, after)).toEqual({
      orders: { inserted: 5, updated: 10, deleted: 0, seqScans: 0, idxScans: 15 },
      _ferretdb_database_metadata: { inserted: 2, updated: 0, deleted: 0, seqScans: 9, idxScans: 0 },
    });
  });

  describe('against a server', () => {
    let server: net.Server;
    let port: number;
    let received: string[];

    beforeEach(async () => {
      received = [];
      server = net.createServer((socket) => {
        let startup = true;
        socket.on('data', (chunk: Buffer) => {
          if (startup) {
            startup = false;
            received.push(chunk.subarray(8).toString('utf8'));
            socket.write(
              Buffer.concat([
                message('R', int32(0)),
                message('S', Buffer.from('server_version\0' + '17.1\0')),
                message('Z', Buffer.from('I')),
              ]),
            );
            return;
          }
          const { type, body } = frameMessages(chunk).messages[0]!;
          if (type !== 'Q') return socket.end();
          received.push(body.toString('utf8'));
          socket.write(
            Buffer.concat([
              message('T', Buffer.alloc(2)),
              message('D', dataRow(['orders', '1', '2', '3', '4', '5'])),
              message('C', Buffer.from('SELECT 1\0')),
              message('Z', Buffer.from('I')),
            ]),
          );
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as net.AddressInfo).port;
    });

    afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('logs in as the user, on the database, and reads the schema’s activity', async () => {
      const activity = await postgresActivity({
        port,
        user: 'postgres',
        database: 'ferretdb',
        schema: 'bench_1',
      });
      expect(activity).toEqual({ orders: { inserted: 1, updated: 2, deleted: 3, seqScans: 4, idxScans: 5 } });
      expect(received[0]).toBe('user\0postgres\0database\0ferretdb\0\0');
      expect(received[1]).toBe(`${activityQuery('bench_1')}\0`);
    });

    it('has no figures when the server refuses', async () => {
      server.removeAllListeners('connection');
      server.on('connection', (socket: net.Socket) => {
        socket.resume(); // reads on, so it sees the client leave
        socket.end(message('E', Buffer.from('SFATAL\0C3D000\0Mdatabase "ferretdb" does not exist\0\0')));
      });
      expect(
        await postgresActivity({ port, user: 'postgres', database: 'ferretdb', schema: 'x' }),
      ).toBeUndefined();
    });
  });
});
