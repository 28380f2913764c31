import type { Kysely, Selectable } from 'kysely';
import type { Database, SyncTaskTable } from '../../platform/db/schema.js';
import { errorCodeInfo } from '../../sync/error-codes.js';
import type { ShopScope } from '../reporting-access.js';
import { instantOrNull } from './sync-overview.js';

export const TASK_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export const TASK_MODES = ['full', 'incremental'] as const;
export const TASK_TRIGGERS = ['consent', 'api', 'shop', 'live_sync', 'schedule', 'resync'] as const;

export interface JobFilter {
  /** snake_case content names the vendor may see; `content` must be one of them. */
  contents: readonly string[];
  content?: string | undefined;
  status?: string | undefined;
  mode?: string | undefined;
  trigger?: string | undefined;
  createdAtStart?: number | undefined;
  createdAtEnd?: number | undefined;
  limit: number;
  offset: number;
}

/**
 * The orchestrator's pulls of a shop (sync_tasks), newest first, for the contents the vendor may see. The
 * (shop_id, created_at) index serves the filter on the shop and the order.
 */
export class JobHistory {
  constructor(private readonly db: Kysely<Database>) {}

  async list(scope: ShopScope, filter: JobFilter) {
    let query = this.db.selectFrom('sync_tasks').where('shop_id', '=', scope.shopId);
    query = filter.content === undefined ? query.where('content', 'in', filter.contents.length > 0 ? filter.contents : ['']) : query.where('content', '=', filter.content);
    if (filter.status !== undefined) query = query.where('status', '=', filter.status as SyncTaskTable['status']);
    if (filter.mode !== undefined) query = query.where('mode', '=', filter.mode as SyncTaskTable['mode']);
    if (filter.trigger !== undefined) query = query.where('trigger', '=', filter.trigger);
    if (filter.createdAtStart !== undefined) query = query.where('created_at', '>=', filter.createdAtStart);
    if (filter.createdAtEnd !== undefined) query = query.where('created_at', '<=', filter.createdAtEnd);
    const counted = await query.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    const rows = await query.selectAll().orderBy('created_at', 'desc').orderBy('task_id', 'desc').limit(filter.limit).offset(filter.offset).execute();
    return { total: Number(counted.n), items: rows.map(jobView) };
  }
}

export function jobView(row: Selectable<SyncTaskTable>) {
  return {
    id: row.task_id,
    shopContent: row.content,
    langIso: row.lang_iso,
    mode: row.mode,
    trigger: row.trigger,
    status: row.status,
    pages: Number(row.pages),
    objects: Number(row.objects),
    remaining: row.remaining === null ? null : Number(row.remaining),
    calls: Number(row.calls),
    failures: Number(row.failures),
    reconciled: row.reconciled === null ? null : Number(row.reconciled),
    createdAt: instantOrNull(row.created_at)!,
    startedAt: instantOrNull(row.started_at),
    finishedAt: instantOrNull(row.finished_at),
    durationMs: row.started_at !== null && row.finished_at !== null ? Number(row.finished_at) - Number(row.started_at) : null,
    lastError: row.error_code === null ? null : { code: row.error_code, message: row.error_message, description: errorCodeInfo(row.error_code).description },
  };
}
