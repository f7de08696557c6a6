/** Prebuilds the workflow bundle (npm run build:workflows) so workers start without bundling. */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_TRACING_MODULES } from '../core/temporal/tracing';

/** Default output, beside the compiled code; a path given as the first argument wins. */
const DEFAULT_OUTPUT = path.join(
  __dirname,
  '..',
  __dirname.split(path.sep).includes('dist') ? '' : 'dist',
  'workflow-bundle.js',
);

async function main(): Promise<void> {
  const started = Date.now();
  const output = path.resolve(process.argv[2] ?? DEFAULT_OUTPUT);
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    workflowInterceptorModules: [...WORKFLOW_TRACING_MODULES],
  });
  fs.mkdirSync(path.dirname(output), { recursive: true });
  fs.writeFileSync(output, code);
  console.log(
    `workflow bundle: ${output} (${(code.length / 1024).toFixed(0)} KiB, ${Date.now() - started} ms)`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
