import { z } from 'zod';
import type { EnvOf } from './env';
import { httpService } from './http';
import { port, url } from './values';

export const analyticsEnv = {
  ANALYTICS_HOST: z.string().min(1).default('127.0.0.1'),
  ANALYTICS_PORT: port.default(3002),
  ANALYTICS_PUBLIC_URL: url.optional(),
  ANALYTICS_GROUP_ID: z.string().min(1).default('analytics'),
};

export function analyticsSection(e: EnvOf<typeof analyticsEnv>) {
  return {
    ...httpService(e.ANALYTICS_HOST, e.ANALYTICS_PORT, e.ANALYTICS_PUBLIC_URL),
    groupId: e.ANALYTICS_GROUP_ID,
  };
}
