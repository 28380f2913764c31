import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Content } from '../../src/catalog/catalog.js';
import { type SyncRig, identities, startSyncRig, syncSettled, waitFor } from '../support/sync.js';

/** psif pulling a simulated ps_eventbus shop over real HTTP: full syncs, live changes, reconciliation, faults. */
describe('sync end to end', () => {
  let rig: SyncRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  const stored = async (r: SyncRig, content: Content, where = sql`not sys_deleted`) =>
    (await sql<{ id: string }>`select id from ${sql.table(content.table)} where shop_id = ${r.shopId} and ${where} order by id`.execute(r.ts.server.core.db.kysely)).rows.map((x) => x.id);

  const consentToEverything = (r: SyncRig) => r.ts.server.core.shops.consents.replace(r.shopId, 'ps_acme', r.ts.server.core.catalog.consents, 'test');

  it('a consent starts the full sync of every content; everything the shop holds is stored and served', async () => {
    rig = await startSyncRig({ sim: { source: { fixtures: '9.1' } } });
    const { ts, sim, shopId } = rig;
    await consentToEverything(rig);
    await syncSettled(ts, shopId);
    let total = 0;
    for (const content of ts.server.core.catalog.contents) {
      const expected = identities(content, sim.rows(content.name), shopId);
      expect((await stored(rig, content)).sort(), content.name).toEqual([...expected].sort());
      total += expected.size;
    }
    expect(total).toBeGreaterThan(300);
    const tasks = await ts.server.core.sync.tasks.list(shopId, 100);
    expect(tasks.every((t) => t.status === 'succeeded' && t.mode === 'full' && t.trigger === 'consent')).toBe(true);
    // Through the Raw API, as the vendor sees it.
    const products = (await (await fetch(`${ts.url}/raw/v1/${shopId}/products?limit=1`, { headers: { authorization: `Bearer ${rig.vendorToken}` } })).json()) as { total: number };
    expect(products.total).toBe(identities(ts.server.core.catalog.content('products')!, sim.rows('products'), shopId).size);
    // The shop validated each job once, before its first upload, and every upload was stored (201).
    expect(sim.stats.jobValidations.refused).toBe(0);
    expect(Object.keys(sim.stats.uploads.byStatus)).toEqual(['201']);
  });

  it('a change and a delete on the shop arrive within seconds of their live notification; a silent delete goes at the next full sync', async () => {
    rig = await startSyncRig({ sim: { source: { fixtures: '9.1' } } });
    const { ts, sim, shopId } = rig;
    const core = ts.server.core;
    await core.shops.consents.replace(shopId, 'ps_acme', ['customers', 'products'], 'test');
    await syncSettled(ts, shopId);
    const customers = core.catalog.content('customers')!;
    const [first, second] = sim.rows('customers');
    const changedAt = Date.now();
    await sim.upsert('customers', { ...first, email_hash: 'renamed' });
    await sim.delete('customers', String(second!.id_customer));
    const row = async (id: string) => (await sql<{ email_hash: string; sys_deleted: unknown }>`select email_hash, sys_deleted from ${sql.table(customers.table)} where shop_id = ${shopId} and id = ${id}`.execute(core.db.kysely)).rows[0];
    await waitFor('the renamed customer', async () => (await row(String(first!.id_customer)))?.email_hash === 'renamed', 10_000);
    await waitFor('the deleted customer', async () => Boolean(Number((await row(String(second!.id_customer)))?.sys_deleted)), 10_000);
    const elapsed = Date.now() - changedAt;
    expect(elapsed).toBeLessThan(10_000);
    const incremental = (await core.sync.tasks.list(shopId, 100)).filter((t) => t.mode === 'incremental' && t.trigger === 'live_sync');
    expect(incremental.length).toBeGreaterThan(0);

    // A product deleted without the module noticing: nothing arrives until a full sync reconciles it away.
    const products = core.catalog.content('products')!;
    const victim = sim.rows('products')[0]!;
    const victimId = [...identities(products, [victim], shopId)][0]!;
    sim.deleteSilently('products', `${victim.id_product}-${victim.id_attribute}`);
    expect(await stored(rig, products)).toContain(victimId);
    const trigger = await fetch(`${ts.url}/sync/v1/sync/trigger-full`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${rig.vendorToken}` }, body: JSON.stringify({ shopId, shopContents: ['products'] }),
    });
    expect(trigger.status).toBe(200);
    await waitFor('the silently deleted product to be reconciled', async () => (await stored(rig!, products, sql`sys_deleted`)).includes(victimId), 15_000);
    expect(await stored(rig, products)).not.toContain(victimId);
    const full = (await core.sync.tasks.list(shopId, 100)).find((t) => t.mode === 'full' && t.trigger === 'api');
    expect(full?.status).toBe('succeeded');
    expect(full?.reconciled).toBe(1);
  });

  it('faults of the shop are retried and recorded with their codes; the sync still completes', async () => {
    rig = await startSyncRig({ env: { PSIF_SYNC_REQUEST_TIMEOUT_MS: '1000' }, sim: { source: { fixtures: '9.1' }, faults: { error500: { next: 2, controller: 'apiShopContent' } } } });
    const { ts, sim, shopId } = rig;
    await ts.server.core.shops.consents.replace(shopId, 'ps_acme', ['customers'], 'test');
    await waitFor('the two 500s', async () => sim.stats.faults.error500 === 2);
    sim.setFaults({ malformedJson: { next: 1, controller: 'apiShopContent' }, shopError: { next: 1, code: 454, controller: 'apiShopContent' }, hang: { next: 1, controller: 'apiShopContent' } });
    await syncSettled(ts, shopId);
    const errors = await ts.server.core.sync.errors.forShop(shopId);
    const codes = errors.map((e) => e.code).sort();
    expect(codes).toEqual(expect.arrayContaining(['500', '500']));
    expect(codes.filter((c) => c === '500').length).toBe(2);
    expect(codes).toContain('454');
    expect(codes.filter((c) => c === 'invalid_json' || c === 'timeout').sort()).toEqual(['invalid_json', 'timeout']);
    expect(errors.every((e) => e.message.length > 0 && (e.content === 'customers' || e.content === 'info'))).toBe(true);
    const customers = ts.server.core.catalog.content('customers')!;
    expect((await stored(rig, customers)).length).toBe(identities(customers, sim.rows('customers'), shopId).size);
    // The vendor sees them in the Reporting API with their codes and descriptions.
    const report = (await (await fetch(`${ts.url}/reporting/v1/shop/${shopId}/errors`, { headers: { authorization: `Bearer ${rig.vendorToken}` } })).json()) as { errors: { code: number; errorCode: string; distribution: number; description: string }[] };
    const byCode = Object.fromEntries(report.errors.map((e) => [e.errorCode, e]));
    expect(byCode['500']).toMatchObject({ code: 500, distribution: 2 });
    expect(byCode['454']).toMatchObject({ code: 454, distribution: 1 });
    expect(byCode.invalid_json).toMatchObject({ code: 0, distribution: 1 });
    expect(byCode.timeout).toMatchObject({ code: 0, distribution: 1 });
    expect(byCode['454']!.description).toContain('refused the job id');
  });

  it("probes the shop's apiHealthCheck: versions when healthy, the failure's code when not", async () => {
    rig = await startSyncRig({ sim: { source: { fixtures: '9.1' } } });
    const { ts, sim, shopId } = rig;
    await ts.server.core.shops.consents.replace(shopId, 'ps_acme', ['customers'], 'test');
    const admin = await ts.token(await ts.createClient({ kind: 'admin', name: 'ops' }));
    const probe = async () => (await fetch(`${ts.url}/admin/v1/shops/${shopId}/health-check`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } })).json() as Promise<Record<string, any>>;
    const healthy = await probe();
    expect(healthy).toMatchObject({ healthy: true, httpStatus: 200, errorCode: null, report: { ps_eventbus: true, ps_account: true, shop_id: shopId, ps_eventbus_version: '4.0.13' } });
    expect(typeof healthy.report.prestashop_version).toBe('string');
    const reported = (await (await fetch(`${ts.url}/reporting/v1/shop/${shopId}/health`, { headers: { authorization: `Bearer ${rig.vendorToken}` } })).json()) as Record<string, unknown>;
    expect(reported).toMatchObject({ healthy: true });
    await sim.close();
    const down = await probe();
    expect(down).toMatchObject({ healthy: false, httpStatus: null, errorCode: 'connection_refused' });
    expect(down.lastHealthyAt).toBe(healthy.checkedAt);
  });
});
