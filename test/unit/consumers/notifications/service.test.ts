import type { Kafka } from 'kafkajs';
import type { Connection } from 'mongoose';
import { ConfigError, loadConfig } from '../../../../core/config';
import { createLogger } from '../../../../core/logger';
import { startNotificationService } from '../../../../consumers/notifications/service';

describe('the notification service', () => {
  it('refuses to start without WEBHOOK_SECRET_KEYS, naming it, before connecting to anything', async () => {
    // Any use of these would throw a TypeError: the refusal must come first.
    const kafka = {} as Kafka;
    const db = {} as Connection;
    const start = startNotificationService({
      config: loadConfig({}),
      logger: createLogger('notifications-test', 'silent'),
      kafka,
      db,
      port: 0,
    });
    await expect(start).rejects.toThrow(ConfigError);
    await expect(start).rejects.toThrow(/WEBHOOK_SECRET_KEYS: not set/);
  });
});
