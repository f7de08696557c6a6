import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { formatKeyring, generateKey } from '../../core/crypto/keyring';

/**
 * The encryption keys of a local run: Temporal payloads and webhook secrets are encrypted at rest with keys from
 * the environment (production brings its own, from a secret store). Locally, keys are created once under the stack
 * folder (git-ignored, readable by their owner only) and handed to every process through the environment, so data
 * written by one run stays readable by the next.
 */
export const LOCAL_KEYRINGS = ['PAYLOAD_ENCRYPTION_KEYS', 'WEBHOOK_SECRET_KEYS'] as const;

/**
 * Other secrets of a local run, made the same way: METRICS_TOKEN, the scrape credential every process's /metrics
 * accepts (a local Prometheus reads it from `<stack>/keys/metrics_token.txt`).
 */
export const LOCAL_SECRETS = ['METRICS_TOKEN'] as const;

const generators: Record<(typeof LOCAL_KEYRINGS)[number] | (typeof LOCAL_SECRETS)[number], () => string> = {
  PAYLOAD_ENCRYPTION_KEYS: () => formatKeyring([{ id: 'local-1', key: generateKey() }]),
  WEBHOOK_SECRET_KEYS: () => formatKeyring([{ id: 'local-1', key: generateKey() }]),
  METRICS_TOKEN: () => randomBytes(32).toString('base64url'),
};

/** The local keyrings and secrets for the variables `env` does not set, creating them when missing. */
export function localKeyrings(stackDir: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const dir = path.join(stackDir, 'keys');
  const out: Record<string, string> = {};
  for (const variable of [...LOCAL_KEYRINGS, ...LOCAL_SECRETS]) {
    if (env[variable]) continue;
    const file = path.join(dir, `${variable.toLowerCase()}.txt`);
    if (!fs.existsSync(file)) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, generators[variable](), { mode: 0o600 });
      fs.renameSync(tmp, file);
    }
    out[variable] = fs.readFileSync(file, 'utf8').trim();
  }
  return out;
}
