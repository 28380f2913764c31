import { randomUUID } from 'node:crypto';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { Backend } from '../../platform/db/database.js';
import type { Database, SyncTaskTable } from '../../platform/db/schema.js';
import { type EnqueueRequest, type SyncTask, TRIGGERS, type Trigger } from '../model.js';

/** Progress a running pull records after each call; only the lease holder may write it. */
export type TaskProgress = Partial<Pick<SyncTaskTable, 'job_id' | 'page_size' | 'full_pending' | 'pages' | 'objects' | 'remaining' | 'calls' | 'failures' | 'full_started_at' | 'error_code' | 'error_message'>>;

/** Serialises claims across PostgreSQL processes, so the per-shop limit holds exactly (any constant works). */
const CLAIM_LOCK = 0x70736966;

/**
 * The durable queue of pulls (sync_tasks). Queued rows wait for run_after; a claimed row is `running` under a
 * lease (locked_by, locked_until) that its worker renews while it works. A worker that dies stops renewing,
 * and once the lease has expired any worker may claim the row again and resume it. Every write of a running
 * row is guarded by the lease holder, so a worker that lost its lease cannot overwrite its successor.
 *
 * Why a table and not pg-boss or graphile-worker: both are PostgreSQL-only (psif's default store is SQLite),
 * their current releases need Node 22, and a pull is not a fire-and-forget job: it has per-shop limits,
 * coalescing (one queued pull per shop content and language) and progress that the Reporting API reads.
 */
export class TasksRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly backend: Backend,
  ) {}

  /**
   * Queues a pull unless one is already queued for the same shop, content and language: a queued full
   * covers an incremental; a queued incremental becomes full when a full is asked. Returns the queued task
   * and whether it was created.
   */
  async enqueue(request: EnqueueRequest, pageSize: number, now = Date.now()): Promise<{ task: SyncTask; created: boolean }> {
    for (let attempt = 0; ; attempt++) {
      const existing = await this.queued(request.shopId, request.content, request.langIso);
      if (existing) {
        const priority = Math.min(existing.priority, TRIGGERS[request.trigger]);
        const upgrade = request.mode === 'full' && existing.mode === 'incremental';
        if (upgrade || priority !== existing.priority) {
          await this.db
            .updateTable('sync_tasks')
            .set({ ...(upgrade ? { mode: 'full', full_pending: 1, trigger: request.trigger } : {}), priority, updated_at: now })
            .where('task_id', '=', existing.taskId)
            .where('status', '=', 'queued')
            .execute();
          return { task: (await this.find(existing.taskId))!, created: false };
        }
        return { task: existing, created: false };
      }
      const row: SyncTaskTable = {
        task_id: randomUUID(),
        shop_id: request.shopId,
        content: request.content,
        lang_iso: request.langIso,
        mode: request.mode,
        trigger: request.trigger,
        status: 'queued',
        priority: TRIGGERS[request.trigger],
        job_id: null,
        page_size: pageSize,
        full_pending: request.mode === 'full' ? 1 : 0,
        pages: 0,
        objects: 0,
        remaining: null,
        calls: 0,
        failures: 0,
        run_after: request.runAfter ?? now,
        locked_by: null,
        locked_until: null,
        created_at: now,
        started_at: null,
        full_started_at: null,
        finished_at: null,
        updated_at: now,
        error_code: null,
        error_message: null,
        reconciled: null,
      };
      try {
        await this.db.insertInto('sync_tasks').values(row).execute();
        return { task: toTask(row), created: true };
      } catch (error) {
        // Another process queued the same pull between our read and insert (sync_tasks_one_queued).
        if (attempt >= 2 || !isUniqueViolation(error)) throw error;
      }
    }
  }

  async queued(shopId: string, content: string, langIso: string): Promise<SyncTask | undefined> {
    const row = await this.db
      .selectFrom('sync_tasks')
      .selectAll()
      .where('shop_id', '=', shopId)
      .where('content', '=', content)
      .where('lang_iso', '=', langIso)
      .where('status', '=', 'queued')
      .executeTakeFirst();
    return row && toTask(row);
  }

  async find(taskId: string): Promise<SyncTask | undefined> {
    const row = await this.db.selectFrom('sync_tasks').selectAll().where('task_id', '=', taskId).executeTakeFirst();
    return row && toTask(row);
  }

  /**
   * Takes the next due pull: queued and due, or running under an expired lease (its worker died). Never a
   * pull whose shop content and language another live lease is already pulling, and never beyond the
   * per-shop limit of running pulls.
   */
  async claim(worker: string, shopConcurrency: number, leaseMs: number, now = Date.now()): Promise<SyncTask | undefined> {
    return this.db.transaction().execute(async (trx) => {
      if (this.backend === 'postgres') await sql`select pg_advisory_xact_lock(${CLAIM_LOCK})`.execute(trx);
      const lockClause = this.backend === 'postgres' ? sql`for update skip locked` : sql``;
      const result = await sql<SyncTaskTable>`
        update sync_tasks set status = 'running', locked_by = ${worker}, locked_until = ${now + leaseMs},
          started_at = coalesce(started_at, ${now}), updated_at = ${now}
        where task_id = (
          select t.task_id from sync_tasks t
          where ((t.status = 'queued' and t.run_after <= ${now}) or (t.status = 'running' and t.locked_until < ${now}))
            and not exists (
              select 1 from sync_tasks r where r.shop_id = t.shop_id and r.content = t.content and r.lang_iso = t.lang_iso
                and r.status = 'running' and r.locked_until >= ${now} and r.task_id <> t.task_id)
            and (select count(*) from sync_tasks r where r.shop_id = t.shop_id and r.status = 'running' and r.locked_until >= ${now}) < ${shopConcurrency}
          order by t.priority, t.run_after, t.created_at
          limit 1
          ${lockClause})
        returning *`.execute(trx);
      const row = result.rows[0];
      return row && toTask(row);
    });
  }

  /** Extends the lease; false when the worker no longer holds it (it must stop). */
  async renew(taskId: string, worker: string, leaseMs: number, now = Date.now()): Promise<boolean> {
    const result = await this.db
      .updateTable('sync_tasks')
      .set({ locked_until: now + leaseMs, updated_at: now })
      .where('task_id', '=', taskId)
      .where('locked_by', '=', worker)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async progress(taskId: string, worker: string, progress: TaskProgress, leaseMs: number, now = Date.now()): Promise<boolean> {
    const result = await this.db
      .updateTable('sync_tasks')
      .set({ ...progress, locked_until: now + leaseMs, updated_at: now })
      .where('task_id', '=', taskId)
      .where('locked_by', '=', worker)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Ends a pull (succeeded, failed, cancelled), or puts it back in the queue to retry after `runAfter`. */
  async release(
    taskId: string,
    worker: string,
    outcome: { status: 'queued'; runAfter: number } | { status: 'succeeded' | 'failed' | 'cancelled'; reconciled?: number | null },
    progress: TaskProgress = {},
    now = Date.now(),
  ): Promise<boolean> {
    const set =
      outcome.status === 'queued'
        ? { ...progress, status: 'queued' as const, run_after: outcome.runAfter, locked_until: null, updated_at: now }
        : { ...progress, status: outcome.status, reconciled: outcome.reconciled ?? null, finished_at: now, locked_until: null, updated_at: now };
    try {
      const result = await this.db.updateTable('sync_tasks').set(set).where('task_id', '=', taskId).where('locked_by', '=', worker).where('status', '=', 'running').executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    } catch (error) {
      // Back to the queue while another pull of the same key was queued meanwhile: that one covers it.
      if (outcome.status !== 'queued' || !isUniqueViolation(error)) throw error;
      await this.db.updateTable('sync_tasks').set({ ...progress, status: 'cancelled', error_code: 'superseded', error_message: 'a newer pull of the same content was queued', finished_at: now, locked_until: null, updated_at: now }).where('task_id', '=', taskId).where('locked_by', '=', worker).execute();
      return false;
    }
  }

  /** Cancels queued pulls of contents a shop no longer shares with anyone. */
  async cancelQueued(shopId: string, contents: readonly string[], reason: string, now = Date.now()): Promise<number> {
    if (contents.length === 0) return 0;
    const result = await this.db
      .updateTable('sync_tasks')
      .set({ status: 'cancelled', error_code: 'not_consented', error_message: reason, finished_at: now, updated_at: now })
      .where('shop_id', '=', shopId)
      .where('content', 'in', [...contents])
      .where('status', '=', 'queued')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Tasks of a shop, newest first. */
  async list(shopId: string, limit = 50): Promise<SyncTask[]> {
    const rows = await this.db.selectFrom('sync_tasks').selectAll().where('shop_id', '=', shopId).orderBy('created_at', 'desc').orderBy('task_id').limit(limit).execute();
    return rows.map(toTask);
  }

  /** Whether a pull of the key (of that mode) was created after `since`: schedules do not pile up on a failing shop. */
  async createdSince(shopId: string, content: string, langIso: string, since: number, mode?: 'full'): Promise<boolean> {
    let query = this.db.selectFrom('sync_tasks').select('task_id');
    if (mode) query = query.where('mode', '=', mode);
    const row = await query
      .where('shop_id', '=', shopId)
      .where('content', '=', content)
      .where('lang_iso', '=', langIso)
      .where('created_at', '>', since)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async active(shopId?: string): Promise<SyncTask[]> {
    let query = this.db.selectFrom('sync_tasks').selectAll().where('status', 'in', ['queued', 'running']);
    if (shopId) query = query.where('shop_id', '=', shopId);
    return (await query.orderBy('created_at').execute()).map(toTask);
  }
}

export function toTask(row: Selectable<SyncTaskTable>): SyncTask {
  return {
    taskId: row.task_id,
    shopId: row.shop_id,
    content: row.content,
    langIso: row.lang_iso,
    mode: row.mode,
    trigger: row.trigger as Trigger,
    status: row.status,
    priority: Number(row.priority),
    jobId: row.job_id,
    pageSize: Number(row.page_size),
    fullPending: Number(row.full_pending) === 1,
    pages: Number(row.pages),
    objects: Number(row.objects),
    remaining: row.remaining === null ? null : Number(row.remaining),
    calls: Number(row.calls),
    failures: Number(row.failures),
    runAfter: Number(row.run_after),
    lockedBy: row.locked_by,
    lockedUntil: row.locked_until === null ? null : Number(row.locked_until),
    createdAt: Number(row.created_at),
    startedAt: row.started_at === null ? null : Number(row.started_at),
    fullStartedAt: row.full_started_at === null ? null : Number(row.full_started_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
    updatedAt: Number(row.updated_at),
    errorCode: row.error_code,
    errorMessage: row.error_message,
    reconciled: row.reconciled === null ? null : Number(row.reconciled),
  };
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/.test(e.message ?? '');
}
