import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ShopRig, registerShop } from '../support/cloudsync.js';
import { type TestServer, startTestServer } from '../support/server.js';
import { HOUR, type Vendor, createVendor, insertErrors, insertHealth, insertState, insertTask } from './seed.js';

/** Tenant isolation of the Reporting API, from the attacker's side. */
let ts: TestServer;
let acme: Vendor;
let mallory: Vendor;
let shop: ShopRig;
const now = Date.now();

beforeAll(async () => {
  ts = await startTestServer({ PSIF_ROLE: 'api' });
  acme = await createVendor(ts, 'acme');
  mallory = await createVendor(ts, 'mallory');
  shop = await registerShop(ts);
  await ts.server.core.shops.consents.replace(shop.shopId, acme.module, ['products', 'orders'], 'test');
  await insertTask(ts, { shop_id: shop.shopId, content: 'products', created_at: now - HOUR });
  await insertTask(ts, { shop_id: shop.shopId, content: 'orders', created_at: now - HOUR });
  await insertState(ts, { shop_id: shop.shopId, content: 'products', lang_iso: 'en', mode: 'incremental', last_success_at: now - HOUR });
  await insertErrors(ts, { shop_id: shop.shopId, content: 'products', code: '500', at: now - HOUR }, 2);
  await insertErrors(ts, { shop_id: shop.shopId, content: 'orders', code: '503', at: now - HOUR });
  await insertHealth(ts, { shop_id: shop.shopId, checked_at: now - HOUR });
});
afterAll(async () => ts?.close());

async function get(path: string, token: string | undefined = acme.token): Promise<{ status: number; body: any }> {
  const response = await fetch(`${ts.url}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json() };
}

/** Every route of a shop, as a vendor calls it. */
const shopRoutes = (shopId: string) => [
  `/reporting/v1/shop-sync-setup/${shopId}`,
  `/reporting/v1/shop-sync-summary/${shopId}?shopContent=products`,
  `/reporting/v1/shop-sync-onboarding/${shopId}`,
  `/reporting/v1/shop/${shopId}/errors`,
  `/reporting/v1/shop/${shopId}/errors/hourly`,
  `/reporting/v1/shop/${shopId}/jobs`,
  `/reporting/v1/shop/${shopId}/sync-state`,
  `/reporting/v1/shop/${shopId}/health`,
  `/reporting/v1/shop/${shopId}/consents`,
  `/reporting/v1/vendor/acme/errors?shopId=${shopId}`,
  `/reporting/v1/vendor/acme/errors/hourly?shopId=${shopId}`,
];

describe('who may call', () => {
  it('acme reads every route of its shop', async () => {
    for (const path of shopRoutes(shop.shopId)) expect((await get(path)).status, path).toBe(200);
  });

  it("vendor B gets 403 consent_missing on vendor A's shop, on every route, and the same for an unknown shop", async () => {
    for (const shopId of [shop.shopId, randomUUID()]) {
      for (const path of shopRoutes(shopId).map((p) => p.replace('/vendor/acme/', '/vendor/mallory/'))) {
        const { status, body } = await get(path, mallory.token);
        expect(status, path).toBe(403);
        expect(body).toEqual({ statusCode: 403, code: 'consent_missing', message: `shop ${shopId} has not given any consent to a module of mallory` });
      }
    }
  });

  it("vendor B cannot read vendor A's vendor-wide reports, by name or by client id; its own are empty", async () => {
    for (const vendorId of ['acme', acme.client.clientId]) {
      for (const route of ['errors', 'errors/hourly']) {
        const { status, body } = await get(`/reporting/v1/vendor/${vendorId}/${route}`, mallory.token);
        expect(status).toBe(403);
        expect(body.code).toBe('forbidden');
      }
    }
    expect((await get('/reporting/v1/vendor/mallory/errors', mallory.token)).body.errors).toEqual([]);
    expect((await get('/reporting/v1/vendor/mallory/errors/hourly', mallory.token)).body.buckets).toEqual([]);
    expect((await get('/reporting/v1/vendor/acme/errors')).body.errors.map((e: any) => e.errorCode)).toEqual(['500', '503']);
  });

  it('shop tokens get 403, strangers 401, a token without tech-vendor/<name> 403, a token in the URL 400', async () => {
    const narrow = await ts.token(acme.client, { audience: ts.server.core.config.apiAudience });
    for (const path of [...shopRoutes(shop.shopId), '/reporting/v1/vendor/acme/errors', '/reporting/v1/overview', '/reporting/v1/shops']) {
      expect((await get(path, shop.token)).body, path).toMatchObject({ statusCode: 403, code: 'forbidden' });
      const anonymous = await fetch(`${ts.url}${path}`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await get(path, narrow)).body, path).toMatchObject({ statusCode: 403, message: 'the token must carry the audience tech-vendor/acme' });
    }
    const inUrl = await fetch(`${ts.url}/reporting/v1/shop/${shop.shopId}/jobs?access_token=${acme.token}`);
    expect(inUrl.status).toBe(400);
  });

  it('admin tokens read every shop and name any vendor; an unknown shop or vendor answers 404', async () => {
    const admin = await ts.token(await ts.createClient({ kind: 'admin', name: 'ops' }));
    for (const path of shopRoutes(shop.shopId)) expect((await get(path, admin)).status, path).toBe(200);
    expect((await get(`/reporting/v1/shop/${shop.shopId}/errors`, admin)).body.errors.map((e: any) => e.errorCode)).toEqual(['500', '503']);
    for (const path of shopRoutes(randomUUID()).filter((p) => !p.includes('/vendor/'))) {
      expect((await get(path, admin)).body, path).toMatchObject({ statusCode: 404, code: 'shop_not_found' });
    }
    expect((await get('/reporting/v1/vendor/nobody/errors', admin)).body).toMatchObject({ statusCode: 404, code: 'vendor_not_found' });
    expect((await get('/reporting/v1/overview?vendorId=nobody', admin)).body).toMatchObject({ statusCode: 404, code: 'vendor_not_found' });
  });

  it("a vendor lists only the shops consenting to its modules, sees only its modules' consents, and cannot ask for another vendor's overview", async () => {
    await ts.server.core.shops.consents.replace(shop.shopId, mallory.module, ['info'], 'test');
    const other = await registerShop(ts);
    await ts.server.core.shops.consents.replace(other.shopId, mallory.module, ['products'], 'test');
    try {
      const acmeShops = (await get('/reporting/v1/shops')).body;
      expect(acmeShops.items.map((s: any) => s.shopId)).toEqual([shop.shopId]);
      expect(acmeShops.items[0].modules).toEqual([{ name: acme.module, consents: ['info', 'orders', 'products'] }]);
      expect((await get(`/reporting/v1/shop/${shop.shopId}/consents`)).body.modules.map((m: any) => m.module)).toEqual([acme.module]);
      const malloryShops = (await get('/reporting/v1/shops', mallory.token)).body;
      expect(malloryShops.items.map((s: any) => s.shopId).sort()).toEqual([shop.shopId, other.shopId].sort());
      expect(malloryShops.items.find((s: any) => s.shopId === shop.shopId).modules).toEqual([{ name: mallory.module, consents: ['info'] }]);
      // mallory's `info` consent covers none of the contents the errors are about.
      expect(malloryShops.items.find((s: any) => s.shopId === shop.shopId).errors24h).toBe(0);
      expect((await get('/reporting/v1/shops')).body.items.find((s: any) => s.shopId === other.shopId)).toBeUndefined();
      expect((await get(`/reporting/v1/shop/${other.shopId}/consents`)).body).toMatchObject({ statusCode: 403, code: 'consent_missing' });
      for (const vendorId of ['acme', acme.client.clientId]) {
        expect((await get(`/reporting/v1/overview?vendorId=${vendorId}`, mallory.token)).body).toMatchObject({ statusCode: 403, code: 'forbidden' });
      }
      expect((await get('/reporting/v1/overview', mallory.token)).body.modules.map((m: any) => m.name)).toEqual([mallory.module]);
    } finally {
      await ts.server.core.shops.consents.replace(shop.shopId, mallory.module, [], 'test');
      await ts.server.core.shops.consents.replace(other.shopId, mallory.module, [], 'test');
    }
  });

  it('a disabled vendor client is refused at once', async () => {
    const temp = await createVendor(ts, 'temp');
    await ts.server.core.shops.consents.replace(shop.shopId, temp.module, ['products'], 'test');
    expect((await get(`/reporting/v1/shop/${shop.shopId}/jobs`, temp.token)).status).toBe(200);
    await ts.server.core.auth.clients.disable(temp.client.clientId);
    expect((await get(`/reporting/v1/shop/${shop.shopId}/jobs`, temp.token)).status).toBe(401);
  });
});

describe('consent changes apply on the next request', () => {
  it('a revoked content disappears from every report; a fully revoked shop answers 403', async () => {
    const target = await registerShop(ts);
    await ts.server.core.shops.consents.replace(target.shopId, acme.module, ['products', 'orders'], 'test');
    await insertTask(ts, { shop_id: target.shopId, content: 'orders', created_at: now - HOUR });
    await insertErrors(ts, { shop_id: target.shopId, content: 'orders', code: '503', at: now - HOUR });
    await insertErrors(ts, { shop_id: target.shopId, content: 'products', code: '500', at: now - HOUR });
    expect((await get(`/reporting/v1/shop/${target.shopId}/errors`)).body.errors.map((e: any) => e.errorCode)).toEqual(['500', '503']);

    await ts.server.core.shops.consents.change(target.shopId, acme.module, { accepted: [], revoked: ['orders'] }, 'test');
    expect((await get(`/reporting/v1/shop/${target.shopId}/errors`)).body.errors.map((e: any) => e.errorCode)).toEqual(['500']);
    expect((await get(`/reporting/v1/vendor/acme/errors?shopId=${target.shopId}`)).body.errors.map((e: any) => e.errorCode)).toEqual(['500']);
    expect((await get(`/reporting/v1/shop/${target.shopId}/errors/hourly`)).body.buckets.map((b: any) => b.code)).toEqual(['500']);
    expect((await get(`/reporting/v1/shop/${target.shopId}/jobs`)).body.total).toBe(0);
    expect((await get(`/reporting/v1/shop/${target.shopId}/jobs?shopContent=orders`)).body.code).toBe('consent_missing');
    expect((await get(`/reporting/v1/shop-sync-summary/${target.shopId}?shopContent=order_details`)).body).toMatchObject({ code: 'consent_missing', details: { consent: 'orders' } });
    expect((await get(`/reporting/v1/shop-sync-setup/${target.shopId}`)).body.shopContent).not.toContain('orders');
    expect((await get(`/reporting/v1/shop/${target.shopId}/sync-state`)).body.items.map((i: any) => i.shopContent)).not.toContain('orders');

    await ts.server.core.shops.consents.replace(target.shopId, acme.module, [], 'test');
    for (const path of shopRoutes(target.shopId)) expect((await get(path)).body.code, path).toBe('consent_missing');
    // Vendor-wide, the shop's errors stop counting too.
    const all = (await get('/reporting/v1/vendor/acme/errors')).body.errors;
    expect(all.map((e: any) => [e.errorCode, e.distribution])).toEqual([['500', 2], ['503', 1]]);
  });

  it("a consent given to another of the vendor's modules counts as the vendor's", async () => {
    const target = await registerShop(ts);
    await ts.server.core.shops.modules.create('ps_acme_two', 'acme');
    await ts.server.core.shops.consents.replace(target.shopId, 'ps_acme_two', ['customers'], 'test');
    expect((await get(`/reporting/v1/shop-sync-setup/${target.shopId}`)).body.shopContent).toEqual(['customers', 'info']);
  });
});

describe('hostile parameters', () => {
  const payloads = ["1' OR '1'='1", '1 OR 1=1', "'; DROP TABLE sync_errors; --", '") OR ("a"="a', '%', '*', "'||(SELECT 1)||'", '../../etc/passwd', '<script>'];

  async function tableCounts(): Promise<string> {
    const counts: number[] = [];
    for (const table of ['sync_errors', 'sync_tasks', 'sync_state', 'shop_health', 'consents', 'shops']) {
      counts.push(Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(ts.server.core.db.kysely)).rows[0]!.n));
    }
    return counts.join(',');
  }

  it('every query parameter of every route refuses SQL and other junk with 400 naming it; the tables stay whole', async () => {
    const doc = (await (await fetch(`${ts.url}/openapi/reporting.json`)).json()) as any;
    const before = await tableCounts();
    let checked = 0;
    for (const [template, operations] of Object.entries(doc.paths as Record<string, any>)) {
      if (!template.startsWith('/reporting/v1/')) continue;
      const base = template.replace('{shopId}', shop.shopId).replace('{vendorId}', 'acme');
      for (const parameter of (operations.get?.parameters ?? []).filter((p: any) => p.in === 'query')) {
        for (const payload of payloads) {
          const required = template.includes('shop-sync-summary') && parameter.name !== 'shopContent' ? 'shopContent=products&' : '';
          const { status, body } = await get(`${base}?${required}${parameter.name}=${encodeURIComponent(payload)}`);
          if (parameter.name === 'q') {
            // Free text: matched literally (LIKE wildcards escaped), so junk finds nothing rather than everything.
            expect(status).toBe(200);
            expect(body.total, `q=${payload}`).toBe(0);
            continue;
          }
          expect(status, `${template} ${parameter.name}=${payload}: ${JSON.stringify(body)}`).toBe(400);
          expect(JSON.stringify(body)).toContain(parameter.name);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(15 * payloads.length);
    expect(await tableCounts()).toBe(before);
  });

  it('every path parameter refuses them too, or finds no route', async () => {
    const before = await tableCounts();
    for (const payload of payloads) {
      const value = encodeURIComponent(payload);
      for (const path of [...shopRoutes(value).filter((p) => !p.includes('/vendor/')), `/reporting/v1/vendor/${value}/errors`, `/reporting/v1/vendor/${value}/errors/hourly`]) {
        const { status, body } = await get(path);
        expect([400, 404], `${path}: ${JSON.stringify(body)}`).toContain(status);
        if (status === 400) expect(body.code).toBe('validation_failed');
      }
    }
    // An uppercase shop id is not the lowercase one.
    expect((await get(`/reporting/v1/shop/${shop.shopId.toUpperCase()}/jobs`)).status).toBe(400);
    expect(await tableCounts()).toBe(before);
  });

  it('unknown parameters are refused on every route, even where a route takes none', async () => {
    for (const path of shopRoutes(shop.shopId)) {
      const { status, body } = await get(`${path}${path.includes('?') ? '&' : '?'}debug=1`);
      expect(status, path).toBe(400);
      expect(body).toMatchObject({ code: 'validation_failed', message: 'querystring: unknown parameter "debug"' });
    }
  });
});
