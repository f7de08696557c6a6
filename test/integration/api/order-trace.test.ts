import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { bearer } from '../../support/tokens';
import { createApp } from '../../../api/app';
import { newCustomer, startApi, type ApiHarness } from './harness';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SpanRecord } from '../../../core/tracing/file-exporter';

/** An order's trace, assembled from the spans the file exporter wrote, for operators only. */
let api: ApiHarness;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api.close();
});

describe("an order's trace", () => {
  it('answers the spans the file exporter wrote, in tree order, to operators', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-traces-'));
    const orderId = randomUUID();
    const traceId = randomUUID().replace(/-/g, '');
    const span = (name: string, spanId: string, parent: string | undefined, at: number): SpanRecord => ({
      traceId,
      spanId,
      ...(parent ? { parentSpanId: parent } : {}),
      name,
      kind: 'INTERNAL',
      service: name.split(' ')[0]!,
      startTime: new Date(Date.UTC(2026, 10, 30, 12, 0, 0, at)).toISOString(),
      durationMs: 10,
      status: 'UNSET',
      attributes: parent ? {} : { 'order.id': orderId },
    });
    // Two processes' files, the child written before its parent, and one span whose parent was never exported.
    fs.writeFileSync(
      path.join(dir, 'bridge-1.jsonl'),
      [span('bridge consume', 'b', 'a', 5), span('bridge lost', 'c', 'gone', 1)]
        .map((x) => JSON.stringify(x))
        .join('\n'),
    );
    fs.writeFileSync(
      path.join(dir, 'api-2.jsonl'),
      `${JSON.stringify(span('api POST', 'a', undefined, 0))}\n{"torn`,
    );
    try {
      const app = createApp({
        ...api.deps,
        config: { ...api.config, tracing: { ...api.config.tracing, exporter: 'file', dir } },
      });
      const op = bearer(await api.tokens.operator());
      const res = await request(app).get(`/ops/orders/${orderId}/trace`).set(op);
      expect(res.status).toBe(200);
      expect(res.body.traces).toHaveLength(1);
      expect(res.body.traces[0].traceId).toBe(traceId);
      expect(
        res.body.traces[0].spans.map((s: { name: string; depth: number; orphan: boolean }) => [
          s.name,
          s.depth,
          s.orphan,
        ]),
      ).toEqual([
        ['api POST', 0, false],
        ['bridge consume', 1, false],
        ['bridge lost', 0, true],
      ]);

      const unknown = await request(app).get(`/ops/orders/${randomUUID()}/trace`).set(op);
      expect(unknown.status).toBe(404);
      const customer = await request(app)
        .get(`/ops/orders/${orderId}/trace`)
        .set(bearer(await api.tokens.customer(newCustomer('tracer'))));
      expect(customer.status).toBe(403);
      const otlp = createApp({
        ...api.deps,
        config: { ...api.config, tracing: { ...api.config.tracing, exporter: 'otlp', dir } },
      });
      const elsewhere = await request(otlp).get(`/ops/orders/${orderId}/trace`).set(op);
      expect(elsewhere.status).toBe(404);
      expect(elsewhere.body.message).toMatch(/otlp exporter/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
