import { runConsumerService } from '../../core/consumer-service';
import { startNotificationService } from './service';

runConsumerService('notifications', startNotificationService);
