import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerShop } from '../support/cloudsync.js';
import { type TestServer, startTestServer } from '../support/server.js';

/** What the planner queues from consents, live-sync notifications and the schedules. */
describe('sync planner', () => {
  let ts: TestServer;
  beforeEach(async () => {
    ts = await startTestServer({ PSIF_SYNC_INCREMENTAL_INTERVAL: '60', PSIF_SYNC_FULL_INTERVAL: '3600', PSIF_LIVE_SYNC_DEBOUNCE_MS: '0' });
    await ts.createClient({ kind: 'vendor', name: 'acme' });
    await ts.server.core.shops.modules.create('ps_acme', 'acme');
  });
  afterEach(async () => ts?.close());

  const keys = async (shopId: string) => (await ts.server.core.sync.tasks.active(shopId)).map((t) => `${t.content}/${t.langIso}/${t.mode}/${t.trigger}`).sort();

  it('a consent queues a full sync of each covered content, per language where rows depend on it; planning again adds nothing', async () => {
    const { shopId } = await registerShop(ts, { languages: ['en', 'fr'] });
    const { sync, shops } = ts.server.core;
    await shops.consents.replace(shopId, 'ps_acme', ['categories', 'customers'], 'test');
    expect(await sync.planner.planShop(shopId)).toEqual({ queued: 4, cancelled: 0 });
    expect(await keys(shopId)).toEqual(['categories/en/full/consent', 'categories/fr/full/consent', 'customers/en/full/consent', 'info/en/full/consent']);
    expect((await sync.state.forShop(shopId)).map((s) => `${s.content}/${s.lang_iso}/${s.mode}`).sort()).toEqual(['categories/en/never', 'categories/fr/never', 'customers/en/never', 'info/en/never']);
    expect(await sync.planner.planAll()).toEqual({ queued: 0, cancelled: 0 });
    // Revoking cancels what is queued for the contents nobody may read any more.
    await shops.consents.replace(shopId, 'ps_acme', ['customers'], 'test');
    expect((await sync.planner.planShop(shopId)).cancelled).toBe(2);
    expect(await keys(shopId)).toEqual(['customers/en/full/consent', 'info/en/full/consent']);
    await shops.consents.replace(shopId, 'ps_acme', [], 'test');
    expect((await sync.planner.planAll()).cancelled).toBe(2);
    expect(await keys(shopId)).toEqual([]);
  });

  it('a live-sync notification becomes an incremental pull once the content is synced; unconsented ones are dropped', async () => {
    const { shopId } = await registerShop(ts, { languages: ['en', 'fr'] });
    const { sync, shops, cloudsync } = ts.server.core;
    await shops.consents.replace(shopId, 'ps_acme', ['products'], 'test');
    for (const lang of ['en', 'fr']) {
      await sync.state.ensure(shopId, 'products', lang, 100);
      await sync.state.update(shopId, 'products', lang, { mode: 'incremental', last_full_sync_finished_at: Date.now(), last_success_at: Date.now() });
    }
    await cloudsync.liveSync.notify(shopId, ['products', 'orders'], 'upsert');
    expect(await sync.planner.planLiveSync(Date.now() + 1)).toBe(2);
    expect(await keys(shopId)).toEqual(['products/en/incremental/live_sync', 'products/fr/incremental/live_sync']);
    expect(await cloudsync.liveSync.pending(shopId)).toEqual([]);
  });

  it('schedules incremental pulls and periodic full re-syncs, without piling up on a shop that fails', async () => {
    const { shopId } = await registerShop(ts);
    const { sync, shops } = ts.server.core;
    await shops.consents.replace(shopId, 'ps_acme', ['customers'], 'test');
    const now = Date.now();
    await sync.state.ensure(shopId, 'customers', 'en', 100);
    await sync.state.update(shopId, 'customers', 'en', { mode: 'incremental', last_full_sync_started_at: now - 7_200_000, last_full_sync_finished_at: now - 120_000, last_incremental_at: now - 61_000 });
    await sync.state.ensure(shopId, 'info', 'en', 100);
    await sync.state.update(shopId, 'info', 'en', { mode: 'incremental', last_full_sync_started_at: now - 1000, last_full_sync_finished_at: now - 1000 });
    expect(await sync.planner.planSchedules(now)).toBe(2);
    // The resync of customers turned the queued incremental into a full sync; info is not due.
    expect(await keys(shopId)).toEqual(['customers/en/full/resync']);
    const [task] = await sync.tasks.active(shopId);
    const claimed = await sync.tasks.claim('w', 2, 10_000);
    expect(claimed?.taskId).toBe(task!.taskId);
    await sync.tasks.release(task!.taskId, 'w', { status: 'failed' });
    // The pull failed; the state did not move, but nothing new is queued before the next interval.
    expect(await sync.planner.planSchedules(now + 1000)).toBe(0);
    expect(await keys(shopId)).toEqual([]);
  });
});
