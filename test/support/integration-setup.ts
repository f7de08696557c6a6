import { generateKey } from '../../core/crypto/keyring';

// Under the local stack the payload keys come from it, shared with the system's workers; a run without them gets a
// key of its own, which serves the suites that run their own workers.
process.env.PAYLOAD_ENCRYPTION_KEYS ||= `it:${generateKey()}`;

// Real servers: connections, consumer-group joins and workflow bundling take seconds, not milliseconds.
jest.setTimeout(120_000);
