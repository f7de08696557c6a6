import type { Producer, ProducerRecord } from 'kafkajs';
import { DLQ_ERROR_MAX_CHARS, deadLetter, readDlqHeaders } from '../../../../core/kafka/dlq';
import { EventValidationError } from '../../../../contracts/events';
import { rawMessage } from '../../../support/order-events';

/** Records what would be sent; answers like a broker that took the message at offset 0. */
function recordingProducer() {
  const sent: ProducerRecord[] = [];
  const producer = {
    send: async (record: ProducerRecord) => {
      sent.push(record);
      return [{ topicName: record.topic, partition: 0, errorCode: 0, baseOffset: '0' }];
    },
  };
  return { sent, producer: producer as unknown as Producer };
}

describe('deadLetter / readDlqHeaders', () => {
  const original = rawMessage('7f1c4c1e-8f43-4a34-9d53-3a3f0e1e6b0a', '{"not":"an order"}', '41', {
    'event-type': 'order-created',
  });

  it('sends the original key, value and headers to the twin topic, durably, with where and why', async () => {
    const { sent, producer } = recordingProducer();
    const before = Date.now();
    await deadLetter(producer, {
      topic: 'order-created',
      partition: 3,
      message: original,
      error: new EventValidationError(['items: expected array, received undefined'], '{}'),
      consumer: 'order-bridge',
    });

    expect(sent).toHaveLength(1);
    const record = sent[0]!;
    expect(record.topic).toBe('order-created.dlq');
    expect(record.acks).toBe(-1);
    const message = record.messages[0]!;
    expect(message.key).toEqual(original.key);
    expect(message.value).toEqual(original.value);
    expect(message.headers?.['event-type']).toBe('order-created');

    const dlq = readDlqHeaders(message.headers);
    expect(dlq).toEqual({
      originalTopic: 'order-created',
      originalPartition: 3,
      originalOffset: '41',
      error: 'EventValidationError: invalid event: items: expected array, received undefined',
      failedAt: expect.any(String),
      consumer: 'order-bridge',
    });
    expect(Date.parse(dlq.failedAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(dlq.failedAt)).toBeLessThanOrEqual(Date.now());
  });

  it('keeps the error on one line, names its causes, and truncates it', async () => {
    const { sent, producer } = recordingProducer();
    const cause = new Error('14 UNAVAILABLE:\n connect ECONNREFUSED 127.0.0.1:7233');
    const long = new Error(`Failed to start Workflow ${'x'.repeat(2 * DLQ_ERROR_MAX_CHARS)}`, { cause });
    await deadLetter(producer, {
      topic: 'order-processed',
      partition: 0,
      message: original,
      error: cause,
      consumer: 'c',
    });
    await deadLetter(producer, {
      topic: 'order-processed',
      partition: 0,
      message: original,
      error: long,
      consumer: 'c',
    });
    await deadLetter(producer, {
      topic: 'order-processed',
      partition: 0,
      message: original,
      error: 'plain text',
      consumer: 'c',
    });

    const errors = sent.map((r) => readDlqHeaders(r.messages[0]!.headers).error);
    expect(errors[0]).toBe('Error: 14 UNAVAILABLE: connect ECONNREFUSED 127.0.0.1:7233');
    expect(errors[1]).toHaveLength(DLQ_ERROR_MAX_CHARS);
    expect(errors[1]).toMatch(/^Error: Failed to start Workflow x+…$/);
    expect(errors[2]).toBe('plain text');
    expect(sent.every((r) => r.topic === 'order-processed.dlq')).toBe(true);
  });

  it('reads headers as the broker returns them (Buffers) and names every missing or bad one', () => {
    const asBuffers = {
      'dlq-original-topic': Buffer.from('order-created'),
      'dlq-original-partition': Buffer.from('5'),
      'dlq-original-offset': Buffer.from('9007199254740993'),
      'dlq-error': Buffer.from('boom'),
      'dlq-failed-at': Buffer.from('2025-03-01T10:15:30.000Z'),
      'dlq-consumer': Buffer.from('analytics'),
    };
    expect(readDlqHeaders(asBuffers)).toEqual({
      originalTopic: 'order-created',
      originalPartition: 5,
      originalOffset: '9007199254740993',
      error: 'boom',
      failedAt: '2025-03-01T10:15:30.000Z',
      consumer: 'analytics',
    });

    const { 'dlq-consumer': _omitted, ...missing } = asBuffers;
    expect(() => readDlqHeaders({ ...missing, 'dlq-original-partition': 'three' })).toThrow(
      /dlq-original-partition: expected a partition number.*missing header dlq-consumer/,
    );
    expect(() => readDlqHeaders(undefined)).toThrow(/missing header dlq-original-topic/);
  });
});
