import { KAFKA, MONGO } from '../../core/connections';
import { runService } from '../../core/service';
import { startNotificationService } from './service';

runService({
  name: 'notifications',
  connects: { db: MONGO, kafka: KAFKA },
  async start(deps) {
    const { url, stop } = await startNotificationService(deps);
    return { info: { url, metrics: `${url}/metrics` }, stop };
  },
});
