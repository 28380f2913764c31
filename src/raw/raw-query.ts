import { type Backend, placeholders } from '../platform/db/database.js';
import type { ReadQuery } from '../platform/db/read-query.js';
import { ApiError } from '../platform/http/api-error.js';
import { type RawContent, type RawField, rowEncoder, sortExpression } from './raw-fields.js';

export const RESERVED_PARAMETERS = ['limit', 'offset', 'sort', 'direction', 'after', 'fields'] as const;

export interface ListRequest {
  shopId: string;
  query: Record<string, unknown>;
}

export interface ListResult {
  items: Record<string, unknown>[];
  total: number;
  offset: number;
  limit: number;
  /** Cursor of the last item, for keyset pagination (`after`). */
  nextCursor: string | null;
}

interface Condition {
  sql: string;
  params: unknown[];
}

/**
 * Runs Raw API list and item queries: filters (equality, Start/End ranges), sort with a unique tie-breaker
 * (`id`), offset or keyset pagination, projection. SQL is built from catalog-known column names only; every
 * value is a bound parameter.
 */
export class RawQuery {
  constructor(
    private readonly read: ReadQuery,
    private readonly backend: Backend,
    private readonly streamPageSize = 1000,
  ) {}

  async list(raw: RawContent, request: ListRequest): Promise<ListResult> {
    return this.page(raw, request, true);
  }

  /**
   * Every matching item in order, fetched by keyset pages (1,000 rows) so the table is never held in memory
   * (the NDJSON export). `limit`, `offset` and `after` of the query are ignored.
   */
  async *stream(raw: RawContent, request: ListRequest): AsyncGenerator<Record<string, unknown>> {
    const { limit: _limit, offset: _offset, ...query } = request.query;
    let after = '';
    for (;;) {
      const page = await this.page(raw, { shopId: request.shopId, query: { ...query, limit: this.streamPageSize, offset: 0, after } }, false);
      yield* page.items;
      if (!page.nextCursor) return;
      after = page.nextCursor;
    }
  }

  private async page(raw: RawContent, request: ListRequest, withTotal: boolean): Promise<ListResult> {
    const q = request.query;
    const limit = (q.limit as number | undefined) ?? 10;
    const offset = (q.offset as number | undefined) ?? 0;
    const direction = q.direction === 'desc' ? 'desc' : 'asc';
    const sort = q.sort === undefined ? raw.byName.get('id')! : raw.byName.get(q.sort as string);
    if (!sort || sort.compare === 'none') throw ApiError.badRequest('invalid_sort', `cannot sort by "${String(q.sort)}"`, { parameter: 'sort' });
    const fields = projection(raw, q.fields);
    const p = placeholders(this.backend);
    const conditions = [{ sql: `"shop_id" = ${p()}`, params: [request.shopId] }, ...this.filters(raw, q, p)];
    const where = conditions.map((c) => c.sql).join(' AND ');
    const params = conditions.flatMap((c) => c.params);

    const sortSql = sortExpression(sort, this.backend);
    let keyset: Condition | undefined;
    let cursor: Cursor | undefined;
    if (q.after !== undefined) {
      if (offset !== 0) throw ApiError.badRequest('invalid_pagination', 'use either offset or after, not both', { parameter: 'after' });
      if (q.after !== '') {
        cursor = decodeCursor(q.after as string, sort.name, direction);
        keyset = keysetCondition(cursor, sortSql, direction, p, sort.notNull === true);
      }
    }
    // NULLS FIRST/LAST keeps both backends in one order, but stops PostgreSQL from reading an index in
    // order: columns that are never null do without it.
    const nulls = sort.notNull ? '' : direction === 'asc' ? ' NULLS FIRST' : ' NULLS LAST';
    const order = direction === 'asc' ? `${sortSql} ASC${nulls}, "id" ASC` : `${sortSql} DESC${nulls}, "id" DESC`;
    const columns = [...new Set([...fields.map((f) => `"${f.column}"`), '"id"'])].join(', ');
    const pageParams = [...params, ...(keyset?.params ?? []), limit, offset];
    // A keyset walk counts once, on its first page, and carries the total in its cursors: counting a
    // million rows again for each of 20,000 pages would cost more than reading them. The count runs first
    // so that a page's rows, the bulk of a request's memory, are encoded as soon as they arrive instead of
    // waiting on another round trip: fewer of them are alive at once under load, and fewer survive into
    // the old generation.
    let total = cursor?.total ?? 0;
    if (withTotal && cursor === undefined) {
      total = Number((await this.read<{ n: number | string }>(`SELECT count(*) AS "n" FROM "${raw.content.table}" WHERE ${where}`, params))[0]?.n ?? 0);
    }
    const encode = rowEncoder(raw, fields);
    const rows = await this.read<Record<string, unknown>>(
      `SELECT ${columns}, ${sortSql} AS "psif_sort" FROM "${raw.content.table}" WHERE ${where}${keyset ? ` AND ${keyset.sql}` : ''} ORDER BY ${order} LIMIT ${p()} OFFSET ${p()}`,
      pageParams,
    );
    const last = rows[rows.length - 1];
    return {
      items: rows.map((row) => encode(row, request.shopId)),
      total,
      offset,
      limit,
      nextCursor: last && rows.length === limit ? encodeCursor({ sort: sort.name, direction, value: last.psif_sort, id: last.id as string, total }) : null,
    };
  }

  async get(raw: RawContent, shopId: string, id: string, fieldsParam?: unknown): Promise<Record<string, unknown> | undefined> {
    const fields = projection(raw, fieldsParam);
    const p = placeholders(this.backend);
    const columns = [...new Set([...fields.map((f) => `"${f.column}"`), '"id"'])].join(', ');
    const [row] = await this.read<Record<string, unknown>>(`SELECT ${columns} FROM "${raw.content.table}" WHERE "shop_id" = ${p()} AND "id" = ${p()}`, [shopId, id]);
    return row && rowEncoder(raw, fields)(row, shopId);
  }

  private filters(raw: RawContent, query: Record<string, unknown>, p: () => string): Condition[] {
    const conditions: Condition[] = [];
    for (const [name, value] of Object.entries(query)) {
      if ((RESERVED_PARAMETERS as readonly string[]).includes(name) || value === undefined) continue;
      const exact = raw.byName.get(name);
      if (exact) {
        conditions.push({ sql: `${sortExpression(exact, this.backend)} = ${p()}`, params: [filterValue(exact, name, value, this.backend)] });
        continue;
      }
      const range = /^(.+)(Start|End)$/.exec(name);
      const field = range ? raw.byName.get(range[1]!) : undefined;
      if (!field || !['number', 'instant', 'date'].includes(field.compare)) throw ApiError.badRequest('unknown_parameter', `unknown query parameter "${name}"`, { parameter: name });
      conditions.push({ sql: `${sortExpression(field, this.backend)} ${range![2] === 'Start' ? '>=' : '<='} ${p()}`, params: [filterValue(field, name, value, this.backend)] });
    }
    return conditions;
  }
}

function filterValue(field: RawField, parameter: string, value: unknown, backend: Backend): unknown {
  switch (field.compare) {
    case 'instant': {
      const ms = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
      if (!Number.isFinite(ms)) throw ApiError.badRequest('invalid_parameter', `${parameter} must be an ISO 8601 date-time`, { parameter });
      return ms;
    }
    case 'boolean':
      return backend === 'sqlite' ? (value ? 1 : 0) : value;
    case 'number':
      return value;
    default:
      return String(value);
  }
}

function projection(raw: RawContent, fieldsParam: unknown): RawField[] {
  if (fieldsParam === undefined || fieldsParam === '') return raw.fields;
  const names = String(fieldsParam).split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !raw.byName.has(n));
  if (unknown.length > 0) throw ApiError.badRequest('invalid_fields', `unknown field ${unknown.map((n) => `"${n}"`).join(', ')} in fields`, { parameter: 'fields', unknown });
  return raw.fields.filter((f) => f.name === 'id' || names.includes(f.name));
}

/** Where a keyset walk is: the sort it was made for, the last row's sort value and id, the walk's total. */
interface Cursor {
  sort: string;
  direction: string;
  value: unknown;
  id: string;
  total: number;
}

/** Opaque to clients (base64url JSON), and checked when it comes back: a cursor only steers a WHERE clause. */
function encodeCursor({ sort, direction, value, id, total }: Cursor): string {
  return Buffer.from(JSON.stringify([sort, direction, value ?? null, id, total])).toString('base64url');
}

function decodeCursor(cursor: string, sort: string, direction: string): Cursor {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const valid = Array.isArray(decoded) && decoded.length === 5 && typeof decoded[0] === 'string' && typeof decoded[1] === 'string' &&
    (decoded[2] === null || typeof decoded[2] === 'string' || typeof decoded[2] === 'number') && typeof decoded[3] === 'string' &&
    Number.isSafeInteger(decoded[4]) && (decoded[4] as number) >= 0;
  if (!valid) throw ApiError.badRequest('invalid_cursor', 'after is not a cursor psif issued', { parameter: 'after' });
  const [cursorSort, cursorDirection, value, id, total] = decoded as [string, string, unknown, string, number];
  if (cursorSort !== sort || cursorDirection !== direction) {
    throw ApiError.badRequest('invalid_cursor', `this cursor was issued for sort=${cursorSort}&direction=${cursorDirection}`, { parameter: 'after' });
  }
  return { sort, direction, value, id, total };
}

/** Rows strictly after (value, id) in the order `ORDER BY sort NULLS FIRST, id` (mirrored for desc). */
function keysetCondition(cursor: Cursor, sortSql: string, direction: 'asc' | 'desc', p: () => string, notNull: boolean): Condition {
  // A row-value comparison is what both planners turn into an index range; the OR form scans the shop.
  if (notNull && cursor.value !== null) {
    if (sortSql === '"id"') return { sql: `"id" ${direction === 'asc' ? '>' : '<'} ${p()}`, params: [cursor.id] };
    return { sql: `(${sortSql}, "id") ${direction === 'asc' ? '>' : '<'} (${p()}, ${p()})`, params: [cursor.value, cursor.id] };
  }
  if (direction === 'asc') {
    if (cursor.value === null) return { sql: `((${sortSql} IS NULL AND "id" > ${p()}) OR ${sortSql} IS NOT NULL)`, params: [cursor.id] };
    return { sql: `(${sortSql} > ${p()} OR (${sortSql} = ${p()} AND "id" > ${p()}))`, params: [cursor.value, cursor.value, cursor.id] };
  }
  if (cursor.value === null) return { sql: `(${sortSql} IS NULL AND "id" < ${p()})`, params: [cursor.id] };
  return { sql: `(${sortSql} < ${p()} OR (${sortSql} = ${p()} AND "id" < ${p()}) OR ${sortSql} IS NULL)`, params: [cursor.value, cursor.value, cursor.id] };
}
