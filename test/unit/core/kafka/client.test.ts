import { logLevel, type LogEntry } from 'kafkajs';
import { kafkaLogLevel } from '../../../../core/kafka/client';

const entry = (level: logLevel, namespace: string, log: Record<string, unknown>): LogEntry => ({
  namespace,
  level,
  label: logLevel[level] ?? 'ERROR',
  log: {
    timestamp: '2026-11-30T05:38:19.415Z',
    message: 'Response InitProducerId(key: 22, version: 1)',
    ...log,
  },
});

describe('kafkajs log levels', () => {
  it.each([
    "The coordinator is loading and hence can't process requests for this group",
    'The group coordinator is not available',
  ])('logs a fresh broker’s retried answer "%s" at debug, not as an error', (error) => {
    expect(kafkaLogLevel(entry(logLevel.ERROR, 'Connection', { error }))).toBe('debug');
  });

  it('logs a consumer restarting itself after such an answer as a warning', () => {
    const crash = {
      message:
        "Crash: KafkaJSProtocolError: The coordinator is loading and hence can't process requests for this group",
    };
    expect(kafkaLogLevel(entry(logLevel.ERROR, 'Consumer', crash))).toBe('warn');
    const other = { message: 'Crash: KafkaJSNumberOfRetriesExceeded: Connection timeout' };
    expect(kafkaLogLevel(entry(logLevel.ERROR, 'Consumer', other))).toBe('error');
  });

  it('keeps every other error an error, and the other levels as they are', () => {
    expect(kafkaLogLevel(entry(logLevel.ERROR, 'Connection', { error: 'Connection timeout' }))).toBe('error');
    expect(
      kafkaLogLevel(entry(logLevel.ERROR, 'Consumer', { error: 'The group coordinator is not available' })),
    ).toBe('error');
    expect(kafkaLogLevel(entry(logLevel.WARN, 'Producer', {}))).toBe('warn');
    expect(kafkaLogLevel(entry(logLevel.INFO, 'Consumer', {}))).toBe('info');
  });
});
