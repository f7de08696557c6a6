import path from 'node:path';
import { ConfigError } from '../../../../core/config';
import { loadStackConfig } from '../../../../tools/stack/config';

describe('loadStackConfig', () => {
  it('keeps the stack under .stack/ of the repository, its servers on the ports clients default to', () => {
    const config = loadStackConfig({});
    expect(config.stack.dir).toBe(path.join(config.stack.repoRoot, '.stack'));
    expect(config.stack.ports.kafka).toBe(9092);
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
  });

  it('binds the servers where the processes connect when the ports are moved', () => {
    const config = loadStackConfig({ STACK_KAFKA_PORT: '19092', STACK_MONGO_DEBUG_PORT: '37018' });
    expect(config.stack.ports.kafka).toBe(19092);
    expect(config.kafka.brokers).toEqual(['127.0.0.1:19092']);
    expect(config.stack.ports.mongoDebug).toBe(37018);
  });

  it('names every bad variable, the stack’s and the processes’ alike, once each', () => {
    try {
      loadStackConfig({ STACK_READY_TIMEOUT_MS: 'soon', API_PORT: '0', STACK_KAFKA_PORT: 'x' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.map((p) => p.split(':')[0]).sort()).toEqual([
        'API_PORT',
        'STACK_KAFKA_PORT',
        'STACK_READY_TIMEOUT_MS',
      ]);
    }
  });
});
