import type { Catalog } from '../../catalog/catalog.js';
import { ApiError } from '../../platform/http/api-error.js';
import type { ShopService } from '../../shops/services/shop-service.js';
import type { LiveSyncRepository, LiveSyncRequest } from '../storage/live-sync-repository.js';

/**
 * ps_eventbus' "come and pull soon" (cloudsync-protocol §3.5). Notifications become one pending
 * incremental pull per shop content, due at most `debounceMs` after the first of them; the orchestrator
 * takes due pulls with `due()` and acknowledges them with `served()`.
 */
export class LiveSyncService {
  constructor(
    private readonly repository: LiveSyncRepository,
    private readonly shops: ShopService,
    private readonly catalog: Catalog,
    private readonly debounceMs: number,
  ) {}

  async notify(shopId: string, shopContents: readonly string[], action: string): Promise<{ contents: string[] }> {
    const contents = shopContents.map((name) => this.catalog.byPathOrName(name));
    const unknown = shopContents.filter((_, i) => !contents[i]);
    if (unknown.length > 0) throw ApiError.badRequest('unknown_content', `unknown shop content ${unknown.map((n) => `"${n}"`).join(', ')}`, { unknown });
    await this.shops.get(shopId);
    const now = Date.now();
    const names = [...new Set(contents.map((c) => c!.name))];
    for (const name of names) await this.repository.record(shopId, name, action, now, now + this.debounceMs);
    return { contents: names };
  }

  pending(shopId?: string): Promise<LiveSyncRequest[]> {
    return this.repository.pending(shopId);
  }

  due(now = Date.now(), limit = 100): Promise<LiveSyncRequest[]> {
    return this.repository.due(now, limit);
  }

  served(shopId: string, content: string, pulledAt: number): Promise<void> {
    return this.repository.served(shopId, content, pulledAt);
  }
}
