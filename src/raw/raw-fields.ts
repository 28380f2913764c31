import type { Catalog, Content, PropertyType } from '../catalog/catalog.js';
import type { Backend } from '../platform/db/database.js';

/** The JSON type a field has in the Raw API (catalog rawType where given, else the wire type). */
export type OutputType = 'string' | 'integer' | 'number' | 'boolean' | 'object';

/** One field of a Raw API item: its API name, where it is stored, and how it is filtered and sorted. */
export interface RawField {
  name: string;
  column: string;
  /** How the column holds it (the catalog wire type, or a system column's kind). */
  stored: PropertyType;
  output: OutputType;
  /** How it is compared: numbers and instants get Start/End ranges; objects are not filterable. */
  compare: 'text' | 'number' | 'instant' | 'date' | 'boolean' | 'none';
  /** Never null (id and psif's system columns): sorts and keyset conditions can then follow an index. */
  notNull?: boolean;
}

export interface RawContent {
  content: Content;
  fields: RawField[];
  byName: ReadonlyMap<string, RawField>;
}

const OUTPUT: Record<PropertyType, OutputType> = { string: 'string', integer: 'integer', number: 'number', boolean: 'boolean', datetime: 'string', date: 'string', object: 'object' };

/**
 * The Raw API view of a content, from the catalog: every property in camelCase with its Raw API type, then
 * the server fields (`id`, `createdAt`, `updatedAt`, `lastSyncedAt`, and `deleted`/`deletedAt` where the
 * content is ever deleted). A property named like a server field wins: `createdAt` is the shop's own
 * created_at where the content has one, psif's first-stored time otherwise.
 */
export function rawContent(content: Content): RawContent {
  const fields: RawField[] = [{ name: 'id', column: 'id', stored: 'string', output: 'string', compare: 'text', notNull: true }];
  for (const property of content.properties) {
    const output = (property.rawType as OutputType | undefined) ?? OUTPUT[property.type];
    fields.push({ name: property.camel, column: property.name, stored: property.type, output, compare: compareOf(property.type, output) });
  }
  const add = (field: RawField) => {
    if (!fields.some((f) => f.name === field.name)) fields.push(field);
  };
  add({ name: 'createdAt', column: 'sys_created_at', stored: 'datetime', output: 'string', compare: 'instant', notNull: true });
  add({ name: 'updatedAt', column: 'sys_updated_at', stored: 'datetime', output: 'string', compare: 'instant', notNull: true });
  add({ name: 'lastSyncedAt', column: 'sys_last_synced_at', stored: 'datetime', output: 'string', compare: 'instant', notNull: true });
  if (content.deleteMatchers.length > 0) {
    add({ name: 'deleted', column: 'sys_deleted', stored: 'boolean', output: 'boolean', compare: 'boolean', notNull: true });
    add({ name: 'deletedAt', column: 'sys_deleted_at', stored: 'datetime', output: 'string', compare: 'instant' });
  }
  return { content, fields, byName: new Map(fields.map((f) => [f.name, f])) };
}

function compareOf(stored: PropertyType, output: OutputType): RawField['compare'] {
  if (stored === 'object') return 'none';
  if (stored === 'boolean') return 'boolean';
  if (stored === 'datetime') return 'instant';
  if (stored === 'date') return 'date';
  if (stored === 'integer' || stored === 'number') return 'number';
  // Text the Raw API shows as a number (bundles' ids...): compared as numbers, so "10" comes after "9".
  return output === 'integer' || output === 'number' ? 'number' : 'text';
}

export function rawContents(catalog: Catalog): Map<string, RawContent> {
  return new Map(catalog.contents.map((c) => [c.path, rawContent(c)]));
}

/** A stored value as the Raw API shows it. */
export function encodeValue(field: RawField, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (field.stored) {
    case 'datetime':
      return new Date(Number(value)).toISOString();
    case 'boolean':
      return value === true || value === 1;
    case 'object':
      return field.output === 'string' ? value : JSON.parse(value as string);
    default:
      if (field.output === 'string') return String(value);
      if (field.output === 'integer' || field.output === 'number') {
        const n = typeof value === 'number' ? value : Number(value);
        return Number.isFinite(n) ? n : null;
      }
      return value;
  }
}

/** SQL for the value a field is sorted and range-filtered by (text holding numbers is cast). */
export function sortExpression(field: RawField, backend: Backend): string {
  const column = `"${field.column}"`;
  if (field.compare !== 'number' || field.stored !== 'string') return column;
  return backend === 'postgres' ? `(CASE WHEN ${column} ~ '^\\s*-?[0-9]+(\\.[0-9]+)?\\s*$' THEN ${column}::double precision END)` : `CAST(${column} AS REAL)`;
}
