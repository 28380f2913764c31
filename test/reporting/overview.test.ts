import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { psifClient } from '../../src/client/psif-client.js';
import { CARDS, type BillingRig, type Vendor as BillingVendor, advance, flatProduct, ok, startBillingRig } from '../billing/rig.js';
import { type ShopRig, registerShop } from '../support/cloudsync.js';
import { HOUR, insertErrors, insertTask } from './seed.js';

/**
 * The dashboard's figures (GET /reporting/v1/overview) and the shop directory, computed from seeded shops,
 * consents, pulls, errors and real billing subscriptions, read through the typed client.
 */
let rig: BillingRig;
let acme: BillingVendor;
let globex: BillingVendor;
let acmeCredentials: { clientId: string; clientSecret: string };
let adminCredentials: { clientId: string; clientSecret: string };
const shops: Record<'fr' | 'de' | 'unknown' | 'revoked', ShopRig> = {} as never;
const now = Date.now();

async function insertInfo(shopId: string, country: string): Promise<void> {
  const table = rig.ts.server.core.catalog.byPathOrName('info')!.table;
  await sql`INSERT INTO ${sql.table(table)} (shop_id, id, country_code, sys_created_at, sys_updated_at, sys_last_synced_at, sys_deleted) VALUES (${shopId}, ${shopId}, ${country}, ${now}, ${now}, ${now}, ${sql.lit(false)})`.execute(rig.ts.server.core.db.kysely);
}

beforeAll(async () => {
  // No sync worker: it would pull these unreachable shops and record errors of its own.
  rig = await startBillingRig({ PSIF_ROLE: 'api' });
  const { ts } = rig;
  acmeCredentials = await ts.createClient({ kind: 'vendor', name: 'acme' });
  await ts.server.core.shops.modules.create('ps_acme', 'acme');
  await ts.createClient({ kind: 'vendor', name: 'globex' });
  await ts.server.core.shops.modules.create('ps_globex', 'globex');
  adminCredentials = await ts.createClient({ kind: 'admin', name: 'dashboard' });
  for (const key of ['fr', 'de', 'unknown', 'revoked'] as const) shops[key] = await registerShop(ts);
  const consents = ts.server.core.shops.consents;
  await consents.replace(shops.fr.shopId, 'ps_acme', ['products'], 'test');
  await consents.replace(shops.fr.shopId, 'ps_globex', ['orders'], 'test');
  await consents.replace(shops.de.shopId, 'ps_acme', ['products'], 'test');
  await consents.replace(shops.unknown.shopId, 'ps_globex', ['orders'], 'test');
  await consents.replace(shops.revoked.shopId, 'ps_acme', ['products'], 'test');
  await consents.replace(shops.revoked.shopId, 'ps_acme', [], 'test');
  await insertInfo(shops.fr.shopId, 'fr');
  await insertInfo(shops.de.shopId, 'DE');
  // Pulls: products count for acme; orders only for globex.
  await insertTask(ts, { shop_id: shops.fr.shopId, content: 'products', created_at: now - 3 * HOUR, objects: 120 });
  await insertTask(ts, { shop_id: shops.de.shopId, content: 'products', created_at: now - 2 * HOUR, objects: 30 });
  await insertTask(ts, { shop_id: shops.fr.shopId, content: 'orders', created_at: now - 2 * HOUR, objects: 7 });
  await insertTask(ts, { shop_id: shops.de.shopId, content: 'products', created_at: now - 30 * HOUR, objects: 999 });
  await insertErrors(ts, { shop_id: shops.de.shopId, content: 'products', code: '500', at: now - 2 * HOUR }, 2);
  await insertErrors(ts, { shop_id: shops.fr.shopId, content: 'orders', code: '503', at: now - HOUR });

  // Billing, through the Billing API: acme has 2 monthly and 1 yearly paying subscription, 1 trial; globex 1 paying.
  acme = await rig.createVendor('acme-billing');
  globex = await rig.createVendor('globex-billing');
  await flatProduct(acme, 'acme_module', [{ id: 'acme-monthly', price: 1000 }, { id: 'acme-yearly', price: 12_000, period: 'year', group: 'acme-yearly' }, { id: 'acme-trial', price: 500, trialDays: 14, group: 'acme-trial' }]);
  await flatProduct(globex, 'globex_module', [{ id: 'globex-monthly', price: 700 }]);
}, 120_000);
afterAll(async () => rig?.close());

async function paidCustomer(vendor: BillingVendor): Promise<string> {
  const id = crypto.randomUUID();
  await ok(vendor.api.call('POST', '/customers', { id, email: `${id.slice(0, 8)}@shop.test` }), 201);
  await ok(vendor.api.call('PUT', `/customers/${id}/payment-method`, { number: CARDS.ok, expiryMonth: 12, expiryYear: 2099, cvc: '123' }));
  return id;
}

describe('GET /reporting/v1/overview', () => {
  it("gives a vendor its installations, countries, sync volume and errors, from its modules' consents only", async () => {
    const psif = psifClient({ baseUrl: rig.ts.url, credentials: acmeCredentials });
    const { data, error } = await psif.GET('/reporting/v1/overview');
    expect(error).toBeUndefined();
    expect(data!.bucket).toBe('hour');
    expect(data!.shops).toBe(2);
    expect(data!.modules).toEqual([{ name: 'ps_acme', vendorClientId: acmeCredentials.clientId, activeInstallations: 2, inactiveInstallations: 1 }]);
    expect(data!.installations).toEqual({ active: 2, inactive: 1 });
    expect(data!.shopsByCountry).toEqual([{ country: 'DE', shops: 1 }, { country: 'FR', shops: 1 }]);
    // 24 hours: 24 or 25 hourly buckets (the first starts at the hour before the window), each present.
    expect(data!.syncVolume.length).toBeGreaterThanOrEqual(24);
    expect(data!.syncVolume.length).toBeLessThanOrEqual(25);
    const hours = data!.syncVolume.map((b) => Date.parse(b.at));
    for (let i = 1; i < hours.length; i++) expect(hours[i]! - hours[i - 1]!).toBe(HOUR);
    expect(data!.syncVolume.reduce((sum, b) => sum + b.objects, 0)).toBe(150);
    expect(data!.syncVolume.reduce((sum, b) => sum + b.errors, 0)).toBe(2);
    // The 120 objects of the pull that finished 3 hours ago (plus a minute) land in that hour's bucket.
    const finished = now - 3 * HOUR + 61_000;
    expect(data!.syncVolume.find((b) => Date.parse(b.at) === Math.floor(finished / HOUR) * HOUR)?.objects).toBeGreaterThanOrEqual(120);
  });

  it('gives an operator every shop and module, and one vendor on demand; a week is bucketed by day', async () => {
    const psif = psifClient({ baseUrl: rig.ts.url, credentials: adminCredentials });
    const all = (await psif.GET('/reporting/v1/overview', { params: { query: { start: new Date(now - 7 * 24 * HOUR).toISOString() } } })).data!;
    expect(all.bucket).toBe('day');
    expect(all.syncVolume.length).toBeGreaterThanOrEqual(7);
    expect(all.syncVolume.length).toBeLessThanOrEqual(8);
    expect(all.shops).toBe(4);
    expect(all.installations).toEqual({ active: 4, inactive: 1 });
    expect(all.shopsByCountry).toEqual([{ country: 'unknown', shops: 2 }, { country: 'DE', shops: 1 }, { country: 'FR', shops: 1 }]);
    expect(all.syncVolume.reduce((sum, b) => sum + b.objects, 0)).toBe(120 + 30 + 7 + 999);
    expect(all.syncVolume.reduce((sum, b) => sum + b.errors, 0)).toBe(3);
    const one = (await psif.GET('/reporting/v1/overview', { params: { query: { vendorId: 'acme' } } })).data!;
    expect(one.modules.map((m) => m.name)).toEqual(['ps_acme']);
    expect(one.shops).toBe(2);
  });

  it('counts paying and trial subscriptions, MRR per currency with yearly plans per month, and churn within the window', async () => {
    const subscribe = async (vendor: BillingVendor, productId: string, planId: string) => {
      const customerId = await paidCustomer(vendor);
      const created = await ok(vendor.api.call('POST', `/customers/${customerId}/subscriptions`, { productId, planId }), 201);
      return { customerId, id: created.id as string };
    };
    await subscribe(acme, 'acme_module', 'acme-monthly');
    const churned = await subscribe(acme, 'acme_module', 'acme-monthly');
    await subscribe(acme, 'acme_module', 'acme-yearly');
    await subscribe(acme, 'acme_module', 'acme-trial');
    await subscribe(globex, 'globex_module', 'globex-monthly');
    // One subscription is cancelled a day from now, on its customer's test clock.
    await advance(acme, churned.customerId, { days: 1 });
    await ok(acme.api.call('POST', `/subscriptions/${churned.id}/cancel`, { endOfTerm: false }));

    const overview = async (vendor: BillingVendor, query: Record<string, string>) => {
      const response = await fetch(`${rig.ts.url}/reporting/v1/overview?${new URLSearchParams({ sandbox: 'true', ...query })}`, { headers: { authorization: `Bearer ${vendor.api.token}` } });
      expect(response.status).toBe(200);
      return ((await response.json()) as { billing: any }).billing;
    };
    // A window from an hour from now to two days from now: everything above was paying at its start.
    const window = { start: new Date(now + HOUR).toISOString(), end: new Date(now + 48 * HOUR).toISOString() };
    expect(await overview(acme, window)).toEqual({
      environment: 'sandbox',
      activeSubscriptions: 2,
      trialSubscriptions: 1,
      mrr: [{ currency: 'EUR', amount: 1000 + 12_000 / 12 }],
      churn: { cancelled: 1, activeAtStart: 3, rate: 1 / 3 },
    });
    expect((await overview(globex, window)).mrr).toEqual([{ currency: 'EUR', amount: 700 }]);
    // Live data has none of it.
    expect((await overview(acme, { ...window, sandbox: 'false' })).activeSubscriptions).toBe(0);
  });
});

describe('GET /reporting/v1/shops', () => {
  it('lists the shops with country, modules, last errors and paging; q filters on the URL or id', async () => {
    const psif = psifClient({ baseUrl: rig.ts.url, credentials: adminCredentials });
    const page = (await psif.GET('/reporting/v1/shops', { params: { query: { limit: 3 } } })).data!;
    expect(page.total).toBe(4);
    expect(page.items).toHaveLength(3);
    const rest = (await psif.GET('/reporting/v1/shops', { params: { query: { limit: 3, offset: 3 } } })).data!;
    expect(new Set([...page.items, ...rest.items].map((s) => s.shopId))).toEqual(new Set(Object.values(shops).map((s) => s.shopId)));
    const fr = [...page.items, ...rest.items].find((s) => s.shopId === shops.fr.shopId)!;
    expect(fr).toMatchObject({ country: 'FR', errors24h: 1, healthy: null, lastSyncAt: null });
    expect(fr.modules).toEqual([{ name: 'ps_acme', consents: ['info', 'products'] }, { name: 'ps_globex', consents: ['info', 'orders'] }]);
    const found = (await psif.GET('/reporting/v1/shops', { params: { query: { q: shops.de.shopId.slice(0, 13).toUpperCase() } } })).data!;
    expect(found.items.map((s) => s.shopId)).toEqual([shops.de.shopId]);
  });
});
