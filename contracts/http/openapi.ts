import { error, retryAfter, componentSchemas, type Json } from './openapi-builders';
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
/** Open to anyone: health, readiness and the documents themselves. */
const PUBLIC_OPERATIONS = new Set(['healthz', 'readyz']);

function takesInput(operation: Json): boolean {
  return (
    (Array.isArray(operation.parameters) && operation.parameters.length > 0) || 'requestBody' in operation
  );
}

function hasPathParameter(operation: Json): boolean {
  return Array.isArray(operation.parameters) && operation.parameters.some((p) => (p as Json).in === 'path');
}

/** The HTTP server refuses an oversized request line or headers before any route sees them. */
const TOO_LARGE = { 431: { description: 'Request line or headers too large (over 16 KB)' } };

/**
 * Every operation but the public ones needs a bearer token: it says so, and documents what any of them can answer
 * besides its own: 401 (no valid token), 403 (a valid token whose role may not do this), 429 (over budget), 400 when
 * it takes input, 404 when its path names a resource (none, or none the caller may see).
 */
function secured(paths: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [path, item] of Object.entries(paths)) {
    out[path] = Object.fromEntries(
      Object.entries(item).map(([method, op]) => {
        const operation = op as Json & { operationId?: string; responses?: Json };
        if (typeof op !== 'object' || op === null || !('responses' in operation)) return [method, op];
        if (PUBLIC_OPERATIONS.has(operation.operationId ?? '')) {
          return [
            method,
            { ...operation, security: [], responses: { ...operation.responses, ...TOO_LARGE } },
          ];
        }
        return [
          method,
          {
            ...operation,
            responses: {
              ...(takesInput(operation)
                ? { 400: error('validation_failed: each field named, with the problem') }
                : {}),
              ...(hasPathParameter(operation) ? { 404: error('not_found') } : {}),
              ...operation.responses,
              401: error(
                'No valid bearer token: missing, malformed, expired, or not signed by a trusted key',
              ),
              403: error('The token is valid but its role may not do this'),
              429: {
                headers: retryAfter,
                ...error('Over the caller’s request budget (HTTP_RATE_LIMIT_PER_MINUTE)'),
              },
              ...TOO_LARGE,
            },
          },
        ];
      }),
    );
  }
  return out;
}

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
    paths: secured({
      ...orderPaths(),
      ...notificationPaths(urls.notifications),
      ...analyticsPaths(urls.analytics),
    }),
    security: [{ bearerAuth: [] }],
    components: {
      schemas: componentSchemas({ ...ORDER_COMPONENTS, ...NOTIFICATION_COMPONENTS, ...ANALYTICS_COMPONENTS }),
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A JWT from the identity provider (locally: `npm run stack:token -- --customer <id>` or `--operator`). ' +
            'Role `customer`: the token’s subject is the customer id, and the customer sees only their own orders, ' +
            'notifications and webhooks (anything else answers 404). Role `operator`: every customer, and the ' +
            'operator actions.',
        },
      },
    },
  };
}
