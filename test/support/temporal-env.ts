import type { DataConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadStackConfig } from '../../tools/stack/config';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';
import { stackServers } from '../../tools/stack/servers';

/**
 * A private Temporal dev server for workflow tests: the binary the local stack installed (the testing package's own
 * download cannot work offline), on a free port, so tests can use the real task-queue names without meeting the
 * workers of a running system. `dataConverter`: the environment's client's (its workers take theirs in
 * Worker.create).
 */
export async function privateTemporal(
  opts: { dataConverter?: DataConverter } = {},
): Promise<TestWorkflowEnvironment> {
  const temporal = stackServers(loadStackConfig()).temporal;
  if (!temporal.isInstalled()) await temporal.install();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporal.binaryPath! },
      ip: '127.0.0.1',
      ui: false,
      searchAttributes: [...CUSTOM_SEARCH_ATTRIBUTES],
      log: { format: 'pretty', level: 'warn' },
    },
    client: { dataConverter: opts.dataConverter },
  });
}
