import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Database, SyncStateTable } from '../../platform/db/schema.js';

export type SyncState = Selectable<SyncStateTable>;
export type StateChange = Omit<Updateable<SyncStateTable>, 'shop_id' | 'content' | 'lang_iso'>;

/** Where each (shop, content, language) stands, as the orchestrator plans from it and Reporting shows it. */
export class StateRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(shopId: string, content: string, langIso: string): Promise<SyncState | undefined> {
    return this.db.selectFrom('sync_state').selectAll().where('shop_id', '=', shopId).where('content', '=', content).where('lang_iso', '=', langIso).executeTakeFirst();
  }

  async forShop(shopId: string): Promise<SyncState[]> {
    return this.db.selectFrom('sync_state').selectAll().where('shop_id', '=', shopId).orderBy('content').orderBy('lang_iso').execute();
  }

  /** Creates the row in mode `never` if missing; true when it was created. */
  async ensure(shopId: string, content: string, langIso: string, pageSize: number, now = Date.now()): Promise<boolean> {
    const result = await this.db
      .insertInto('sync_state')
      .values({ shop_id: shopId, content, lang_iso: langIso, mode: 'never', page_size: pageSize, first_full_sync_finished_at: null, last_full_sync_started_at: null, last_full_sync_finished_at: null, last_incremental_at: null, last_success_at: null, last_error_at: null, last_error_code: null, updated_at: now })
      .onConflict((oc) => oc.columns(['shop_id', 'content', 'lang_iso']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async update(shopId: string, content: string, langIso: string, change: StateChange, now = Date.now()): Promise<void> {
    await this.db.updateTable('sync_state').set({ ...change, updated_at: now }).where('shop_id', '=', shopId).where('content', '=', content).where('lang_iso', '=', langIso).execute();
  }

  /** Incremental contents whose last pull (of any kind) is older than `before`. */
  async dueForIncremental(before: number, limit: number): Promise<SyncState[]> {
    return this.db
      .selectFrom('sync_state')
      .selectAll()
      .where('mode', '=', 'incremental')
      .where((eb) => eb.fn.coalesce('last_incremental_at', 'last_full_sync_finished_at'), '<', before)
      .orderBy('updated_at')
      .limit(limit)
      .execute();
  }

  /** Contents whose last full sync started before `before`. */
  async dueForFull(before: number, limit: number): Promise<SyncState[]> {
    return this.db.selectFrom('sync_state').selectAll().where('mode', '=', 'incremental').where('last_full_sync_started_at', '<', before).orderBy('last_full_sync_started_at').limit(limit).execute();
  }
}
