import { type Kysely, type Selectable, sql } from 'kysely';
import type { Content } from '../../catalog/catalog.js';
import type { Database, SyncStateTable, SyncTaskTable } from '../../platform/db/schema.js';
import { errorCodeInfo } from '../../sync/error-codes.js';
import type { ShopScope } from '../reporting-access.js';
import { instantOrNull } from './sync-overview.js';

/**
 * Where each content the vendor may see stands in a shop, per language: the orchestrator's sync_state, the
 * rows psif holds (not soft-deleted), how long since the last successful pull, the last error and the pull
 * queued or running now.
 *
 * Languages: per-language contents are listed in each of the shop's languages; other contents in the
 * languages the orchestrator has pulled them in (the default one), or the default language before any pull.
 */
export class SyncStateReport {
  constructor(private readonly db: Kysely<Database>) {}

  async forShop(scope: ShopScope, now = Date.now()) {
    const [states, active, counts] = await Promise.all([
      this.db.selectFrom('sync_state').selectAll().where('shop_id', '=', scope.shopId).execute(),
      this.db.selectFrom('sync_tasks').selectAll().where('shop_id', '=', scope.shopId).where('status', 'in', ['queued', 'running']).execute(),
      Promise.all(scope.contents.map((content) => this.rowCounts(scope.shopId, content))),
    ]);
    const stateOf = new Map(states.map((s) => [`${s.content}\n${s.lang_iso}`, s]));
    const activeOf = new Map<string, Selectable<SyncTaskTable>>();
    // Running first, then the oldest queued.
    for (const task of active.sort((a, b) => rank(a) - rank(b) || Number(a.created_at) - Number(b.created_at))) {
      const key = `${task.content}\n${task.lang_iso}`;
      if (!activeOf.has(key)) activeOf.set(key, task);
    }
    return {
      shopId: scope.shopId,
      items: scope.contents.flatMap((content, i) => {
        const count = counts[i]!;
        return this.languagesOf(scope, content, states).map((lang) => {
          const key = `${content.name}\n${lang}`;
          return stateView(content, lang, stateOf.get(key), content.perLanguage ? (count.get(lang) ?? 0) : sum(count), activeOf.get(key), now);
        });
      }),
    };
  }

  private languagesOf(scope: ShopScope, content: Content, states: Selectable<SyncStateTable>[]): string[] {
    if (content.perLanguage) return scope.languages.length > 0 ? scope.languages : [''];
    const pulled = states.filter((s) => s.content === content.name).map((s) => s.lang_iso).sort();
    return pulled.length > 0 ? pulled : [scope.languages[0] ?? ''];
  }

  /** Live rows of a content in a shop, by language for per-language contents (served by the primary key). */
  private async rowCounts(shopId: string, content: Content): Promise<Map<string | null, number>> {
    const table = sql.table(content.table);
    if (!content.perLanguage) {
      const { rows } = await sql<{ n: number | string }>`SELECT COUNT(*) AS "n" FROM ${table} WHERE "shop_id" = ${shopId} AND NOT "sys_deleted"`.execute(this.db);
      return new Map([[null, Number(rows[0]?.n ?? 0)]]);
    }
    const { rows } = await sql<{ lang: string | null; n: number | string }>`SELECT "sys_lang" AS "lang", COUNT(*) AS "n" FROM ${table} WHERE "shop_id" = ${shopId} AND NOT "sys_deleted" GROUP BY "sys_lang"`.execute(this.db);
    return new Map(rows.map((r) => [r.lang, Number(r.n)]));
  }
}

function rank(task: Selectable<SyncTaskTable>): number {
  return task.status === 'running' ? 0 : 1;
}

function sum(counts: Map<string | null, number>): number {
  let total = 0;
  for (const n of counts.values()) total += n;
  return total;
}

function stateView(content: Content, lang: string, state: Selectable<SyncStateTable> | undefined, rowCount: number, task: Selectable<SyncTaskTable> | undefined, now: number) {
  const lastSuccessAt = state?.last_success_at ?? null;
  return {
    shopContent: content.name,
    langIso: lang,
    mode: state?.mode ?? 'never',
    firstFullSyncFinishedAt: instantOrNull(state?.first_full_sync_finished_at),
    lastFullSyncStartedAt: instantOrNull(state?.last_full_sync_started_at),
    lastFullSyncFinishedAt: instantOrNull(state?.last_full_sync_finished_at),
    lastIncrementalAt: instantOrNull(state?.last_incremental_at),
    lastSuccessAt: instantOrNull(lastSuccessAt),
    rowCount,
    lag: lastSuccessAt === null ? null : Math.max(0, Math.floor((now - Number(lastSuccessAt)) / 1000)),
    lastError: state?.last_error_code
      ? { code: state.last_error_code, at: instantOrNull(state.last_error_at), description: errorCodeInfo(state.last_error_code).description }
      : null,
    activeTask: task
      ? {
          id: task.task_id,
          mode: task.mode,
          trigger: task.trigger,
          status: task.status,
          createdAt: instantOrNull(task.created_at)!,
          startedAt: instantOrNull(task.started_at),
          pages: Number(task.pages),
          objects: Number(task.objects),
          remaining: task.remaining === null ? null : Number(task.remaining),
        }
      : null,
  };
}
