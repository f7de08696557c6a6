/**
 * npm run fuzz [-- --quick]: schemathesis against every operation of the three services, from the OpenAPI document
 * the API serves, authenticated as a customer and as an operator, on a system of its own (every process, its own
 * database and consumer groups, on the local stack). It counts the requests it made by response status and the
 * failures it found (any 5xx, any response that does not conform to the document), writes
 * fuzz/results/<time>-<mode>.md, and exits 1 on any failure.
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
  /** Test cases schemathesis generated. */
  generated: number;
  /** HTTP requests it sent (a test case can send more than one), by response status; 0: no response in time. */
  statuses: Map<number, number>;
  failures: number;
  /** Responses that did not conform to the document (schema, status code, content type, headers). */
  schemaViolations: number;
  failureKinds: string[];
  seconds: number;
}

/** The failure kinds (schemathesis' class names) that mean "the response is not what the document says". */
const CONFORMANCE_FAILURES = new Set([
  'JsonSchemaError',
  'MalformedJson',
  'UndefinedStatusCode',
  'UndefinedContentType',
  'MissingContentType',
  'MalformedMediaType',
  'MissingHeaders',
]);

interface JsonReport {
  test_cases: { generated: number; unique_failures: number };
  failures: Array<{ type: string; code: string; title: string; count: number }>;
}

/** Responses by status code, from schemathesis' HAR record of every request it sent. */
function statusCounts(harFile: string): Map<number, number> {
  const counts = new Map<number, number>();
  if (!fs.existsSync(harFile)) return counts;
  const har = JSON.parse(fs.readFileSync(harFile, 'utf8')) as {
    log: { entries: Array<{ response?: { status?: number } }> };
  };
  for (const entry of har.log.entries) {
    const status = entry.response?.status ?? 0;
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  return counts;
}

const sum = (counts: Map<number, number>, keep: (status: number) => boolean = () => true) =>
  [...counts].reduce((n, [status, count]) => n + (keep(status) ? count : 0), 0);
const serverErrors = (counts: Map<number, number>) => sum(counts, (status) => status >= 500);
const statusList = (counts: Map<number, number>) =>
  [...counts]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => `${status === 0 ? 'no answer' : status} ×${count}`)
    .join(', ');

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
        const har = path.join(dir, `${target.service}-${role}.har`);
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
            'json,har',
            '--report-json-path',
            report,
            '--report-har-path',
            har,
          ],
          // In the run's own folder: schemathesis keeps a cache (.schemathesis/) where it runs.
          { cwd: dir, encoding: 'utf8', timeout: 15 * 60_000, maxBuffer: 64 * 1024 * 1024 },
        );
        const parsed = fs.existsSync(report)
          ? (JSON.parse(fs.readFileSync(report, 'utf8')) as JsonReport)
          : undefined;
        results.push({
          target: target.service,
          role,
          generated: parsed?.test_cases.generated ?? 0,
          statuses: statusCounts(har),
          failures: parsed ? parsed.test_cases.unique_failures : 1,
          schemaViolations: (parsed?.failures ?? [])
            .filter((f) => CONFORMANCE_FAILURES.has(f.type))
            .reduce((n, f) => n + f.count, 0),
          failureKinds: parsed
            ? parsed.failures.map((f) => `${f.code} ${f.title} ×${f.count}`)
            : [`schemathesis did not run: ${(result.stderr ?? '').slice(0, 300)}`],
          seconds: (Date.now() - started) / 1000,
        });
        const last = results[results.length - 1]!;
        console.log(
          `${target.service} as ${role}: ${last.generated} test cases, ${sum(last.statuses)} requests ` +
            `(${statusList(last.statuses)}), ${last.failures} failures${last.failureKinds.length ? ` (${last.failureKinds.join(', ')})` : ''} in ${last.seconds.toFixed(0)} s`,
        );
        if (last.failures > 0) console.log((result.stdout ?? '').split('\n').slice(-120).join('\n'));
      }
    }
  } finally {
    await app.stopAndClean();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const total = results.reduce((n, r) => n + sum(r.statuses), 0);
  const failures = results.reduce((n, r) => n + r.failures, 0);
  const all = new Map<number, number>();
  for (const r of results)
    for (const [status, count] of r.statuses) all.set(status, (all.get(status) ?? 0) + count);
  const text = [
    `# Fuzz run ${runId} (${quick ? 'quick' : 'full'}, seed ${seed})`,
    '',
    '| service | as | test cases | requests | statuses | 5xx | schema violations | failures | kinds | time |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.target} | ${r.role} | ${r.generated} | ${sum(r.statuses)} | ${statusList(r.statuses)} | ` +
        `${serverErrors(r.statuses)} | ${r.schemaViolations} | ${r.failures} | ${r.failureKinds.join(', ') || '-'} | ` +
        `${r.seconds.toFixed(0)} s |`,
    ),
    `| **all** | | **${results.reduce((n, r) => n + r.generated, 0)}** | **${total}** | ${statusList(all)} | ` +
      `**${serverErrors(all)}** | **${results.reduce((n, r) => n + r.schemaViolations, 0)}** | **${failures}** | | |`,
  ].join('\n');
  console.log(`\n${text}`);
  const file = path.join(
    __dirname,
    'results',
    `${new Date().toISOString().replace(/[:.]/g, '-')}-${quick ? 'quick' : 'full'}.md`,
  );
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${text}\n`);
  return failures === 0 && serverErrors(all) === 0 && total > 0 ? 0 : 1;
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
