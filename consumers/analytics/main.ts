import { runConsumerService } from '../run-service';
import { startAnalyticsService } from './service';

runConsumerService('analytics', startAnalyticsService);
