import { runConsumerService } from '../../core/consumer-service';
import { startAnalyticsService } from './service';

runConsumerService('analytics', startAnalyticsService);
