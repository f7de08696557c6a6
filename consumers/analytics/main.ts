import { KAFKA, MONGO } from '../../core/connections';
import { runService } from '../../core/service';
import { startAnalyticsService } from './service';

runService({
  name: 'analytics',
  connects: { db: MONGO, kafka: KAFKA },
  async start(deps) {
    const { url, stop } = await startAnalyticsService(deps);
    return { info: { url, metrics: `${url}/metrics` }, stop };
  },
});
