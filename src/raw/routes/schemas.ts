import { type TSchema, Type } from '@sinclair/typebox';
import type { RawContent, RawField } from '../raw-fields.js';


/** PascalCase schema name of a content: products → RawProducts, cart-products → RawCartProducts. */
export function schemaName(raw: RawContent): string {
  return `Raw${raw.content.path.split('-').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('')}`;
}

/** One item of a content, from the catalog. Every field is optional: `fields=` may project them away. */
export function itemSchema(raw: RawContent): TSchema {
  const properties: Record<string, TSchema> = {};
  for (const field of raw.fields) {
    // `type: [t, 'null']`, which @fastify/swagger documents as OpenAPI 3.0's `nullable: true`.
    const type = field.name === 'id' ? field.output : [field.output, 'null'];
    properties[field.name] = Type.Unsafe({ type, description: describe(field), ...(field.output === 'object' ? { additionalProperties: true } : {}) });
    if (field.name === 'id') properties.shopId = Type.String({ description: 'The shop UUID' });
  }
  return Type.Object(Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, Type.Optional(v)])), { $id: schemaName(raw), additionalProperties: false });
}

function describe(field: RawField): string {
  if (field.column === 'id') return 'The object identity: its catalog id properties joined by "-"';
  if (field.column.startsWith('sys_')) return `psif: ${field.column.replace('sys_', '').replace(/_/g, ' ')}`;
  const type = field.stored === 'datetime' ? ' (ISO 8601, UTC)' : '';
  return `${field.column}${type}`;
}

/** The list query: every filter of the content, ranges on numbers and dates, sort, pagination, projection. */
export function listQuerySchema(raw: RawContent): TSchema {
  const properties: Record<string, TSchema> = {
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 10, description: 'Page size (1 to 1000)' }),
    offset: Type.Integer({ minimum: 0, maximum: 100_000_000, default: 0, description: 'Items to skip (offset pagination)' }),
    sort: stringEnum(raw.fields.filter((f) => f.compare !== 'none').map((f) => f.name), { description: 'Field to sort by (default id); ties are broken by id' }),
    direction: stringEnum(['asc', 'desc'], { default: 'asc' }),
    after: Type.String({ maxLength: 2048, description: 'Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset.' }),
    fields: Type.String({ maxLength: 4000, description: 'Comma-separated fields to return (id and shopId always are)' }),
  };
  for (const field of raw.fields) {
    const filter = filterSchema(field);
    if (!filter) continue;
    properties[field.name] = Type.Optional({ ...filter, description: `${field.name} equals` });
    if (field.compare === 'number' || field.compare === 'instant' || field.compare === 'date') {
      properties[`${field.name}Start`] = { ...filter, description: `${field.name} ≥ (inclusive)` };
      properties[`${field.name}End`] = { ...filter, description: `${field.name} ≤ (inclusive)` };
    }
  }
  // All optional: the defaults are filled in by the validator, and OpenAPI must not call them required.
  return Type.Object(Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, Type.Optional(v)])), { additionalProperties: false });
}

/** A plain `{type: string, enum}` (TypeBox writes an anyOf of literals, which tools render poorly). */
function stringEnum(values: string[], options: Record<string, unknown> = {}): TSchema {
  return Type.Unsafe<string>({ type: 'string', enum: values, ...options });
}

function filterSchema(field: RawField): TSchema | undefined {
  switch (field.compare) {
    case 'number':
      return Type.Number();
    case 'boolean':
      return Type.Boolean();
    case 'instant':
      return Type.String({ format: 'date-time' });
    case 'date':
      return Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
    case 'text':
      return Type.String({ maxLength: 1000 });
    default:
      return undefined;
  }
}

export const Links = Type.Object({
  first: Type.String(),
  last: Type.String(),
  prev: Type.Union([Type.String(), Type.Null()]),
  next: Type.Union([Type.String(), Type.Null()]),
});

/**
 * The item schemas, registered with the server's shared schemas (root level): a plugin that adds schemas
 * of its own gets Fastify's default validator instead of psif's, which strips unknown query parameters
 * instead of refusing them.
 */
export function rawItemSchemas(contents: Iterable<RawContent>): TSchema[] {
  return [...contents].map(itemSchema);
}
