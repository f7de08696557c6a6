import { loadStackConfig } from '../../tools/stack/config';

// The local stack's encryption keys (payloads, webhook secrets), as `npm test` hands them to every process it starts:
// loading the stack's configuration puts whichever the environment lacks into it, so the suites and the system's own
// processes read each other's data.
loadStackConfig();

// Real servers: connections, consumer-group joins and workflow bundling take seconds, not milliseconds.
jest.setTimeout(120_000);
