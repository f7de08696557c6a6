import type { z } from 'zod';
import { error, jsonContent, parameter, queryParameters, type Json } from '../openapi-builders';
import {
  FactParams,
  FactView,
  Summary,
  SummaryQuery,
  Timeseries,
  TimeseriesQuery,
  TopSkus,
  TopSkusQuery,
} from './schemas';

export const ANALYTICS_COMPONENTS: Record<string, z.ZodType> = { Summary, Timeseries, TopSkus, FactView };

/** The analytics service's endpoints, served at `url`. */
export function analyticsPaths(url: string): Record<string, Json> {
  const servers = [{ url, description: 'analytics service' }];
  const report = (summary: string, operationId: string, query: z.ZodObject, component: string): Json => ({
    servers,
    get: {
      summary,
      operationId,
      parameters: queryParameters(query),
      responses: {
        '200': { description: summary, ...jsonContent(component) },
        '400': error('validation_failed'),
      },
    },
  });
  return {
    '/analytics/summary': report(
      'Orders by status, revenue by currency, success rate, processing-time percentiles',
      'analyticsSummary',
      SummaryQuery,
      'Summary',
    ),
    '/analytics/timeseries': report(
      'One metric per minute or hour',
      'analyticsTimeseries',
      TimeseriesQuery,
      'Timeseries',
    ),
    '/analytics/top-skus': report(
      'Best-selling SKUs of completed orders',
      'analyticsTopSkus',
      TopSkusQuery,
      'TopSkus',
    ),
    '/analytics/orders/{orderId}': {
      servers,
      get: {
        summary: 'What analytics knows of one order: its facts and the events they came from',
        operationId: 'analyticsOrder',
        parameters: [parameter('orderId', 'path', FactParams.shape.orderId)],
        responses: {
          '200': { description: 'The facts', ...jsonContent('FactView') },
          '400': error('validation_failed'),
          '404': error('not_found'),
        },
      },
    },
  };
}
