import { randomUUID } from 'node:crypto';
import type { Principal } from '../../auth/model.js';
import type { Catalog } from '../../catalog/catalog.js';
import { ApiError } from '../../platform/http/api-error.js';
import type { ShopService } from '../../shops/services/shop-service.js';
import type { Job } from '../model.js';
import type { JobsRepository } from '../storage/jobs-repository.js';

export interface CreateJobInput {
  shopId: string;
  /** snake or kebab case; default: every content. */
  contents?: string[] | undefined;
  full?: boolean | undefined;
  langIso?: string | undefined;
  ttlSeconds?: number | undefined;
}

/**
 * Job ids are capabilities: whoever holds one can make the shop push data, so they are random UUIDs,
 * bound to one shop and content set, and expire.
 */
export class JobService {
  constructor(
    private readonly repository: JobsRepository,
    private readonly shops: ShopService,
    private readonly catalog: Catalog,
    private readonly defaultTtlSeconds: number,
  ) {}

  async create(input: CreateJobInput): Promise<Job> {
    await this.shops.get(input.shopId);
    const names = input.contents ?? this.catalog.contents.map((c) => c.name);
    const unknown = names.filter((n) => !this.catalog.byPathOrName(n));
    if (unknown.length > 0) throw ApiError.badRequest('unknown_content', `unknown shop content ${unknown.map((n) => `"${n}"`).join(', ')}`, { unknown });
    if (names.length === 0) throw ApiError.badRequest('unknown_content', 'a job needs at least one shop content');
    if (input.langIso !== undefined && !/^[a-z]{2,3}(?:-[a-z0-9]{2,8})?$/.test(input.langIso)) {
      throw ApiError.badRequest('invalid_language', `"${input.langIso}" is not an ISO language code`);
    }
    const now = Date.now();
    const job: Job = {
      jobId: randomUUID(),
      shopId: input.shopId,
      contents: [...new Set(names.map((n) => this.catalog.byPathOrName(n)!.name))],
      mode: input.full ? 'full' : 'incremental',
      langIso: input.langIso ?? null,
      createdAt: new Date(now),
      expiresAt: new Date(now + (input.ttlSeconds ?? this.defaultTtlSeconds) * 1000),
      validatedAt: null,
      lastUploadAt: null,
    };
    await this.repository.insert(job);
    return job;
  }

  async get(jobId: string): Promise<Job> {
    const job = await this.repository.find(jobId);
    if (!job) throw ApiError.notFound('job_not_found', `no job "${jobId}"`);
    return job;
  }

  /** The job, if the calling shop may use it now: 404 unknown, 404 job_expired, 403 another shop's. */
  async requireLive(jobId: string, principal: Principal | undefined): Promise<Job> {
    const job = await this.repository.find(jobId);
    if (!job) throw ApiError.notFound('job_not_found', `no job "${jobId.slice(0, 200)}"`);
    if (!principal || principal.shopId !== job.shopId) throw new ApiError(403, 'job_of_another_shop', 'this job belongs to another shop');
    if (job.expiresAt.getTime() <= Date.now()) throw new ApiError(404, 'job_expired', `job ${jobId} expired at ${job.expiresAt.toISOString()}`);
    return job;
  }

  /** The shop checked the job (ps_eventbus's GET /job/{id}); the first time is recorded. */
  async validate(jobId: string, principal: Principal | undefined): Promise<Job> {
    const job = await this.requireLive(jobId, principal);
    if (!job.validatedAt) await this.repository.markValidated(jobId, Date.now());
    return job;
  }

  list(shopId: string, limit = 50): Promise<Job[]> {
    return this.repository.list(shopId, limit);
  }
}
