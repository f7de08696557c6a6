// Real servers: connections, consumer-group joins and workflow bundling take seconds, not milliseconds.
jest.setTimeout(120_000);
