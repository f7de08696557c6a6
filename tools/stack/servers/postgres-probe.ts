import net from 'node:net';

/**
 * Whether a PostgreSQL server accepts a session: the protocol's startup exchange, up to "ready for query", over TCP.
 * The stack has no PostgreSQL client among its dependencies and the binary package has no pg_isready; a listening
 * port alone is not enough (the server listens while it still replays its WAL, and refuses sessions then).
 * Resolves with the server's version; rejects with the server's own error, or the socket's.
 */
export function postgresSessionVersion(
  port: number,
  opts: { user: string; database: string; timeoutMs: number },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let buffered = Buffer.alloc(0);
    let version = 'unknown';
    const finish = (err: Error | undefined) => {
      socket.destroy();
      if (err) reject(err);
      else resolve(version);
    };
    socket.setTimeout(opts.timeoutMs, () => finish(new Error(`no answer in ${opts.timeoutMs} ms`)));
    socket.once('error', finish);
    socket.once('connect', () => socket.write(startupMessage(opts.user, opts.database)));
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      // Every message after the startup one: a type byte, then a length that counts itself but not the type.
      while (buffered.length >= 5) {
        const length = buffered.readInt32BE(1);
        if (buffered.length < 1 + length) return;
        const type = String.fromCharCode(buffered[0]!);
        const body = buffered.subarray(5, 1 + length);
        buffered = buffered.subarray(1 + length);
        if (type === 'E') return finish(new Error(errorMessage(body)));
        if (type === 'R' && body.readInt32BE(0) !== 0) {
          return finish(new Error('the server asks for a password; the stack initialises it with trust'));
        }
        if (type === 'S') {
          const [name, value] = body.toString('utf8').split('\0');
          if (name === 'server_version' && value) version = value;
        }
        if (type === 'Z') {
          socket.write(Buffer.from([0x58, 0, 0, 0, 4])); // Terminate: the server logs no "unexpected EOF"
          return finish(undefined);
        }
      }
    });
  });
}

function startupMessage(user: string, database: string): Buffer {
  const params = Buffer.from(`user\0${user}\0database\0${database}\0\0`, 'utf8');
  const header = Buffer.alloc(8);
  header.writeInt32BE(8 + params.length, 0);
  header.writeInt32BE(196608, 4); // protocol 3.0
  return Buffer.concat([header, params]);
}

/** The 'M' field of an ErrorResponse: fields of a type byte and a NUL-terminated string, ending with a NUL. */
function errorMessage(body: Buffer): string {
  for (const field of body.toString('utf8').split('\0')) {
    if (field.startsWith('M')) return field.slice(1);
  }
  return 'the server refused the session';
}
