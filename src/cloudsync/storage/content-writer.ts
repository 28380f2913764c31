import { CompiledQuery, type Kysely } from 'kysely';
import type { Content } from '../../catalog/catalog.js';
import type { Backend } from '../../platform/db/database.js';
import type { DeleteOp, Op, StoredValue, UpsertOp } from '../ingest/line-parser.js';

export interface WriteContext {
  shopId: string;
  jobId: string;
  now: number;
}

/** SQLite allows 32,766 bound values per statement and PostgreSQL 65,535; stay well under both. */
const MAX_PARAMS = 30_000;
const MAX_ROWS = 500;
const SYSTEM_UPSERT_COLUMNS = ['sys_lang', 'sys_job_id', 'sys_hash', 'sys_created_at', 'sys_updated_at', 'sys_last_synced_at'];

/**
 * Writes validated operations into the content tables with hand-built SQL (multi-row upserts with bound
 * parameters): Kysely's query builder costs more per row than the database does at ingestion rates. The
 * statements are identical on both backends except for placeholders and boolean encoding.
 */
export class ContentWriter {
  private readonly statements = new Map<string, string>();

  constructor(private readonly backend: Backend) {}

  /**
   * Applies `ops` in order inside `db` (a transaction). A delete never removes a row that the same batch
   * upserted: ps_eventbus sends a combination's new rows and a delete of its bare product id in one batch
   * (cloudsync-protocol §4.4), and only the rows the batch did not re-send are gone.
   */
  async apply(db: Kysely<any>, ops: Iterable<Op> | AsyncIterable<Op>, context: WriteContext): Promise<{ upserted: number; deleted: number }> {
    let pending: UpsertOp[] = [];
    let pendingContent: Content | undefined;
    const written = new Map<string, Set<string>>();
    let upserted = 0;
    let deleted = 0;
    const flush = async () => {
      if (pendingContent && pending.length > 0) await this.upsert(db, pendingContent, pending, context);
      pending = [];
    };
    for await (const op of ops) {
      if (op.kind === 'upsert') {
        if (op.content !== pendingContent || pending.length >= rowsPerStatement(op.content)) {
          await flush();
          pendingContent = op.content;
        }
        pending.push(op);
        let ids = written.get(op.content.table);
        if (!ids) written.set(op.content.table, (ids = new Set()));
        ids.add(op.id);
        upserted++;
      } else {
        await flush();
        deleted += await this.delete(db, op, written.get(op.content.table), context);
      }
    }
    await flush();
    return { upserted, deleted };
  }

  /** Soft-deletes the rows of a shop content (and language) not received since `since`. */
  async reconcile(db: Kysely<any>, content: Content, shopId: string, lang: string | null | undefined, since: number, now: number): Promise<number> {
    const p = this.placeholders();
    const params: unknown[] = [now, now, now, shopId, since];
    let sql = `UPDATE "${content.table}" SET "sys_deleted" = TRUE, "sys_deleted_at" = ${p()}, "sys_updated_at" = ${p()}, "sys_last_synced_at" = ${p()}`;
    sql += ` WHERE "shop_id" = ${p()} AND "sys_last_synced_at" < ${p()} AND NOT "sys_deleted"`;
    if (content.perLanguage && lang !== undefined) {
      if (lang === null) sql += ' AND "sys_lang" IS NULL';
      else {
        sql += ` AND "sys_lang" = ${p()}`;
        params.push(lang);
      }
    }
    const result = await db.executeQuery(CompiledQuery.raw(sql, params));
    return Number(result.numAffectedRows ?? 0n);
  }

  private async upsert(db: Kysely<any>, content: Content, ops: UpsertOp[], context: WriteContext): Promise<void> {
    // One statement cannot touch a row twice (PostgreSQL refuses), so the last line for an id wins.
    const unique = new Map<string, UpsertOp>();
    for (const op of ops) unique.set(op.id, op);
    // Rows in id order: concurrent batches touching the same rows then lock them in the same order.
    const sorted = [...unique.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const params: unknown[] = [];
    const sqlite = this.backend === 'sqlite';
    const booleans = content.properties.map((p) => p.type === 'boolean');
    for (const op of sorted) {
      params.push(context.shopId, op.id);
      for (let i = 0; i < op.values.length; i++) {
        const value = op.values[i];
        params.push(sqlite && booleans[i] && value !== null ? (value ? 1 : 0) : value);
      }
      params.push(op.lang, context.jobId, op.digest, context.now, context.now, context.now);
    }
    await db.executeQuery(CompiledQuery.raw(this.upsertStatement(content, sorted.length), params));
  }

  private async delete(db: Kysely<any>, op: DeleteOp, keep: Set<string> | undefined, context: WriteContext): Promise<number> {
    const p = this.placeholders();
    const shop = p();
    const conditions = op.columns.map((c) => `"${c.name}" = ${p()}`).join(' AND ');
    const keys = op.keys.map((k) => encode(this.backend, k));
    const found = await db.executeQuery<{ id: string }>(
      CompiledQuery.raw(`SELECT "id" FROM "${op.content.table}" WHERE "shop_id" = ${shop} AND ${conditions} AND NOT "sys_deleted"`, [context.shopId, ...keys]),
    );
    const ids = found.rows.map((r) => r.id).filter((id) => !keep?.has(id));
    let deleted = 0;
    for (let i = 0; i < ids.length; i += MAX_ROWS) {
      const chunk = ids.slice(i, i + MAX_ROWS);
      const q = this.placeholders();
      const sql = `UPDATE "${op.content.table}" SET "sys_deleted" = TRUE, "sys_deleted_at" = ${q()}, "sys_updated_at" = ${q()}, "sys_last_synced_at" = ${q()}, "sys_job_id" = ${q()} WHERE "shop_id" = ${q()} AND "id" IN (${chunk.map(() => q()).join(', ')}) AND NOT "sys_deleted"`;
      const result = await db.executeQuery(CompiledQuery.raw(sql, [context.now, context.now, context.now, context.jobId, context.shopId, ...chunk]));
      deleted += Number(result.numAffectedRows ?? 0n);
    }
    return deleted;
  }

  private upsertStatement(content: Content, rows: number): string {
    const key = `${content.table}:${rows}`;
    let statement = this.statements.get(key);
    if (statement) return statement;
    const properties = content.properties.map((p) => `"${p.name}"`);
    const columns = ['"shop_id"', '"id"', ...properties, ...SYSTEM_UPSERT_COLUMNS.map((c) => `"${c}"`)];
    const p = this.placeholders();
    const values = Array.from({ length: rows }, () => `(${columns.map(() => p()).join(', ')})`).join(', ');
    const table = `"${content.table}"`;
    const updates = [
      ...properties.map((c) => `${c} = excluded.${c}`),
      '"sys_lang" = excluded."sys_lang"',
      '"sys_job_id" = excluded."sys_job_id"',
      `"sys_updated_at" = CASE WHEN ${table}."sys_hash" = excluded."sys_hash" AND NOT ${table}."sys_deleted" THEN ${table}."sys_updated_at" ELSE excluded."sys_updated_at" END`,
      '"sys_hash" = excluded."sys_hash"',
      '"sys_last_synced_at" = excluded."sys_last_synced_at"',
      '"sys_deleted" = FALSE',
      '"sys_deleted_at" = NULL',
    ];
    statement = `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values} ON CONFLICT ("shop_id", "id") DO UPDATE SET ${updates.join(', ')}`;
    this.statements.set(key, statement);
    return statement;
  }

  private placeholders(): () => string {
    let n = 0;
    return () => placeholder(this.backend, ++n);
  }
}

export function rowsPerStatement(content: Content): number {
  return Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMS / (content.properties.length + 2 + SYSTEM_UPSERT_COLUMNS.length))));
}

function placeholder(backend: Backend, n: number): string {
  return backend === 'postgres' ? `$${n}` : '?';
}

function encode(backend: Backend, value: StoredValue): StoredValue {
  return backend === 'sqlite' && typeof value === 'boolean' ? (value ? 1 : 0) : value;
}
