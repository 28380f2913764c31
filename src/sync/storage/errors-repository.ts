import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, SyncErrorTable } from '../../platform/db/schema.js';

/** Every failed call to a shop, classified; the Reporting API counts them per code and hour. */
export class ErrorsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async record(error: Omit<SyncErrorTable, 'error_id'>): Promise<void> {
    await this.db.insertInto('sync_errors').values({ error_id: randomUUID(), ...error, message: error.message.slice(0, 2000) }).execute();
  }

  async forShop(shopId: string, limit = 100): Promise<SyncErrorTable[]> {
    return this.db.selectFrom('sync_errors').selectAll().where('shop_id', '=', shopId).orderBy('at', 'desc').limit(limit).execute();
  }

  async deleteBefore(before: number): Promise<number> {
    const result = await this.db.deleteFrom('sync_errors').where('at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
