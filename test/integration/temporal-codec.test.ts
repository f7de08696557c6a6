import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import express, { type RequestHandler } from 'express';
import request from 'supertest';
import { loadConfig } from '../../core/config';
import { ApiError } from '../../core/http/errors';
import { createLogger } from '../../core/logger';
import { codecServer } from '../../core/temporal/codec-server';
import { connectTemporal } from '../../core/temporal/connection';
import { ENCRYPTED_ENCODING, payloadCodec, temporalDataConverter } from '../../core/temporal/payload-codec';
import { orderInput } from '../support/order-events';
import { quietTemporalRuntime } from '../support/temporal-runtime';
import * as activities from './fixtures/receipt-activities';
import { noteSignal } from './fixtures/receipt-workflow';

const config = loadConfig();

/** Every event of a run as the server stores it: straight from the service, no data converter in the way. */
async function rawHistory(client: Client, workflowId: string): Promise<Buffer> {
  const pages: Buffer[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const response = await client.workflowService.getWorkflowExecutionHistory({
      namespace: config.temporal.namespace,
      execution: { workflowId },
      nextPageToken,
    });
    pages.push(
      Buffer.from(
        temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse.encode(response).finish(),
      ),
    );
    nextPageToken = response.nextPageToken?.length ? response.nextPageToken : undefined;
  } while (nextPageToken);
  return Buffer.concat(pages);
}

const b64 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('base64');
const asJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)])),
  data: b64(p.data),
});

describe('Temporal payload encryption (real dev server)', () => {
  beforeAll(() => {
    quietTemporalRuntime();
  });

  it('keeps personal data out of the history, and the codec endpoint reads it back', async () => {
    const taskQueue = `it-codec-${randomUUID()}`;
    const workflowId = `it-codec-${randomUUID()}`;
    const email = `codec-${randomUUID()}@example.com`;
    const product = `Engraved keyboard ${randomUUID()}`;
    const note = `call ${email} before delivery`;
    const input = orderInput(randomUUID(), {
      email,
      items: [{ sku: 'KB-001', name: product, quantity: 1, unitPriceCents: 8900, lineTotalCents: 8900 }],
      totalCents: 8900,
    });

    const { client, connection } = await connectTemporal(config.temporal);
    const workerConnection = await NativeConnection.connect({ address: config.temporal.address });
    try {
      const worker = await Worker.create({
        connection: workerConnection,
        namespace: config.temporal.namespace,
        taskQueue,
        workflowsPath: require.resolve('./fixtures/receipt-workflow'),
        activities,
        dataConverter: temporalDataConverter(config.temporal),
      });
      const result = await worker.runUntil(async () => {
        const handle = await client.workflow.start('receiptWorkflow', {
          taskQueue,
          workflowId,
          args: [input],
          memo: { contactAtStart: email },
        });
        await handle.signal(noteSignal, { note });
        return handle.result();
      });
      // Through the codec, everything reads as it was written.
      expect(result).toEqual({ receipt: { to: email, orderId: input.orderId }, note });
      expect((await client.workflow.getHandle(workflowId).describe()).memo).toEqual({
        contactAtStart: email,
        contact: email,
      });

      // Without it: input, signal, memos, activity input and result, workflow result are all ciphertext.
      const plainClient = new Client({ connection, namespace: config.temporal.namespace });
      const stored = await rawHistory(plainClient, workflowId);
      expect(stored.length).toBeGreaterThan(0);
      // The history is all there, its names in clear: only the payloads are sealed.
      for (const name of [taskQueue, 'receiptWorkflow', 'sendReceipt'])
        expect(stored.includes(Buffer.from(name))).toBe(true);
      for (const secret of [email, product, input.orderId])
        expect({ secret, found: stored.includes(Buffer.from(secret)) }).toEqual({ secret, found: false });
      await expect(plainClient.workflow.getHandle(workflowId).result()).rejects.toThrow(ENCRYPTED_ENCODING);

      // The Web UI's way: the started event's input, sent to the codec endpoint, comes back readable.
      const history = await plainClient.workflow.getHandle(workflowId).fetchHistory();
      const [storedInput] = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
      expect(Buffer.from(storedInput!.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);

      const operatorGuard: RequestHandler = (req, _res, next) =>
        next(
          req.get('x-test-operator') ? undefined : new ApiError(401, 'unauthenticated', 'operator required'),
        );
      const app = express().use(
        '/codec',
        codecServer({
          codec: payloadCodec(config.temporal),
          guard: operatorGuard,
          corsOrigins: config.temporal.codecServer.corsOrigins,
          namespace: config.temporal.namespace,
          bodyLimitBytes: config.temporal.codecServer.bodyLimitBytes,
          logger: createLogger('codec', 'silent'),
        }),
      );
      const decoded = await request(app)
        .post('/codec/decode')
        .set('Origin', config.temporal.codecServer.corsOrigins[0]!)
        .set('X-Namespace', config.temporal.namespace)
        .set('X-Test-Operator', 'yes')
        .send({ payloads: [asJson(storedInput!)] });
      expect(decoded.status).toBe(200);
      const [payload] = decoded.body.payloads as Array<{ metadata: Record<string, string>; data: string }>;
      expect(Buffer.from(payload!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
      expect(JSON.parse(Buffer.from(payload!.data, 'base64').toString('utf8'))).toEqual(input);
    } finally {
      await workerConnection.close();
      await connection.close();
    }
  });
});
