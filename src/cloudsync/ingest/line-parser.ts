import { hash } from 'node:crypto';
import type { Catalog, Content, Property } from '../../catalog/catalog.js';
import { decodeProperty } from '../../catalog/property-codec.js';

export type StoredValue = string | number | boolean | null;

export interface UpsertOp {
  kind: 'upsert';
  content: Content;
  /** The identity: idProperties' values joined by "-" (the shop id for the `info` singleton). */
  id: string;
  /** One value per catalog property, in catalog order; null when absent. */
  values: StoredValue[];
  lang: string | null;
  /** Digest of the line: an identical re-send leaves sys_updated_at alone. */
  digest: string;
}

export interface DeleteOp {
  kind: 'delete';
  content: Content;
  /** properties.id as sent. */
  rawId: string;
  columns: Property[];
  keys: StoredValue[];
}

export type Op = UpsertOp | DeleteOp;

export interface LineError {
  line: number;
  code: LineErrorCode;
  message: string;
}

/** Every reason a line is refused; documented in docs/cloudsync.md and the OpenAPI description. */
export const LINE_ERRORS = {
  invalid_json: 'The line is not JSON.',
  invalid_utf8: 'The line is not valid UTF-8.',
  line_too_long: 'The line is longer than PSIF_UPLOAD_MAX_LINE_BYTES.',
  not_an_object: 'The line is JSON but not an object.',
  unknown_action: 'action is neither "upsert" nor "delete" (v3 lines without action must carry a top-level id).',
  unknown_collection: 'collection is missing or names no shop content.',
  content_not_in_job: "The collection is not in the job's content set.",
  invalid_properties: 'properties is missing or not an object.',
  missing_id_property: 'A property of the identity (catalog idProperties) is missing, null or empty.',
  invalid_property: 'A property has a value its catalog type cannot hold.',
  delete_not_supported: 'A delete for a content ps_eventbus never deletes (catalog deleteKey is null).',
  invalid_delete_id: 'A delete whose properties.id is missing or does not have the form of the content delete key.',
  invalid_delete_ids: 'A v3 delete line whose deleteIds is not a list of ids.',
} as const;
export type LineErrorCode = keyof typeof LINE_ERRORS;

export interface ParseContext {
  shopId: string;
  /** snake_case contents the job allows. */
  allowed: ReadonlySet<string>;
  langIso: string | null;
}

export type ParsedLine = { kind: 'blank' } | { kind: 'error'; error: LineError } | { kind: 'ops'; ops: Op[] };

/**
 * Validates one NDJSON line against the catalog and turns it into write operations. Knows the v4 format
 * (`{action, collection, properties}`), v3 upserts (a top-level `id`, no action) and v3 delete lines
 * (`{collection, deleteIds}`, the legacy /delete endpoint). Unknown properties are reported, not stored.
 */
export class LineParser {
  readonly ignoredProperties = new Set<string>();

  constructor(
    private readonly catalog: Catalog,
    private readonly context: ParseContext,
  ) {}

  parse(text: string, line: number, format: 'upload' | 'v3-delete' = 'upload'): ParsedLine {
    if (text.trim() === '') return { kind: 'blank' };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      return this.error(line, 'invalid_json', `not JSON: ${(error as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return this.error(line, 'not_an_object', 'each line must be a JSON object');
    const record = parsed as Record<string, unknown>;
    const content = typeof record.collection === 'string' ? this.catalog.byUploadCollection(record.collection) : undefined;
    if (!content) return this.error(line, 'unknown_collection', `unknown collection ${describe(record.collection)}`);
    if (!this.context.allowed.has(content.name)) return this.error(line, 'content_not_in_job', `collection "${record.collection as string}" is not part of this job`);

    if (format === 'v3-delete') return this.v3Deletes(content, record.deleteIds, line);
    const action = record.action ?? ('id' in record ? 'upsert' : undefined);
    const properties = record.properties;
    if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) {
      return this.error(line, 'invalid_properties', 'properties must be an object');
    }
    if (action === 'upsert') return this.upsert(content, properties as Record<string, unknown>, text, line);
    if (action === 'delete') {
      const op = this.deleteOp(content, (properties as Record<string, unknown>).id, line);
      return 'error' in op ? { kind: 'error', error: op.error } : { kind: 'ops', ops: [op] };
    }
    return this.error(line, 'unknown_action', `unknown action ${describe(record.action)}; expected "upsert" or "delete"`);
  }

  private upsert(content: Content, properties: Record<string, unknown>, text: string, line: number): ParsedLine {
    const values: StoredValue[] = new Array(content.properties.length);
    let present = 0;
    for (let i = 0; i < content.properties.length; i++) {
      const property = content.properties[i]!;
      const raw = properties[property.name];
      if (raw === undefined) {
        values[i] = null;
        continue;
      }
      present++;
      const decoded = decodeProperty(property, raw);
      if (!decoded.ok) return this.error(line, 'invalid_property', `${property.name} ${decoded.reason}`);
      values[i] = decoded.value;
    }
    if (present < Object.keys(properties).length) {
      for (const key of Object.keys(properties)) if (!content.propertyByName.has(key)) this.ignoredProperties.add(`${content.collection}.${key}`.slice(0, 200));
    }
    let id: string;
    if (content.idProperties.length === 0) id = this.context.shopId;
    else {
      const parts: string[] = [];
      for (const [index, property] of content.idProperties.entries()) {
        // Older shops lack some secondary key parts (PrestaShop 1.6 stores have no id_lang): leave them out.
        if (index > 0 && properties[property.name] === undefined) continue;
        const value = values[content.columnIndex.get(property.name)!];
        if (value === null || value === undefined || value === '') return this.error(line, 'missing_id_property', `${property.name} is part of the identity of ${content.collection} and must be present`);
        parts.push(String(value));
      }
      id = parts.join('-');
    }
    let lang: string | null = null;
    if (content.perLanguage) {
      const own = content.languageProperty ? values[content.columnIndex.get(content.languageProperty.name)!] : null;
      lang = typeof own === 'string' && own !== '' ? own : this.context.langIso;
    }
    return { kind: 'ops', ops: [{ kind: 'upsert', content, id, values, lang, digest: hash('md5', text, 'base64') }] };
  }

  private deleteOp(content: Content, rawId: unknown, line: number): DeleteOp | { error: LineError } {
    if (content.deleteMatchers.length === 0) return { error: { line, code: 'delete_not_supported', message: `${content.collection} rows are never deleted by ps_eventbus` } };
    const id = typeof rawId === 'number' && Number.isSafeInteger(rawId) ? String(rawId) : rawId;
    if (typeof id !== 'string' || id === '' || id.length > 256) return { error: { line, code: 'invalid_delete_id', message: 'a delete needs properties.id, a non-empty string' } };
    for (const matcher of content.deleteMatchers) {
      const match = matcher.pattern.exec(id);
      if (!match) continue;
      const keys: StoredValue[] = [];
      for (let i = 0; i < matcher.columns.length; i++) {
        const decoded = decodeProperty(matcher.columns[i]!, match[i + 1]);
        if (!decoded.ok) return { error: { line, code: 'invalid_delete_id', message: `id "${id}": ${matcher.columns[i]!.name} ${decoded.reason}` } };
        keys.push(decoded.value);
      }
      return { kind: 'delete', content, rawId: id, columns: matcher.columns, keys };
    }
    return { error: { line, code: 'invalid_delete_id', message: `id ${JSON.stringify(id.slice(0, 60))} does not have the form of a ${content.collection} delete key` } };
  }

  private v3Deletes(content: Content, deleteIds: unknown, line: number): ParsedLine {
    if (!Array.isArray(deleteIds) || deleteIds.length === 0 || deleteIds.length > 100_000) {
      return this.error(line, 'invalid_delete_ids', 'deleteIds must be a non-empty list of ids');
    }
    const ops: Op[] = [];
    for (const rawId of deleteIds) {
      const op = this.deleteOp(content, rawId, line);
      if ('error' in op) return { kind: 'error', error: op.error };
      ops.push(op);
    }
    return { kind: 'ops', ops };
  }

  private error(line: number, code: LineErrorCode, message: string): ParsedLine {
    return { kind: 'error', error: { line, code, message } };
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 80));
  if (value === undefined) return '(missing)';
  return JSON.stringify(value)?.slice(0, 80) ?? String(value);
}
