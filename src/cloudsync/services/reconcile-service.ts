import type { Catalog } from '../../catalog/catalog.js';
import { ApiError } from '../../platform/http/api-error.js';
import type { Db } from '../../platform/db/database.js';
import type { ContentWriter } from '../storage/content-writer.js';
import { inWriteTransaction } from '../storage/write-session.js';
import type { JobService } from './job-service.js';

/**
 * Full-sync reconciliation: ps_eventbus loses deletes by design (cloudsync-protocol §4.3-4.5), so once a
 * full sync of (shop, content, language) has finished, the rows it did not re-send are soft-deleted.
 * "Since the full sync started" is the creation of its job: every page it uploaded is newer.
 */
export class ReconcileService {
  constructor(
    private readonly db: Db,
    private readonly writer: ContentWriter,
    private readonly jobs: JobService,
    private readonly catalog: Catalog,
  ) {}

  /** `lang` undefined: every language; null: rows without a language. */
  async reconcile(input: { shopId: string; content: string; lang?: string | null | undefined; since: number }): Promise<{ deleted: number }> {
    const content = this.catalog.byPathOrName(input.content);
    if (!content) throw ApiError.badRequest('unknown_content', `unknown shop content "${input.content}"`);
    const deleted = await inWriteTransaction(this.db, (session) => this.writer.reconcile(session, content, input.shopId, input.lang, input.since, Date.now()));
    return { deleted };
  }

  /** After the full sync run under `jobId` reported no remaining objects for `content`. */
  async afterFullSync(jobId: string, content: string): Promise<{ deleted: number }> {
    const job = await this.jobs.get(jobId);
    if (job.mode !== 'full') throw ApiError.badRequest('not_a_full_sync', `job ${jobId} is incremental; only a full sync can tell what no longer exists`);
    const resolved = this.catalog.byPathOrName(content);
    if (!resolved || !job.contents.includes(resolved.name)) throw ApiError.badRequest('content_not_in_job', `"${content}" is not part of job ${jobId}`);
    return this.reconcile({ shopId: job.shopId, content: resolved.name, lang: job.langIso ?? undefined, since: job.createdAt.getTime() });
  }
}
