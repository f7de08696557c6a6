import { z } from 'zod';
import { parseCidr } from '../net/address-policy';

/** The kinds of value a variable holds, each with the expectation a bad value is reported with. */

const PORT = 'expected a TCP port number 1-65535';
export const port = z.coerce.number({ error: PORT }).int(PORT).min(1, PORT).max(65535, PORT);
const LISTEN_PORT = 'expected a TCP port number 0-65535 (0: any free port)';
/** A port to listen on; 0 lets the system pick a free one (the process logs which). */
export const listenPort = z.coerce
  .number({ error: LISTEN_PORT })
  .int(LISTEN_PORT)
  .min(0, LISTEN_PORT)
  .max(65535, LISTEN_PORT);
const REPLICAS = 'expected a whole number of processes 0-32';
export const replicas = z.coerce.number({ error: REPLICAS }).int(REPLICAS).min(0, REPLICAS).max(32, REPLICAS);
const POSITIVE = 'expected a positive whole number';
export const positiveInt = z.coerce.number({ error: POSITIVE }).int(POSITIVE).positive(POSITIVE);
export const upTo = (max: number) => positiveInt.max(max, `expected at most ${max}`);
export const url = z.url({ error: 'expected an http(s) URL' });

export const flag = z
  .enum(['true', 'false'], { error: 'expected true or false' })
  .default('false')
  .transform((v) => v === 'true');

/** A comma-separated list of CIDRs, each checked so a typo stops the process instead of widening nothing. */
export const cidrList = z
  .string()
  .default('')
  .transform((spec, ctx) => {
    const cidrs = spec
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean);
    for (const cidr of cidrs) {
      try {
        parseCidr(cidr);
      } catch {
        ctx.issues.push({
          code: 'custom',
          input: spec,
          message: `expected comma-separated CIDRs such as 127.0.0.1/32; bad entry ${JSON.stringify(cidr)}`,
        });
        return z.NEVER;
      }
    }
    return cidrs;
  });

export const hostPort = z
  .string()
  .trim()
  .regex(/^[^\s:,]+:\d{1,5}$/, 'expected host:port');
