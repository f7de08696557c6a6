/**
 * JSON Schema renderings of the event contracts, for consumers not written in TypeScript. Generated from the zod
 * source (npm run schemas) into schemas/; a unit test fails when the checked-in files are out of date.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { EVENTS, type EventType } from './events';

export const SCHEMAS_DIR = path.join(__dirname, '..', 'schemas');

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

if (require.main === module) {
  fs.mkdirSync(SCHEMAS_DIR, { recursive: true });
  for (const type of Object.keys(EVENTS) as EventType[]) {
    const file = path.join(SCHEMAS_DIR, schemaFileName(type));
    fs.writeFileSync(file, renderEventSchema(type));
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
}
