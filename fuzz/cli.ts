/**
 * npm run fuzz [-- --quick]: schemathesis against every operation of the three services, from the OpenAPI document
 * the API serves, authenticated as a customer and as an operator, on a system of its own (every process, its own
 * database and consumer groups, on the local stack). It counts the requests it made and the failures it found (any
 * 5xx, any response that does not conform to the document), writes fuzz/results/<time>-<mode>.md, and exits 1 on
 * any failure.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startIsolatedApp } from '../stack/app';
import { withStack } from '../stack/commands';
import { loadStackConfig, type StackConfig } from '../stack/config';
import { localTokens } from '../stack/issuer/keys';
import { stackPaths } from '../stack/paths';
import { ensureSchemathesis } from './install';

interface Target {
  service: 'api' | 'notifications' | 'analytics';
  paths: string;
}

const TARGETS: Target[] = [
  { service: 'api', paths: '^/(orders|products|ops)' },
  { service: 'notifications', paths: '^/(notifications|webhooks)' },
  { service: 'analytics', paths: '^/analytics' },
];

interface RunFigures {
  target: string;
  role: string;
  generated: number;
  failures: number;
  failureKinds: string[];
  seconds: number;
}

async function run(config: StackConfig, quick: boolean, seed: string): Promise<number> {
  const st = await ensureSchemathesis(stackPaths(config));
  const runId = `fuzz-${Date.now().toString(36)}`;
  const app = await startIsolatedApp(config, runId, {
    env: {
      LOG_LEVEL: 'warn',
      // The fuzzer is one caller sending as fast as it can: the per-caller budget would answer it 429.
      HTTP_RATE_LIMIT_PER_MINUTE: '0',
    },
    // The fuzzer's requests make the processes log plenty of warnings (bad input, a gateway switched off): its
    // own report is what counts; errors still show.
    output: (name, line) => {
      if (/"level":(50|60)|exited|restarting/.test(line)) console.log(`${name} | ${line.slice(0, 500)}`);
    },
  });
  const results: RunFigures[] = [];
  const dir = fs.mkdtempSync(path.join(stackPaths(config).run, 'fuzz-'));
  try {
    const document = path.join(dir, 'openapi.json');
    fs.writeFileSync(document, await (await fetch(`${app.api}/openapi.json`)).text());
    const tokens = localTokens(stackPaths(config).issuer, config.auth);
    const roles = { customer: await tokens.customer(`${runId}-customer`), operator: await tokens.operator() };
    for (const target of TARGETS) {
      for (const [role, token] of Object.entries(roles)) {
        const report = path.join(dir, `${target.service}-${role}.json`);
        const started = Date.now();
        const result = spawnSync(
          st,
          [
            '--config-file',
            path.join(__dirname, 'schemathesis.toml'),
            'run',
            document,
            '--url',
            app[target.service],
            '--include-path-regex',
            target.paths,
            '--header',
            `Authorization: Bearer ${token}`,
            '--checks',
            'all',
            // The checks that need resources it cannot create (an order's id) or a second identity per request.
            '--exclude-checks',
            'use_after_free,ensure_resource_availability,ignored_auth',
            '--phases',
            'examples,coverage,fuzzing',
            '--max-examples',
            quick ? '8' : '60',
            '--seed',
            seed,
            '--workers',
            '2',
            // The event stream never ends by itself: its responses are judged on what arrives in this time.
            '--request-timeout',
            '3',
            '--no-color',
            '--report',
            'json',
            '--report-json-path',
            report,
          ],
          // In the run's own folder: schemathesis keeps a cache (.schemathesis/) where it runs.
          { cwd: dir, encoding: 'utf8', timeout: 15 * 60_000, maxBuffer: 64 * 1024 * 1024 },
        );
        const parsed = fs.existsSync(report)
          ? (JSON.parse(fs.readFileSync(report, 'utf8')) as {
              test_cases: { generated: number; unique_failures: number };
              failures?: Record<string, unknown>;
            })
          : undefined;
        const kinds = [...(result.stdout ?? '').matchAll(/❌ (ST\d+ [^:\n]+): (\d+)/g)].map(
          (m) => `${m[1]} ×${m[2]}`,
        );
        results.push({
          target: target.service,
          role,
          generated: parsed?.test_cases.generated ?? 0,
          failures: parsed ? parsed.test_cases.unique_failures : 1,
          failureKinds: parsed ? kinds : [`schemathesis did not run: ${(result.stderr ?? '').slice(0, 300)}`],
          seconds: (Date.now() - started) / 1000,
        });
        const last = results[results.length - 1]!;
        console.log(
          `${target.service} as ${role}: ${last.generated} requests, ${last.failures} failures${last.failureKinds.length ? ` (${last.failureKinds.join(', ')})` : ''} in ${last.seconds.toFixed(0)} s`,
        );
        if (last.failures > 0) console.log((result.stdout ?? '').split('\n').slice(-120).join('\n'));
      }
    }
  } finally {
    await app.stopAndClean();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const total = results.reduce((n, r) => n + r.generated, 0);
  const failures = results.reduce((n, r) => n + r.failures, 0);
  const text = [
    `# Fuzz run ${runId} (${quick ? 'quick' : 'full'}, seed ${seed})`,
    '',
    '| service | as | requests | failures | kinds | time |',
    '|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.target} | ${r.role} | ${r.generated} | ${r.failures} | ${r.failureKinds.join(', ') || '-'} | ${r.seconds.toFixed(0)} s |`,
    ),
    `| **all** | | **${total}** | **${failures}** | | |`,
  ].join('\n');
  console.log(`\n${text}`);
  const file = path.join(
    __dirname,
    'results',
    `${new Date().toISOString().replace(/[:.]/g, '-')}-${quick ? 'quick' : 'full'}.md`,
  );
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${text}\n`);
  return failures === 0 && total > 0 ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { quick: { type: 'boolean' }, seed: { type: 'string' } },
  });
  const config = loadStackConfig();
  return withStack(config, () => run(config, values.quick ?? false, values.seed ?? '20261130'));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`fuzz: ${(err as Error).message}`);
    process.exit(1);
  },
);
