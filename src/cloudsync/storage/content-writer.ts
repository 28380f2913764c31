import type { Content } from '../../catalog/catalog.js';
import { type Backend, placeholders } from '../../platform/db/database.js';
import type { DeleteOp, Op, StoredValue, UpsertOp } from '../ingest/line-parser.js';
import type { WriteSession } from './write-session.js';

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

  constructor(readonly backend: Backend) {}

  private lastBatchAt = 0;

  /**
   * Operations are added in upload order; `finish` writes what is still pending. Each batch of this process
   * gets its own timestamp (bumped by a millisecond on a tie): deletes recognise the batch's rows by it.
   */
  batch(session: WriteSession, context: Omit<WriteContext, 'now'>): WriteBatch {
    const now = Math.max(Date.now(), this.lastBatchAt + 1);
    this.lastBatchAt = now;
    return new WriteBatch(this, session, { ...context, now });
  }

  /** Soft-deletes the rows of a shop content (and language) not received since `since`. */
  async reconcile(session: WriteSession, content: Content, shopId: string, lang: string | null | undefined, since: number, now: number): Promise<number> {
    const p = placeholders(this.backend);
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
    return (await session.query(sql, params)).changes;
  }

  /** `INSERT INTO table (keys) VALUES (...)` for one record of plain values. */
  async insert(session: WriteSession, table: string, record: Record<string, unknown>): Promise<void> {
    const keys = Object.keys(record);
    const p = placeholders(this.backend);
    await session.query(`INSERT INTO "${table}" (${keys.map((k) => `"${k}"`).join(', ')}) VALUES (${keys.map(() => p()).join(', ')})`, Object.values(record));
  }

  upsertStatement(content: Content, rows: number): string {
    const key = `${content.table}:${rows}`;
    let statement = this.statements.get(key);
    if (statement) return statement;
    const properties = content.properties.map((p) => `"${p.name}"`);
    const columns = ['"shop_id"', '"id"', ...properties, ...SYSTEM_UPSERT_COLUMNS.map((c) => `"${c}"`)];
    const p = placeholders(this.backend);
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
}

/**
 * Consecutive upserts of one content are grouped into multi-row statements; a delete first writes what is
 * pending, so operations apply in upload order. A delete never removes a row that the same batch upserted:
 * ps_eventbus sends a combination's new rows and a delete of its bare product id in one batch
 * (cloudsync-protocol §4.4), and only the rows the batch did not re-send are gone.
 */
export class WriteBatch {
  upserted = 0;
  deleted = 0;
  private pending: UpsertOp[] = [];
  private pendingContent: Content | undefined;

  constructor(
    private readonly writer: ContentWriter,
    private readonly session: WriteSession,
    private readonly context: WriteContext,
  ) {}

  /** Resolves at once unless a statement had to be run. */
  add(op: Op): Promise<void> | undefined {
    if (op.kind === 'delete') return this.delete(op);
    let flush: Promise<void> | undefined;
    if (op.content !== this.pendingContent || this.pending.length >= rowsPerStatement(op.content)) {
      flush = this.flush();
      this.pendingContent = op.content;
    }
    this.pending.push(op);
    this.upserted++;
    return flush;
  }

  /** The batch's timestamp: sys_last_synced_at of every row it wrote. */
  get now(): number {
    return this.context.now;
  }

  async finish(): Promise<{ upserted: number; deleted: number }> {
    await this.flush();
    return { upserted: this.upserted, deleted: this.deleted };
  }

  private flush(): Promise<void> | undefined {
    const content = this.pendingContent;
    const ops = this.pending;
    this.pending = [];
    if (!content || ops.length === 0) return undefined;
    return this.upsert(content, ops);
  }

  private async upsert(content: Content, ops: UpsertOp[]): Promise<void> {
    // One statement cannot touch a row twice (PostgreSQL refuses), so the last line for an id wins.
    const unique = new Map<string, UpsertOp>();
    for (const op of ops) unique.set(op.id, op);
    // Rows in id order: concurrent batches touching the same rows then lock them in the same order.
    const sorted = [...unique.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const params: unknown[] = [];
    const sqlite = this.writer.backend === 'sqlite';
    const { shopId, jobId, now } = this.context;
    const booleans = content.properties.map((p) => p.type === 'boolean');
    for (const op of sorted) {
      params.push(shopId, op.id);
      for (let i = 0; i < op.values.length; i++) {
        const value = op.values[i];
        params.push(sqlite && booleans[i] && value !== null ? (value ? 1 : 0) : value);
      }
      params.push(op.lang, jobId, op.digest, now, now, now);
    }
    await this.session.query(this.writer.upsertStatement(content, sorted.length), params, true);
  }

  private async delete(op: DeleteOp): Promise<void> {
    await this.flush();
    const { shopId, jobId, now } = this.context;
    const p = placeholders(this.writer.backend);
    const set = `"sys_deleted" = TRUE, "sys_deleted_at" = ${p()}, "sys_updated_at" = ${p()}, "sys_last_synced_at" = ${p()}`;
    const shop = p();
    const conditions = op.columns.map((c) => `"${c.name}" = ${p()}`).join(' AND ');
    // Rows this batch wrote carry its job and its timestamp (unique per batch in this process).
    const notThisBatch = `("sys_job_id" IS NULL OR "sys_job_id" <> ${p()} OR "sys_last_synced_at" <> ${p()})`;
    const sql = `UPDATE "${op.content.table}" SET ${set} WHERE "shop_id" = ${shop} AND ${conditions} AND NOT "sys_deleted" AND ${notThisBatch}`;
    const keys = op.keys.map((k) => encode(this.writer.backend, k));
    this.deleted += (await this.session.query(sql, [now, now, now, shopId, ...keys, jobId, now])).changes;
  }
}

export function rowsPerStatement(content: Content): number {
  return Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMS / (content.properties.length + 2 + SYSTEM_UPSERT_COLUMNS.length))));
}

function encode(backend: Backend, value: StoredValue): StoredValue {
  return backend === 'sqlite' && typeof value === 'boolean' ? (value ? 1 : 0) : value;
}
