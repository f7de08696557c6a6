import { ConfigError, loadConfig } from '../../../core/config';
import { generateKey } from '../../../core/crypto/keyring';

describe('loadConfig', () => {
  it('defaults to the local stack on loopback and marks nothing external', () => {
    const config = loadConfig({});
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.temporal.address).toBe('127.0.0.1:7233');
    expect(config.temporal.uiUrl).toBe('http://127.0.0.1:8233');
    expect(config.mongo.url).toBe('mongodb://127.0.0.1:27017/orders');
    expect(config.kafka.topicPartitions).toBe(6);
    expect([config.kafka.external, config.temporal.external, config.mongo.external]).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('treats a given server address as external, and only that one', () => {
    const config = loadConfig({
      KAFKA_BROKERS: 'k1:9092, k2:9092',
      MONGO_URL: 'mongodb://db.internal:27017/x',
    });
    expect(config.kafka.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(config.kafka.external).toBe(true);
    expect(config.mongo.external).toBe(true);
    expect(config.temporal.external).toBe(false);
  });

  it('derives default addresses from the stack ports, so two checkouts can run side by side', () => {
    const config = loadConfig({
      STACK_KAFKA_PORT: '19092',
      STACK_TEMPORAL_PORT: '17233',
      STACK_MONGO_PORT: '37017',
    });
    expect(config.kafka.brokers).toEqual(['127.0.0.1:19092']);
    expect(config.temporal.address).toBe('127.0.0.1:17233');
    expect(config.mongo.url).toBe('mongodb://127.0.0.1:37017/orders');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ KAFKA_BROKERS: '', LOG_LEVEL: '' }).kafka.external).toBe(false);
  });

  it.each([
    [{ KAFKA_TOPIC_PARTITIONS: 'six' }, /KAFKA_TOPIC_PARTITIONS: .*received "six"/],
    [{ KAFKA_TOPIC_PARTITIONS: '0' }, /KAFKA_TOPIC_PARTITIONS: .*received "0"/],
    [{ STACK_KAFKA_PORT: '70000' }, /STACK_KAFKA_PORT: .*received "70000"/],
    [{ TEMPORAL_ADDRESS: 'localhost' }, /TEMPORAL_ADDRESS: expected host:port \(received "localhost"\)/],
    [{ MONGO_URL: 'postgres://x' }, /MONGO_URL: expected a mongodb:\/\/ .*received "postgres:\/\/x"/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL: .*received "loud"/],
    [{ KAFKA_BROKERS: 'a:1,b' }, /KAFKA_BROKERS: .*bad entry "b"/],
    [{ WORKERS_ORDERS: '40' }, /WORKERS_ORDERS: expected a whole number of processes 0-32 \(received "40"\)/],
    [{ WEBHOOK_ALLOW_HTTP: 'yes' }, /WEBHOOK_ALLOW_HTTP: expected true or false \(received "yes"\)/],
    [{ WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32,localhost' }, /WEBHOOK_ALLOWED_CIDRS: .*bad entry "localhost"/],
    [{ WEBHOOK_MAX_PER_CUSTOMER: '0' }, /WEBHOOK_MAX_PER_CUSTOMER: .*received "0"/],
  ])('rejects %j naming the variable, the expectation and what it received', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('keeps webhooks to public https endpoints unless told otherwise', () => {
    const { webhooks } = loadConfig({}).notifications;
    expect(webhooks.targets).toEqual({ allowHttp: false, allowedCidrs: [] });
    expect(webhooks.maxPerCustomer).toBe(10);
    expect(webhooks.secretKeys).toBeUndefined();
    expect(webhooks.secretRotationGraceMs).toBe(24 * 60 * 60_000);

    const local = loadConfig({
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOWED_CIDRS: ' 127.0.0.1/32, ::1/128 ',
      WEBHOOK_MAX_PER_CUSTOMER: '3',
      WEBHOOK_SECRET_ROTATION_GRACE_MS: '0',
    }).notifications.webhooks;
    expect(local.targets).toEqual({ allowHttp: true, allowedCidrs: ['127.0.0.1/32', '::1/128'] });
    expect(local.maxPerCustomer).toBe(3);
    expect(local.secretRotationGraceMs).toBe(0);
  });

  it('reports every bad variable at once', () => {
    try {
      loadConfig({ KAFKA_TOPIC_PARTITIONS: 'x', STACK_MONGO_PORT: 'y' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect((err as ConfigError).problems.map((p) => p.split(':')[0]).sort()).toEqual([
        'KAFKA_TOPIC_PARTITIONS',
        'STACK_MONGO_PORT',
      ]);
    }
  });

  it('reads the payload keys, active key first, and leaves them undefined when not set', () => {
    expect(loadConfig({}).temporal.payloadKeys).toBeUndefined();
    const [k1, k2] = [generateKey(), generateKey()];
    const keys = loadConfig({ PAYLOAD_ENCRYPTION_KEYS: `k2:${k2}, k1:${k1}` }).temporal.payloadKeys!;
    expect(keys.activeId).toBe('k2');
    expect([...keys.keys.keys()]).toEqual(['k2', 'k1']);
  });

  it('names PAYLOAD_ENCRYPTION_KEYS and the bad entry, never the key material', () => {
    const key = generateKey();
    let message = '';
    try {
      loadConfig({ PAYLOAD_ENCRYPTION_KEYS: `k1:${key},k2:${key.slice(0, 20)}` });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/PAYLOAD_ENCRYPTION_KEYS: entry 2 \(k2\): expected a key of 32 bytes/);
    expect(message).not.toContain(key.slice(0, 20));
  });

  it('reads CORS_ORIGINS as browser origins, the form an Origin header has, and names a bad entry', () => {
    // The API's own origin always: its operator console calls the notification and analytics services.
    expect(loadConfig({}).http.corsOrigins).toEqual(['http://127.0.0.1:3000']);
    expect(loadConfig({ API_PUBLIC_URL: 'https://orders.example/api/' }).http.corsOrigins).toEqual([
      'https://orders.example',
    ]);
    expect(
      loadConfig({ CORS_ORIGINS: 'https://shop.example/, http://127.0.0.1:5173' }).http.corsOrigins,
    ).toEqual(['http://127.0.0.1:3000', 'https://shop.example', 'http://127.0.0.1:5173']);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://shop.example/cart' })).toThrow(
      /CORS_ORIGINS: expected a comma-separated list of origins .*bad entry "https:\/\/shop.example\/cart"/,
    );
  });

  it("allows the Web UI's origin to call the codec endpoint, and the CODEC_CORS_ORIGINS besides", () => {
    expect(loadConfig({}).temporal.codecServer.corsOrigins).toEqual(['http://127.0.0.1:8233']);
    const config = loadConfig({
      TEMPORAL_UI_URL: 'https://temporal.example.com/ui/',
      CODEC_CORS_ORIGINS: 'http://localhost:8233, https://temporal.example.com/',
    });
    expect(config.temporal.codecServer.corsOrigins).toEqual([
      'https://temporal.example.com',
      'http://localhost:8233',
    ]);
    expect(() => loadConfig({ CODEC_CORS_ORIGINS: 'http://ok:1,https://x.example.com/path' })).toThrow(
      /CODEC_CORS_ORIGINS: expected a comma-separated list of origins .*bad entry "https:\/\/x.example.com\/path"/,
    );
  });
});
