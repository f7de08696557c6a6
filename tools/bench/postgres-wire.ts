/**
 * One query to a PostgreSQL server over its wire protocol (startup, trust authentication, one simple query), for
 * reading its statistics views. The project has no PostgreSQL client among its dependencies and the server's
 * package brings no psql; the local stack's server trusts loopback connections, so this is all it takes.
 */
import net from 'node:net';

export interface PostgresTarget {
  port: number;
  user: string;
  database: string;
}

export interface Message {
  type: string;
  body: Buffer;
}

/** Splits what arrived into whole messages (a type byte, then a length that counts itself), keeping the rest. */
export function frameMessages(buffered: Buffer): { messages: Message[]; rest: Buffer } {
  const messages: Message[] = [];
  let at = 0;
  while (buffered.length - at >= 5) {
    const length = buffered.readInt32BE(at + 1);
    if (buffered.length - at < 1 + length) break;
    messages.push({
      type: String.fromCharCode(buffered[at]!),
      body: buffered.subarray(at + 5, at + 1 + length),
    });
    at += 1 + length;
  }
  return { messages, rest: buffered.subarray(at) };
}

/** A DataRow's columns as text (the simple query protocol's format); null for SQL NULL. */
export function parseDataRow(body: Buffer): (string | null)[] {
  const columns: (string | null)[] = [];
  let at = 2;
  for (let i = body.readInt16BE(0); i > 0; i--) {
    const length = body.readInt32BE(at);
    at += 4;
    if (length < 0) {
      columns.push(null);
      continue;
    }
    columns.push(body.toString('utf8', at, at + length));
    at += length;
  }
  return columns;
}

/** The 'M' (message) field of an ErrorResponse. */
function errorText(body: Buffer): string {
  for (const field of body.toString('utf8').split('\0')) if (field.startsWith('M')) return field.slice(1);
  return 'unknown error';
}

function frame(type: string, payload: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(4 + payload.length, 1);
  return Buffer.concat([header, payload]);
}

function startup(user: string, database: string): Buffer {
  const params = Buffer.from(`user\0${user}\0database\0${database}\0\0`, 'utf8');
  const header = Buffer.alloc(8);
  header.writeInt32BE(8 + params.length, 0);
  header.writeInt32BE(196608, 4); // protocol 3.0
  return Buffer.concat([header, params]);
}

/** Runs `sql` and resolves with its rows; rejects with the server's error, or the socket's. */
export function postgresQuery(
  target: PostgresTarget,
  sql: string,
  timeoutMs = 5000,
): Promise<(string | null)[][]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: target.port });
    const rows: (string | null)[][] = [];
    let buffered: Buffer = Buffer.alloc(0);
    let queried = false;
    let failed: Error | undefined;
    const finish = (err?: Error) => {
      socket.destroy();
      if (err) reject(err);
      else resolve(rows);
    };
    socket.setTimeout(timeoutMs, () => finish(new Error(`PostgreSQL: no answer in ${timeoutMs} ms`)));
    socket.once('error', (err) => finish(err));
    // A refused startup (no such database, say) ends with an error and no "ready": the close settles it.
    socket.once('close', () => finish(failed ?? new Error('PostgreSQL closed the connection')));
    socket.once('connect', () => socket.write(startup(target.user, target.database)));
    socket.on('data', (chunk: Buffer) => {
      const { messages, rest } = frameMessages(Buffer.concat([buffered, chunk]));
      buffered = rest;
      for (const { type, body } of messages) {
        if (type === 'R' && body.readInt32BE(0) !== 0)
          return finish(new Error('PostgreSQL asks for a password; the local stack trusts loopback'));
        if (type === 'E') failed ??= new Error(`PostgreSQL: ${errorText(body)}`);
        if (type === 'D') rows.push(parseDataRow(body));
        if (type !== 'Z') continue;
        // Ready for a query: the first time after the startup, the second once the query's answer is complete.
        if (failed || queried) {
          socket.write(frame('X', Buffer.alloc(0)));
          return finish(failed);
        }
        queried = true;
        socket.write(frame('Q', Buffer.from(`${sql}\0`, 'utf8')));
      }
    });
  });
}
