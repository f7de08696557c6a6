import type { z } from 'zod';

/** What a section reads: the parsed variables of the schemas it is given. */
export type EnvOf<Shape extends z.ZodRawShape> = z.output<z.ZodObject<Shape>>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment with `schema`; throws one ConfigError naming every bad variable, what was expected and
 * what was received. Empty strings mean "not set", in shells and compose files alike.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => {
      const key = issue.path[0];
      const value = typeof key === 'string' ? cleaned[key] : undefined;
      const received = value === undefined ? ' (not set)' : ` (received ${JSON.stringify(value)})`;
      return `${String(key)}: ${issue.message}${typeof key === 'string' ? received : ''}`;
    }),
  );
}
