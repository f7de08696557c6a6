import { runConsumerService } from '../run-service';
import { startNotificationService } from './service';

runConsumerService('notifications', startNotificationService);
