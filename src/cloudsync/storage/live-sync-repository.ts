import type { Kysely, Selectable } from 'kysely';
import type { Database, LiveSyncRequestTable } from '../../platform/db/schema.js';

export type LiveSyncRequest = Selectable<LiveSyncRequestTable>;

export class LiveSyncRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** First notification: pending from now, due after the debounce. Later ones are counted into it. */
  async record(shopId: string, content: string, action: string, now: number, dueAt: number): Promise<void> {
    await this.db
      .insertInto('live_sync_requests')
      .values({ shop_id: shopId, content, pending_since: now, due_at: dueAt, last_notified_at: now, last_action: action, notifications: 1 })
      .onConflict((oc) =>
        oc.columns(['shop_id', 'content']).doUpdateSet((eb) => ({
          last_notified_at: now,
          last_action: action,
          notifications: eb('live_sync_requests.notifications', '+', 1),
        })),
      )
      .execute();
  }

  async pending(shopId?: string): Promise<LiveSyncRequest[]> {
    let query = this.db.selectFrom('live_sync_requests').selectAll();
    if (shopId) query = query.where('shop_id', '=', shopId);
    return query.orderBy('due_at').orderBy('shop_id').orderBy('content').execute();
  }

  async due(now: number, limit: number): Promise<LiveSyncRequest[]> {
    return this.db.selectFrom('live_sync_requests').selectAll().where('due_at', '<=', now).orderBy('due_at').limit(limit).execute();
  }

  /** Marks a request served by a pull that started at `pulledAt`; notifications after it stay pending. */
  async served(shopId: string, content: string, pulledAt: number): Promise<void> {
    await this.db.deleteFrom('live_sync_requests').where('shop_id', '=', shopId).where('content', '=', content).where('last_notified_at', '<=', pulledAt).execute();
  }
}
