/**
 * JSON Schema renderings of the event contracts, for consumers not written in TypeScript. Written from the zod
 * source into schemas/ by `npm run schemas` (stack/write-schemas.ts); a unit test fails when the checked-in files
 * are out of date.
 */
import { z } from 'zod';
import { EVENTS, type EventType } from './events';

export function schemaFileName(type: EventType): string {
  return `${type}.v${EVENTS[type].version}.schema.json`;
}

export function renderEventSchema(type: EventType): string {
  const schema = z.toJSONSchema(EVENTS[type].schema, { target: 'draft-2020-12', io: 'output' });
  const document = {
    $id: `urn:order-pipeline:event:${type}:v${EVENTS[type].version}`,
    title: `${type} v${EVENTS[type].version}`,
    'x-kafka': { topic: EVENTS[type].topic, key: 'orderId' },
    ...schema,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
