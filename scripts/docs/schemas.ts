/** JSON Schemas of the event catalogue and of the envelope, written to docs/events/. */
import * as contracts from '../../src/contracts/events.ts';
import { EventEnvelope } from '../../src/platform/messaging/index.ts';

const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';
const schemaId = (name: string) => `urn:streamshop:events:${name}`;
export const eventSchemaFile = (type: string) => `${type}.schema.json`;
export const ENVELOPE_SCHEMA_FILE = 'envelope.schema.json';

export type Schema = Record<string, unknown>;

/** The TypeBox schemas are JSON Schema already; JSON round-trip drops TypeBox's non-enumerable markers. */
const plain = (schema: unknown): Schema => JSON.parse(JSON.stringify(schema)) as Schema;

export function eventSchemas(): Record<string, Schema> {
  const schemas: Record<string, Schema> = {
    [ENVELOPE_SCHEMA_FILE]: {
      $schema: JSON_SCHEMA_DIALECT,
      $id: schemaId('envelope'),
      title: 'streamshop event envelope (CloudEvents 1.0)',
      ...plain(EventEnvelope),
    },
  };
  for (const event of contracts.eventCatalogue) {
    schemas[eventSchemaFile(event.type)] = {
      $schema: JSON_SCHEMA_DIALECT,
      $id: schemaId(event.type),
      title: `${event.type} data`,
      description: event.description,
      ...plain(event.data),
    };
  }
  for (const [file, schema] of Object.entries(schemas)) {
    const missing = fieldsWithoutDescription(schema);
    if (missing.length > 0 || typeof schema.description !== 'string') {
      throw new Error(`${file}: every field needs a description in its TypeBox schema; missing: ${missing.join(', ') || '(the schema itself)'}`);
    }
  }
  return schemas;
}

/** JSON pointers of the object properties, at any depth, that have no description. */
export function fieldsWithoutDescription(schema: unknown, path = ''): string[] {
  if (Array.isArray(schema)) return schema.flatMap((item, i) => fieldsWithoutDescription(item, `${path}/${i}`));
  if (typeof schema !== 'object' || schema === null) return [];
  const missing: string[] = [];
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' && typeof value === 'object' && value !== null) {
      for (const [field, fieldSchema] of Object.entries(value)) {
        if (typeof (fieldSchema as Schema).description !== 'string') missing.push(`${path}/properties/${field}`);
      }
    }
    missing.push(...fieldsWithoutDescription(value, `${path}/${key}`));
  }
  return missing;
}
