import type { Kysely, Selectable } from 'kysely';
import type { Database, SyncJobTable } from '../../platform/db/schema.js';
import type { Job } from '../model.js';

export class JobsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(job: Job): Promise<void> {
    await this.db
      .insertInto('sync_jobs')
      .values({
        job_id: job.jobId,
        shop_id: job.shopId,
        contents: JSON.stringify(job.contents),
        mode: job.mode,
        lang_iso: job.langIso,
        created_at: job.createdAt.getTime(),
        expires_at: job.expiresAt.getTime(),
        validated_at: null,
        last_upload_at: null,
      })
      .execute();
  }

  async find(jobId: string): Promise<Job | undefined> {
    const row = await this.db.selectFrom('sync_jobs').selectAll().where('job_id', '=', jobId).executeTakeFirst();
    return row && toJob(row);
  }

  async markValidated(jobId: string, at: number): Promise<void> {
    await this.db.updateTable('sync_jobs').set({ validated_at: at }).where('job_id', '=', jobId).where('validated_at', 'is', null).execute();
  }

  async list(shopId: string, limit: number): Promise<Job[]> {
    const rows = await this.db.selectFrom('sync_jobs').selectAll().where('shop_id', '=', shopId).orderBy('created_at', 'desc').limit(limit).execute();
    return rows.map(toJob);
  }
}

function toJob(row: Selectable<SyncJobTable>): Job {
  return {
    jobId: row.job_id,
    shopId: row.shop_id,
    contents: JSON.parse(row.contents) as string[],
    mode: row.mode,
    langIso: row.lang_iso,
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
    validatedAt: row.validated_at === null ? null : new Date(row.validated_at),
    lastUploadAt: row.last_upload_at === null ? null : new Date(row.last_upload_at),
  };
}
