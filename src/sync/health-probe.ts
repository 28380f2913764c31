import type { JobService } from '../cloudsync/services/job-service.js';
import type { ShopService } from '../shops/services/shop-service.js';
import type { ShopClient } from './shop-client.js';
import type { HealthRepository, ShopHealth } from './storage/health-repository.js';

/** Probes a shop's apiHealthCheck and keeps the answer as the shop's health (cloudsync-protocol §3.2, §7). */
export class HealthProbe {
  constructor(
    private readonly shops: ShopService,
    private readonly jobs: JobService,
    private readonly client: ShopClient,
    private readonly health: HealthRepository,
  ) {}

  /** With a short-lived job, so the shop adds its versions (the full form of the answer). */
  async probe(shopId: string): Promise<ShopHealth> {
    const shop = await this.shops.get(shopId);
    const job = await this.jobs.create({ shopId, contents: ['info'], ttlSeconds: 300 });
    const reply = await this.client.health(shop.url, job.jobId);
    await this.health.save({
      shop_id: shopId,
      checked_at: Date.now(),
      healthy: reply.healthy ? 1 : 0,
      latency_ms: reply.latencyMs,
      http_status: reply.httpStatus,
      error_code: reply.code,
      error_message: reply.message,
      report: reply.report ? JSON.stringify(reply.report) : null,
    });
    return (await this.health.get(shopId))!;
  }
}
