/**
 * Servers that need another (FerretDB on PostgreSQL needs the PostgreSQL server): the stack starts them after what
 * they need and stops them before it; every other server starts and stops at once with the rest.
 */
import type { ServerName } from './paths';
import type { ServerSpec } from './servers/types';

/** The servers named, preceded by what they need that is not named (`stack up mongo` starts PostgreSQL too). */
export function withDependencies(all: Record<ServerName, ServerSpec>, named: ServerSpec[]): ServerSpec[] {
  const needed = named.flatMap((s) => (s.dependsOn ?? []).map((name) => all[name]));
  return [...new Set([...needed, ...named])];
}

/**
 * Calls `fn` for every server, all at once except that a server waits until `fn` is done for the servers it depends
 * on ("start"), or for the servers that depend on it ("stop"); `fn` is given their results. Only dependencies within
 * `servers` count: one started or stopped by an earlier command is left as it is.
 */
export function inDependencyOrder<T>(
  servers: ServerSpec[],
  direction: 'start' | 'stop',
  fn: (server: ServerSpec, awaited: T[]) => Promise<T>,
): Promise<T[]> {
  const first = (s: ServerSpec): ServerSpec[] =>
    direction === 'start'
      ? servers.filter((other) => s.dependsOn?.includes(other.name))
      : servers.filter((other) => other.dependsOn?.includes(s.name));
  const running = new Map<ServerName, Promise<T>>();
  const begin = (s: ServerSpec): Promise<T> => {
    let result = running.get(s.name);
    if (!result) {
      result = Promise.all(first(s).map(begin)).then((awaited) => fn(s, awaited));
      running.set(s.name, result);
    }
    return result;
  };
  return Promise.all(servers.map(begin));
}
