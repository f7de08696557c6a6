import { componentSchemas, type Json } from './openapi-builders';
import { ANALYTICS_COMPONENTS, analyticsPaths } from './analytics/paths';
import { NOTIFICATION_COMPONENTS, notificationPaths } from './notifications/paths';
import { ORDER_COMPONENTS, orderPaths } from './orders/paths';

export interface ServiceUrls {
  api: string;
  notifications: string;
  analytics: string;
}

/**
 * One document for the whole system: the order API, and the notification and analytics services' endpoints, each
 * with the server it is reached at.
 */
export function openApiDocument(urls: ServiceUrls): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Order API',
      version: '1.0.0',
      description:
        'Accepts orders (processed asynchronously by a Temporal workflow per order), reports their status and ' +
        'cancels them; the notification service streams and delivers their outcomes, the analytics service ' +
        'reports on them. Every service also answers GET /healthz and GET /readyz.',
    },
    servers: [{ url: urls.api }],
    paths: {
      ...orderPaths(),
      ...notificationPaths(urls.notifications),
      ...analyticsPaths(urls.analytics),
    },
    components: {
      schemas: componentSchemas({ ...ORDER_COMPONENTS, ...NOTIFICATION_COMPONENTS, ...ANALYTICS_COMPONENTS }),
    },
  };
}
