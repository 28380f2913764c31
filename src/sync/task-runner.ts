import type { Catalog, Content } from '../catalog/catalog.js';
import type { JobService } from '../cloudsync/services/job-service.js';
import type { ReconcileService } from '../cloudsync/services/reconcile-service.js';
import type { SyncConfig } from '../platform/config/config.js';
import { ApiError } from '../platform/http/api-error.js';
import type { Logger } from '../platform/observability/logger.js';
import type { Metrics } from '../platform/observability/metrics.js';
import type { ShopService } from '../shops/services/shop-service.js';
import { errorCodeInfo } from './error-codes.js';
import type { SyncTask } from './model.js';
import { nextPageSize, retryDelay, shrunkPageSize } from './pacing.js';
import type { CallFailure, ShopClient } from './shop-client.js';
import type { ConsentedContents } from './consented-contents.js';
import type { ErrorsRepository } from './storage/errors-repository.js';
import type { StateRepository } from './storage/state-repository.js';
import type { TaskProgress, TasksRepository } from './storage/tasks-repository.js';

export interface RunnerDependencies {
  config: SyncConfig;
  catalog: Catalog;
  tasks: TasksRepository;
  state: StateRepository;
  errors: ErrorsRepository;
  jobs: JobService;
  shops: ShopService;
  reconcile: ReconcileService;
  consented: ConsentedContents;
  client: ShopClient;
  log: Logger;
  metrics?: Metrics | undefined;
}

const JOB_MARGIN_MS = 60_000;

export type RunOutcome = 'succeeded' | 'failed' | 'retry' | 'cancelled' | 'lost_lease' | 'stopped';

/**
 * Runs one claimed pull: calls apiShopContent (full=1 once, then full=0) until the shop has nothing left,
 * recording progress after every call so a pull resumed by another worker continues where the shop is.
 * A failed call is recorded and the pull goes back to the queue with a backoff; the shop keeps its
 * offset and re-sends the same page (only 201 moves it on, §3.4). A finished full sync is reconciled.
 */
export class TaskRunner {
  constructor(private readonly deps: RunnerDependencies) {}

  async run(task: SyncTask, worker: string, shouldStop: () => boolean): Promise<RunOutcome> {
    const { config, tasks, catalog, log } = this.deps;
    const content = catalog.content(task.content);
    const shop = await this.deps.shops.get(task.shopId).catch((error: unknown) => {
      if (error instanceof ApiError && error.statusCode === 404) return undefined;
      throw error;
    });
    if (!content || !shop) {
      await tasks.release(task.taskId, worker, { status: 'cancelled' }, { error_code: 'shop_gone', error_message: 'the shop or content no longer exists' });
      return 'cancelled';
    }
    if (!(await this.deps.consented.includes(task.shopId, content.name))) {
      await tasks.release(task.taskId, worker, { status: 'cancelled' }, { error_code: 'not_consented', error_message: `no module has the "${content.consent}" consent of this shop any more` });
      return 'cancelled';
    }

    let { jobId, renewAt } = await this.liveJob(task);
    let pageSize = task.pageSize;
    let { pages, objects, calls, failures } = task;
    let fullPending = task.fullPending;
    let fullStartedAt = task.fullStartedAt;
    if (task.mode === 'full' && fullStartedAt === null) fullStartedAt = Date.now();
    if (!(await tasks.progress(task.taskId, worker, { job_id: jobId, full_started_at: fullStartedAt }, config.leaseMs))) return 'lost_lease';
    if (task.mode === 'full') await this.deps.state.update(task.shopId, task.content, task.langIso, { mode: 'full', last_full_sync_started_at: fullStartedAt });

    for (;;) {
      if (shouldStop()) {
        await tasks.release(task.taskId, worker, { status: 'queued', runAfter: Date.now() });
        return 'stopped';
      }
      const reply = await this.deps.client.pull({ shopUrl: shop.url, content: content.name, jobId, limit: pageSize, full: fullPending, langIso: task.langIso });
      calls++;
      this.deps.metrics?.syncCalls.inc({ outcome: reply.ok ? 'ok' : reply.code });
      if (!reply.ok) {
        failures++;
        return this.failed(task, worker, reply, { pageSize, pages, objects, calls, failures, fullPending });
      }
      pages++;
      objects += reply.totalObjects;
      this.deps.metrics?.syncObjects.inc({ mode: task.mode }, reply.totalObjects);
      failures = 0;
      fullPending = false;
      pageSize = nextPageSize(pageSize, reply.durationMs, config);
      const progress: TaskProgress = { page_size: pageSize, pages, objects, calls, failures, full_pending: 0, remaining: reply.remainingObjects, error_code: null, error_message: null };
      if (!reply.hasRemainingObjects) return this.finish(task, worker, content, progress, fullStartedAt);
      if (!(await tasks.progress(task.taskId, worker, progress, config.leaseMs))) {
        log.warn({ taskId: task.taskId, shopId: task.shopId }, 'sync pull lost its lease; another worker resumes it');
        return 'lost_lease';
      }
      // A job expires (PSIF_JOB_TTL); a very long full sync gets a fresh one, which the shop validates once.
      if (Date.now() > renewAt) {
        ({ jobId, renewAt } = await this.newJob(task));
        await tasks.progress(task.taskId, worker, { job_id: jobId }, config.leaseMs);
      }
    }
  }

  /** The pull's job if it still has a minute to live (a resumed pull keeps the job the shop already validated). */
  private async liveJob(task: SyncTask): Promise<{ jobId: string; renewAt: number }> {
    if (task.jobId) {
      const job = await this.deps.jobs.get(task.jobId).catch(() => undefined);
      if (job && job.expiresAt.getTime() > Date.now() + JOB_MARGIN_MS) return { jobId: job.jobId, renewAt: job.expiresAt.getTime() - JOB_MARGIN_MS };
    }
    return this.newJob(task);
  }

  private async newJob(task: SyncTask): Promise<{ jobId: string; renewAt: number }> {
    const job = await this.deps.jobs.create({ shopId: task.shopId, contents: [task.content], full: task.mode === 'full', langIso: task.langIso || undefined });
    return { jobId: job.jobId, renewAt: job.expiresAt.getTime() - JOB_MARGIN_MS };
  }

  private async failed(task: SyncTask, worker: string, failure: CallFailure, progress: { pageSize: number; pages: number; objects: number; calls: number; failures: number; fullPending: boolean }): Promise<RunOutcome> {
    const { config, tasks, errors, state, log } = this.deps;
    const now = Date.now();
    const info = errorCodeInfo(failure.code);
    await errors.record({ shop_id: task.shopId, task_id: task.taskId, content: task.content, lang_iso: task.langIso, mode: task.mode, code: failure.code, http_status: failure.httpStatus, message: failure.message, at: now });
    await state.update(task.shopId, task.content, task.langIso, { last_error_at: now, last_error_code: failure.code });
    const pageSize = info.shrinksPage ? shrunkPageSize(progress.pageSize) : progress.pageSize;
    const record: TaskProgress = {
      page_size: pageSize,
      pages: progress.pages,
      objects: progress.objects,
      calls: progress.calls,
      failures: progress.failures,
      full_pending: progress.fullPending ? 1 : 0,
      error_code: failure.code,
      error_message: failure.message,
    };
    if (info.shrinksPage) await state.update(task.shopId, task.content, task.langIso, { page_size: pageSize });
    if (!info.retryable || progress.failures >= config.maxAttempts) {
      log.warn({ taskId: task.taskId, shopId: task.shopId, content: task.content, lang: task.langIso, code: failure.code, failures: progress.failures }, 'sync pull failed; giving up until the next trigger');
      await tasks.release(task.taskId, worker, { status: 'failed' }, record);
      if (task.mode === 'full') await state.update(task.shopId, task.content, task.langIso, { mode: (await state.get(task.shopId, task.content, task.langIso))?.first_full_sync_finished_at ? 'incremental' : 'never' });
      return 'failed';
    }
    const delay = retryDelay(progress.failures, config);
    log.info({ taskId: task.taskId, shopId: task.shopId, content: task.content, lang: task.langIso, code: failure.code, retryInMs: delay }, 'sync call failed; retrying');
    await tasks.release(task.taskId, worker, { status: 'queued', runAfter: now + delay }, record);
    return 'retry';
  }

  private async finish(task: SyncTask, worker: string, content: Content, progress: TaskProgress, fullStartedAt: number | null): Promise<RunOutcome> {
    const { tasks, state, reconcile } = this.deps;
    const now = Date.now();
    let reconciled: number | null = null;
    if (task.mode === 'full' && fullStartedAt !== null) {
      // Non-language contents are pulled in one language only: every row of the shop is in that pull.
      const lang = content.perLanguage && task.langIso ? task.langIso : undefined;
      reconciled = (await reconcile.reconcile({ shopId: task.shopId, content: content.name, lang, since: fullStartedAt })).deleted;
    }
    if (!(await tasks.release(task.taskId, worker, { status: 'succeeded', reconciled }, progress, now))) return 'lost_lease';
    const current = await state.get(task.shopId, task.content, task.langIso);
    await state.update(task.shopId, task.content, task.langIso, {
      mode: 'incremental',
      page_size: progress.page_size ?? task.pageSize,
      last_success_at: now,
      ...(task.mode === 'full'
        ? { last_full_sync_finished_at: now, first_full_sync_finished_at: current?.first_full_sync_finished_at ?? now }
        : { last_incremental_at: now }),
    });
    return 'succeeded';
  }
}
