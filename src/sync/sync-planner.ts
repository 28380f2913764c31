import type { Kysely } from 'kysely';
import type { Catalog, Content } from '../catalog/catalog.js';
import type { LiveSyncService } from '../cloudsync/services/live-sync-service.js';
import type { SyncConfig } from '../platform/config/config.js';
import { ApiError } from '../platform/http/api-error.js';
import type { Database } from '../platform/db/schema.js';
import type { ShopService } from '../shops/services/shop-service.js';
import { type ConsentedContents, languagesOf } from './consented-contents.js';
import type { SyncMode, SyncTask, Trigger } from './model.js';
import type { StateRepository } from './storage/state-repository.js';
import type { TasksRepository } from './storage/tasks-repository.js';

/**
 * Decides what to pull (cloudsync-protocol §9): a full sync of every consented content in every language
 * it depends on, then incremental pulls on live-sync notifications and on a schedule, and a periodic full
 * re-sync because the module loses events by design (§4.3). Contents whose rows do not depend on the
 * language are pulled in the default language only, the one in which ps_eventbus sends deletes.
 */
export class SyncPlanner {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly config: SyncConfig,
    private readonly catalog: Catalog,
    private readonly shops: ShopService,
    private readonly consented: ConsentedContents,
    private readonly tasks: TasksRepository,
    private readonly state: StateRepository,
    private readonly liveSync: LiveSyncService,
  ) {}

  /** The shop, or 404 shop_not_found. */
  shop(shopId: string) {
    return this.shops.get(shopId);
  }

  /** A trigger (Sync API, CLI): only contents some module has the consent for, else 409 not_consented. */
  async trigger(shopId: string, contents: readonly Content[], mode: SyncMode, by: Trigger): Promise<SyncTask[]> {
    const notConsented: string[] = [];
    for (const content of contents) if (!(await this.consented.includes(shopId, content.name))) notConsented.push(content.name);
    if (notConsented.length > 0) {
      throw new ApiError(409, 'not_consented', `shop ${shopId} has not given the consent covering ${notConsented.map((n) => `"${n}"`).join(', ')} to any module: psif does not pull it`, { shopContents: notConsented });
    }
    return this.request(shopId, contents, mode, by);
  }

  /** Queues pulls of `contents` in each of their languages; the Sync API and the planner both use it. */
  async request(shopId: string, contents: readonly Content[], mode: SyncMode, trigger: Trigger): Promise<SyncTask[]> {
    const shop = await this.shops.get(shopId);
    const queued: SyncTask[] = [];
    for (const content of contents) {
      for (const lang of languagesOf(content, shop.languages)) {
        await this.state.ensure(shopId, content.name, lang, this.config.pageSize);
        const state = await this.state.get(shopId, content.name, lang);
        // An incremental pull before the first full sync has nothing to resume from: the shop would start a full one anyway.
        const effective = mode === 'incremental' && state?.mode === 'never' ? 'full' : mode;
        queued.push((await this.tasks.enqueue({ shopId, content: content.name, langIso: lang, mode: effective, trigger }, state?.page_size ?? this.config.pageSize)).task);
      }
    }
    return queued;
  }

  /** Brings one shop in line with its consents: first full syncs of new contents, no pulls of revoked ones. */
  async planShop(shopId: string): Promise<{ queued: number; cancelled: number }> {
    const contents = await this.consented.forShop(shopId);
    const shop = await this.shops.get(shopId).catch(() => undefined);
    if (!shop) return { queued: 0, cancelled: 0 };
    // One read of the shop's states and pulls: this runs for every shop at every planning round.
    const states = new Map((await this.state.forShop(shopId)).map((s) => [`${s.content}/${s.lang_iso}`, s]));
    const active = new Set((await this.tasks.active(shopId)).map((t) => `${t.content}/${t.langIso}`));
    let queued = 0;
    for (const content of contents) {
      for (const lang of languagesOf(content, shop.languages)) {
        const key = `${content.name}/${lang}`;
        const state = states.get(key);
        if (!state) await this.state.ensure(shopId, content.name, lang, this.config.pageSize);
        if ((state && state.mode !== 'never') || active.has(key)) continue;
        // A first sync that failed for good waits for a trigger or the next full-sync interval.
        if (await this.tasks.createdSince(shopId, content.name, lang, Date.now() - this.config.fullIntervalSeconds * 1000)) continue;
        await this.tasks.enqueue({ shopId, content: content.name, langIso: lang, mode: 'full', trigger: 'consent' }, state ? Number(state.page_size) : this.config.pageSize);
        queued++;
      }
    }
    const wanted = new Set(contents.map((c) => c.name));
    const revoked = this.catalog.contents.map((c) => c.name).filter((name) => !wanted.has(name));
    const cancelled = await this.tasks.cancelQueued(shopId, revoked, 'no module has the consent covering this content any more');
    return { queued, cancelled };
  }

  /** Every shop with consents, and the queued pulls of shops that have none left. */
  async planAll(): Promise<{ queued: number; cancelled: number }> {
    const byShop = await this.consented.all();
    let queued = 0;
    let cancelled = 0;
    for (const shopId of byShop.keys()) {
      const result = await this.planShop(shopId);
      queued += result.queued;
      cancelled += result.cancelled;
    }
    for (const task of await this.tasks.active()) {
      if (task.status === 'queued' && !byShop.has(task.shopId)) cancelled += await this.tasks.cancelQueued(task.shopId, [task.content], 'the shop gave no consent');
    }
    return { queued, cancelled };
  }

  /** Shops whose consents changed since `since` (consent_events), to plan at once. */
  async consentChanges(since: number): Promise<{ shops: string[]; until: number }> {
    const rows = await this.db.selectFrom('consent_events').select(['shop_id', 'at']).where('at', '>', since).orderBy('at').limit(1000).execute();
    const until = rows.reduce((max, r) => Math.max(max, Number(r.at)), since);
    return { shops: [...new Set(rows.map((r) => r.shop_id))], until };
  }

  /** Live-sync notifications whose debounce is over become incremental pulls. */
  async planLiveSync(now = Date.now()): Promise<number> {
    let queued = 0;
    for (const request of await this.liveSync.due(now, 200)) {
      const content = this.catalog.content(request.content);
      if (content && (await this.consented.includes(request.shop_id, content.name))) {
        queued += (await this.request(request.shop_id, [content], 'incremental', 'live_sync')).length;
      }
      await this.liveSync.served(request.shop_id, request.content, now);
    }
    return queued;
  }

  /** Scheduled incremental pulls and periodic full re-syncs. */
  async planSchedules(now = Date.now()): Promise<number> {
    let queued = 0;
    const incrementalBefore = now - this.config.incrementalIntervalSeconds * 1000;
    for (const state of await this.state.dueForIncremental(incrementalBefore, 500)) {
      if (await this.tasks.createdSince(state.shop_id, state.content, state.lang_iso, incrementalBefore)) continue;
      if (!(await this.consented.includes(state.shop_id, state.content))) continue;
      if ((await this.tasks.enqueue({ shopId: state.shop_id, content: state.content, langIso: state.lang_iso, mode: 'incremental', trigger: 'schedule' }, state.page_size)).created) queued++;
    }
    const fullBefore = now - this.config.fullIntervalSeconds * 1000;
    for (const state of await this.state.dueForFull(fullBefore, 500)) {
      if (await this.tasks.createdSince(state.shop_id, state.content, state.lang_iso, fullBefore, 'full')) continue;
      if (!(await this.consented.includes(state.shop_id, state.content))) continue;
      const { task, created } = await this.tasks.enqueue({ shopId: state.shop_id, content: state.content, langIso: state.lang_iso, mode: 'full', trigger: 'resync' }, state.page_size);
      // A queued incremental became this full sync: that counts as queuing it.
      if (created || task.trigger === 'resync') queued++;
    }
    return queued;
  }
}
