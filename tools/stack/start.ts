/**
 * npm start: the local stack (installed if missing), then every process of the system, supervised, until Ctrl-C.
 * On Ctrl-C (or SIGTERM) the processes drain and stop, then the servers this command started are stopped too.
 */
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadStackConfig, type StackConfig } from './config';
import fs from 'node:fs';
import { appPidFile, appPids, appProcesses, metricsUrls, startApp } from './app';
import { withStack } from './commands';
import { stackPaths } from './paths';
import { buildConsole } from './console-build';

/** Runs every process until Ctrl-C; the stack is already up. */
async function runSystem(config: StackConfig): Promise<number> {
  // One bundle for every orders worker: they start in a second instead of each bundling the sources.
  const bundle = path.join(stackPaths(config).run, 'workflow-bundle.js');
  console.log('building the workflow bundle…');
  const built = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, '..', '..', 'workers', 'build-bundle.ts'), bundle],
    { stdio: 'inherit' },
  );
  if (built.status !== 0) return 1;
  console.log('building the console…');
  buildConsole();

  let app;
  try {
    app = await startApp(appProcesses(config), { env: { WORKFLOW_BUNDLE: bundle } });
  } catch (err) {
    console.error(`start failed: ${(err as Error).message}`);
    return 1;
  }
  const pidFile = appPidFile(config);
  fs.writeFileSync(pidFile, JSON.stringify(Object.fromEntries(appPids(app)), null, 2));

  console.log(
    [
      '',
      `  API           ${config.api.publicUrl}`,
      `  Swagger UI    ${config.api.publicUrl}/docs`,
      `  Console       ${config.api.publicUrl}/console/  (sign in with a token, below)`,
      `  Temporal UI   ${config.temporal.uiUrl}`,
      `  Notifications ${config.notifications.publicUrl}/notifications/stream  (SSE)`,
      `  Analytics     ${config.analytics.publicUrl}/analytics/summary  (operators)`,
      `  Tokens        every endpoint but health and docs needs one:`,
      `                  export TOKEN=$(npm run -s stack:token -- --customer c-42)   (or --operator)`,
      `                  curl -H "Authorization: Bearer $TOKEN" ${config.api.publicUrl}/orders`,
      `  Metrics       /metrics of every process, for an operator's token or the scrape token METRICS_TOKEN:`,
      ...Object.entries(metricsUrls(app)).map(([name, url]) => `                  ${name.padEnd(22)} ${url}`),
      `                  curl -H "Authorization: Bearer $(npm run -s stack:token -- --operator)" <url>`,
      ...(config.temporal.external
        ? []
        : [
            `                  Temporal server's own: http://127.0.0.1:${config.stack.ports.temporalMetrics}/metrics`,
          ]),
      `  processes     ${[...app.ready.keys()].join(', ')}`,
      '',
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );

  await new Promise<void>((resolve) => {
    // Ctrl-C reaches npm, tsx and this process at once, often as several signals: the first one starts the
    // stop, the others must not kill the launcher half-way (it is what SIGKILLs a process that will not stop).
    process.on('SIGINT', () => resolve());
    process.on('SIGTERM', () => resolve());
  });
  console.log('stopping…');
  await app.stop();
  fs.rmSync(pidFile, { force: true });
  return 0;
}

function main(): Promise<number> {
  const config = loadStackConfig();
  return withStack(config, () => runSystem(config));
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
