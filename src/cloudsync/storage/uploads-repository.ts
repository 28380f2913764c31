import type { Kysely, Selectable } from 'kysely';
import type { Database, UploadTable } from '../../platform/db/schema.js';

export type UploadRecord = Selectable<UploadTable>;

/** The collector's log: every upload psif could attribute to a shop, stored or rejected (Reporting reads it). */
export class UploadsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(record: UploadRecord): Promise<void> {
    await this.db.insertInto('uploads').values(record).execute();
  }

  async list(filter: { shopId?: string | undefined; jobId?: string | undefined; status?: 'stored' | 'rejected' | undefined }, limit = 50): Promise<UploadRecord[]> {
    let query = this.db.selectFrom('uploads').selectAll();
    if (filter.shopId) query = query.where('shop_id', '=', filter.shopId);
    if (filter.jobId) query = query.where('job_id', '=', filter.jobId);
    if (filter.status) query = query.where('status', '=', filter.status);
    return query.orderBy('received_at', 'desc').orderBy('upload_id').limit(limit).execute();
  }
}
