import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerShop, type ShopRig } from '../support/cloudsync.js';
import { type TestServer, startTestServer } from '../support/server.js';

/** The Sync API (cloudsync-protocol §8.3) and the shop's own triggers (§3.6), from every caller's side. */
describe('Sync API', () => {
  let ts: TestServer;
  let acme: string;
  let globex: string;
  let admin: string;
  let shop: ShopRig;
  let other: ShopRig;

  const post = (path: string, token: string | undefined, body: unknown) =>
    fetch(`${ts.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  const queue = async () => JSON.stringify((await ts.server.core.sync.tasks.active()).map((t) => [t.taskId, t.mode, t.priority]).sort());

  beforeAll(async () => {
    ts = await startTestServer();
    const core = ts.server.core;
    acme = await ts.token(await ts.createClient({ kind: 'vendor', name: 'acme' }));
    globex = await ts.token(await ts.createClient({ kind: 'vendor', name: 'globex' }));
    admin = await ts.token(await ts.createClient({ kind: 'admin', name: 'ops' }));
    await core.shops.modules.create('ps_acme', 'acme');
    await core.shops.modules.create('ps_globex', 'globex');
    shop = await registerShop(ts, { languages: ['en', 'fr'] });
    other = await registerShop(ts);
    await core.shops.consents.replace(shop.shopId, 'ps_acme', ['products', 'carts'], 'test');
    await core.shops.consents.replace(other.shopId, 'ps_globex', ['orders'], 'test');
  });
  afterAll(async () => ts?.close());

  it('a vendor triggers the contents it has the consent for, in each language they depend on', async () => {
    const response = await post('/sync/v1/sync/trigger', acme, { shopId: shop.shopId, shopContents: ['products', 'cart-products'] });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { result: string; tasks: { taskId: string; shopContent: string; langIso: string; mode: string; status: string }[] };
    expect(body.result).toBe('queued');
    // products rows depend on the language (en, fr); cart_products do not (default language only).
    expect(body.tasks.map((t) => `${t.shopContent}/${t.langIso}`).sort()).toEqual(['cart_products/en', 'products/en', 'products/fr']);
    // Never synced yet: an incremental trigger starts with the full sync.
    expect(body.tasks.every((t) => t.mode === 'full' && t.status === 'queued')).toBe(true);
    // The same trigger again reuses the queued pulls.
    const again = (await (await post('/sync/v1/sync/trigger-full', acme, { shopId: shop.shopId, shopContents: ['products'] })).json()) as typeof body;
    expect(again.tasks.map((t) => t.taskId).sort()).toEqual(body.tasks.filter((t) => t.shopContent === 'products').map((t) => t.taskId).sort());
    const active = await ts.server.core.sync.tasks.active(shop.shopId);
    expect(active.filter((t) => t.content === 'products').length).toBe(2);
    expect(active.every((t) => t.trigger === 'api' || t.trigger === 'consent')).toBe(true);
  });

  it('refuses, changing nothing: unknown contents by name, contents outside the consents, other vendors, unknown shops', async () => {
    const before = await queue();
    const unknown = await post('/sync/v1/sync/trigger', acme, { shopId: shop.shopId, shopContents: ['products', 'unicorns', 'dragons'] });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ code: 'unknown_content', details: { unknown: ['unicorns', 'dragons'] } });
    const notGranted = await post('/sync/v1/sync/trigger', acme, { shopId: shop.shopId, shopContents: ['orders'] });
    expect(notGranted.status).toBe(403);
    expect(await notGranted.json()).toMatchObject({ code: 'consent_missing' });
    expect((await post('/sync/v1/sync/trigger-full', globex, { shopId: shop.shopId, shopContents: ['products'] })).status).toBe(403);
    expect((await post('/sync/v1/sync/trigger', acme, { shopId: other.shopId, shopContents: ['orders'] })).status).toBe(403);
    expect((await post('/sync/v1/sync/trigger', acme, { shopId: '00000000-0000-4000-8000-000000000000', shopContents: ['products'] })).status).toBe(403);
    expect((await post('/sync/v1/sync/trigger', undefined, { shopId: shop.shopId, shopContents: ['products'] })).status).toBe(401);
    for (const body of [{ shopId: shop.shopId }, { shopId: shop.shopId, shopContents: [] }, { shopId: 'not-a-uuid', shopContents: ['products'] }, { shopId: shop.shopId, shopContents: ['products'], extra: 1 }, { shopId: shop.shopId, shopContents: ["products'; drop table sync_tasks; --"] }]) {
      const response = await post('/sync/v1/sync/trigger', acme, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
    expect(await queue()).toBe(before);
  });

  it('a shop triggers only itself; contents nobody has the consent for are never pulled', async () => {
    const own = await post('/sync/v1/sync/trigger', shop.token, { shopId: shop.shopId, shopContents: ['carts'] });
    expect(own.status).toBe(200);
    const foreign = await post('/sync/v1/sync/trigger', shop.token, { shopId: other.shopId, shopContents: ['orders'] });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ code: 'shop_mismatch' });
    const unconsented = await post('/sync/v1/sync/trigger', shop.token, { shopId: shop.shopId, shopContents: ['customers'] });
    expect(unconsented.status).toBe(409);
    expect(await unconsented.json()).toMatchObject({ code: 'not_consented', details: { shopContents: ['customers'] } });
    const byAdmin = await post('/sync/v1/sync/trigger-full', admin, { shopId: other.shopId, shopContents: ['orders', 'order-details'] });
    expect(byAdmin.status).toBe(200);
  });

  it("the shop's own GET /sync-api/sync/trigger-full pulls everything it shares", async () => {
    const response = await fetch(`${ts.url}/sync-api/sync/trigger-full`, { headers: { authorization: `Bearer ${other.token}` } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { tasks: { shopContent: string; mode: string }[] };
    // orders consent: orders and its four satellites (cloudsync-protocol §6), plus info.
    expect(body.tasks.map((t) => t.shopContent).sort()).toEqual(['info', 'order_carriers', 'order_cart_rules', 'order_details', 'order_status_history', 'orders']);
    expect(body.tasks.every((t) => t.mode === 'full')).toBe(true);
    expect((await fetch(`${ts.url}/sync-api/sync/trigger`, { headers: { authorization: `Bearer ${acme}` } })).status).toBe(403);
  });

  it('is documented in the reporting family with its operation ids', async () => {
    const document = (await (await fetch(`${ts.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId: string; tags: string[] }>> };
    expect(document.paths['/sync/v1/sync/trigger']?.post).toMatchObject({ operationId: 'AuthSyncController_triggerSyncAuth', tags: ['reporting', 'sync'] });
    expect(document.paths['/sync/v1/sync/trigger-full']?.post?.operationId).toBe('AuthSyncController_triggerFullSyncAuth');
  });
});
