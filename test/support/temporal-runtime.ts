import { DefaultLogger, Runtime } from '@temporalio/worker';

/**
 * Keeps the Temporal SDK's own logging to errors in tests. The runtime can be installed once per process, so a
 * later suite in the same worker finds it installed and keeps it.
 */
export function quietTemporalRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // already installed in this process
  }
}
