import { createKafka } from '../../common/kafka';
import { connectMongo } from '../../common/mongo';
import { runProcess } from '../../common/process';
import { startNotificationService } from './service';

runProcess('notifications', async (config, logger) => {
  const db = await connectMongo(config.mongo);
  try {
    const service = await startNotificationService({
      config,
      logger,
      kafka: createKafka(config.kafka, logger),
      db,
    });
    return {
      info: { url: service.url },
      async stop() {
        await service.stop();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
});
