import { z } from 'zod';

/** Building blocks of the system's OpenAPI 3.1 document, generated from the same zod schemas the routes validate with. */

export type Json = Record<string, unknown>;

/** OpenAPI 3.1 schema objects are JSON Schema 2020-12, minus the document-level keywords. */
function strip(schema: Json): Json {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

/**
 * Every named schema becomes a component; nested uses of one become $refs to it. Request bodies (`*Request`) are
 * documented as the input they accept (a field with a default may be left out), everything else as the output it is.
 */
export function componentSchemas(components: Record<string, z.ZodType>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const io of ['input', 'output'] as const) {
    const registry = z.registry<{ id: string }>();
    for (const [id, schema] of Object.entries(components)) registry.add(schema, { id });
    const { schemas } = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}`, io });
    for (const [id, schema] of Object.entries(schemas)) {
      if ((io === 'input') === id.endsWith('Request')) out[id] = strip(schema as Json);
    }
  }
  return out;
}

/** Parameters are validated as strings-to-be-coerced, so they are documented as the input side of the schema. */
export function parameter(name: string, where: 'query' | 'path' | 'header', schema: z.ZodType): Json {
  const json = strip(z.toJSONSchema(schema, { io: 'input' }) as Json);
  const { description, ...rest } = json;
  return {
    name,
    in: where,
    required: where === 'path' || !schema.safeParse(undefined).success,
    ...(description === undefined ? {} : { description }),
    schema: rest,
  };
}

export function queryParameters(schema: z.ZodObject): Json[] {
  return Object.entries(schema.shape).map(([name, field]) => parameter(name, 'query', field as z.ZodType));
}

export const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
export const jsonContent = (id: string) => ({ content: { 'application/json': { schema: ref(id) } } });
export const error = (description: string) => ({ description, ...jsonContent('ErrorBody') });
export const retryAfter = {
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } },
};
