/** npm run schemas: writes the JSON Schema of every event contract into schemas/, for consumers in other languages. */
import fs from 'node:fs';
import path from 'node:path';
import { EVENTS, type EventType } from '../../contracts/events';
import { renderEventSchema, schemaFileName } from '../../contracts/json-schemas';

export const SCHEMAS_DIR = path.join(__dirname, '..', '..', 'schemas');

if (require.main === module) {
  fs.mkdirSync(SCHEMAS_DIR, { recursive: true });
  for (const type of Object.keys(EVENTS) as EventType[]) {
    const file = path.join(SCHEMAS_DIR, schemaFileName(type));
    fs.writeFileSync(file, renderEventSchema(type));
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
}
