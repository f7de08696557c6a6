import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, Worker, type WorkflowBundle } from '@temporalio/worker';
import { generateKey, parseKeyring } from '../../../core/crypto/keyring';
import { temporalDataConverter } from '../../../core/temporal/payload-codec';
import { quietTemporalRuntime } from '../../support/temporal-runtime';
import { WORKFLOW_TRACING_MODULES, workflowSpanSinks } from '../../../core/temporal/tracing';

/**
 * Replays the recorded processOrder histories (test/fixtures/histories, written by `npm run histories:record`)
 * against the current workflow code. A failure here means runs already in flight would break on their next
 * workflow task after a deploy: make the change with `patched()` (or as a new workflow type) instead of
 * re-recording. No server needed: replay runs the workflow bundle against the stored events.
 */
const HISTORIES_DIR = path.resolve(__dirname, '../../fixtures/histories');

// Every path through the saga; more files (older versions of a history) may sit next to these.
const SCENARIOS = [
  'completed',
  'completed-after-outage',
  'rejected-out-of-stock',
  'rejected-payment-declined',
  'cancelled',
  'failed',
  'retried',
];

// Not the SDK's historyFromJSON (nor a JSON history handed to runReplayHistory, which uses it): it checks the
// History type against its own copy of protobufjs and throws "type must be a Type" whenever npm installs that copy
// apart from @temporalio/proto's. The ProtoJSON codec of the copy @temporalio/proto loads reads the same format.
const { fromJson } = createRequire(require.resolve('@temporalio/proto'))('protobufjs/ext/protojson') as {
  fromJson(
    type: unknown,
    json: unknown,
    options: { ignoreUnknownFields: boolean },
  ): temporal.api.history.v1.History;
};

function loadHistory(scenario: string): temporal.api.history.v1.History {
  const json: unknown = JSON.parse(fs.readFileSync(path.join(HISTORIES_DIR, `${scenario}.json`), 'utf8'));
  // Tolerates fields a newer server adds to events, as the SDK's own loader does.
  return fromJson(temporal.api.history.v1.History, json, { ignoreUnknownFields: true });
}

/**
 * Replayed as the workers run, with the payload codec: the recorded histories predate encryption (and stay
 * unencrypted, so they can be read and re-recorded without a key), and the codec must let such payloads through for
 * runs that were in flight when encryption was turned on.
 */
const dataConverter = temporalDataConverter({
  payloadKeys: parseKeyring(`replay:${generateKey()}`, 'PAYLOAD_ENCRYPTION_KEYS'),
});

const recorded = fs
  .readdirSync(HISTORIES_DIR)
  .filter((file) => file.endsWith('.json'))
  .map((file) => path.basename(file, '.json'))
  .sort();

describe('processOrder replays its recorded histories', () => {
  let workflowBundle: WorkflowBundle;

  beforeAll(async () => {
    quietTemporalRuntime();
    // Bundled once for all scenarios, from the sources, as a worker without WORKFLOW_BUNDLE does: with the tracing
    // interceptors, which must not change what a run does.
    workflowBundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../../workflows'),
      workflowInterceptorModules: [...WORKFLOW_TRACING_MODULES],
      logger: new DefaultLogger('WARN'),
    });
  }, 60_000);

  it('has a history for every scenario', () => {
    expect(recorded).toEqual(expect.arrayContaining(SCENARIOS));
  });

  it.each(recorded)(
    '%s',
    async (scenario) => {
      const history = loadHistory(scenario);
      const workflowId = history.events[0]?.workflowExecutionStartedEventAttributes?.workflowId || scenario;
      try {
        await Worker.runReplayHistory(
          { workflowBundle, dataConverter, sinks: workflowSpanSinks(undefined) },
          history,
          workflowId,
        );
      } catch (err) {
        throw new Error(`${scenario}.json no longer replays against workflows/: ${String(err)}`, {
          cause: err,
        });
      }
    },
    30_000,
  );
});
