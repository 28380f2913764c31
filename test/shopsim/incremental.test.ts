import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Row } from '../../src/shopsim/content-rules.js';
import type { ShopSimulator } from '../../src/shopsim/shop-simulator.js';
import { createJob } from '../support/cloudsync.js';
import { type TestServer, startTestServer } from '../support/server.js';
import { fullSync, pull, startShop, storedIds, storedRow } from './rig.js';

/** The module's hooks, queue and live sync, on a generated shop in English (default) and French. */
let ts: TestServer;
let sim: ShopSimulator;

beforeAll(async () => {
  ts = await startTestServer();
  sim = await startShop(ts, { source: { generated: { products: 20, languages: ['en', 'fr'] } }, liveSyncDebounceMs: 60_000 });
});
afterAll(async () => {
  await sim?.close();
  await ts?.close();
});

const catalog = () => ts.server.core.catalog;
const pending = async () => (await ts.server.core.cloudsync.liveSync.pending(sim.shopId)).map((p) => [p.content, p.notifications]);

async function syncFully(contents: string[], langs = ['en', 'fr']): Promise<void> {
  for (const lang of langs) {
    const jobId = await createJob(ts, sim.shopId, { full: true, contents, langIso: lang });
    for (const content of contents) await fullSync(sim, jobId, content, { lang });
  }
}

async function pullIncremental(content: string, lang: string, contents = [content]) {
  const jobId = await createJob(ts, sim.shopId, { contents, langIso: lang });
  return pull(sim, { shop_content: content, job_id: jobId, lang_iso: lang });
}

const simpleProduct = (index = 0): Row => sim.rows('products').filter((r) => r.id_attribute === 0)[index]!;
const productWithCombinations = (index = 0): number => Number(sim.rows('products').filter((r) => Number(r.id_attribute) > 0)[index * 4]!.id_product);

describe('before the full sync', () => {
  it('queues nothing and notifies nothing', async () => {
    await sim.upsert('customers', { id_customer: 1, optin: true });
    expect(sim.queue('customers')).toEqual([]);
    expect(sim.stats.liveSync).toMatchObject({ sent: 0, fullSyncNotDone: 1 });
    expect(await pending()).toEqual([]);
  });
});

describe('after the full sync', () => {
  beforeAll(async () => {
    await syncFully(['products', 'customers', 'images']);
  });

  it('an upsert is queued in every language of a per-language content, notified once per debounce window', async () => {
    const product = simpleProduct();
    const id = `${product.id_product}-0`;
    await sim.upsert('products', { id_product: product.id_product, id_attribute: 0, price_tax_excl: 99.5 });
    expect(sim.queue('products', 'en')).toEqual([{ id, action: 'upsert' }]);
    expect(sim.queue('products', 'fr')).toEqual([{ id, action: 'upsert' }]);
    // product_suppliers and custom_product_carriers are queued and notified only once their own full sync is done.
    expect(sim.queue('product_suppliers')).toEqual([]);
    expect(await pending()).toEqual([['products', 1]]);

    await sim.upsert('products', { id_product: product.id_product, id_attribute: 0, price_tax_excl: 99.75 });
    expect(await pending()).toEqual([['products', 1]]);
    expect(sim.stats.liveSync.debounced).toBeGreaterThan(0);

    const fr = await pullIncremental('products', 'fr');
    expect(fr.body).toMatchObject({ syncType: 'incremental', total_objects: 1, httpCode: 201, has_remaining_objects: false, remaining_objects: 0 });
    expect(await storedRow(ts, catalog().content('products')!, sim.shopId, `${id}-fr`)).toMatchObject({ price_tax_excl: 99.75 });
    expect(sim.queue('products', 'fr')).toEqual([]);
    expect(sim.queue('products', 'en')).toHaveLength(1);
    expect((await pullIncremental('products', 'en')).body.total_objects).toBe(1);
  });

  it('a combination delete is queued for the default language only: only an English pull deletes it', async () => {
    const products = catalog().content('products')!;
    const row = sim.rows('products').find((r) => Number(r.id_attribute) > 0)!;
    const id = `${row.id_product}-${row.id_attribute}`;
    await sim.delete('products', id);
    expect(sim.queue('products', 'en')).toEqual([{ id, action: 'delete' }]);
    expect(sim.queue('products', 'fr')).toEqual([]);
    expect((await pullIncremental('products', 'fr')).body).toMatchObject({ total_objects: 0, httpCode: 200 });
    expect(await storedIds(ts, products, sim.shopId, true)).not.toContain(`${id}-en`);

    const en = await pullIncremental('products', 'en');
    expect(en.body).toMatchObject({ total_objects: 1, httpCode: 201 });
    expect(JSON.parse(en.body.body)).toMatchObject({ deleted: 2 });
    expect(await storedIds(ts, products, sim.shopId, true)).toEqual(expect.arrayContaining([`${id}-en`, `${id}-fr`]));
  });

  it('a product deleted whole sends its bare id, which deletes every combination and language in psif', async () => {
    const products = catalog().content('products')!;
    const id = productWithCombinations(1);
    const rows = sim.rows('products').filter((r) => r.id_product === id);
    expect(rows.length).toBeGreaterThan(1);
    await sim.delete('products', String(id));
    expect(sim.rows('products').filter((r) => r.id_product === id)).toEqual([]);
    const en = await pullIncremental('products', 'en');
    expect(en.body).toMatchObject({ total_objects: 1, httpCode: 201 });
    const deleted = await storedIds(ts, products, sim.shopId, true);
    for (const row of rows) expect(deleted).toEqual(expect.arrayContaining([`${row.id_product_attribute}-en`, `${row.id_product_attribute}-fr`]));
  });

  it('a combination save queues every row of its product and a delete of "{id}-0", in every language', async () => {
    const id = productWithCombinations(2);
    const keys = sim.rows('products').filter((r) => r.id_product === id).map((r) => String(r.id_product_attribute));
    await sim.upsert('products', { id_product: id, id_attribute: Number(keys[0]!.split('-')[1]), name: 'Renamed' });
    for (const lang of ['en', 'fr']) {
      expect(sim.queue('products', lang)).toEqual([...keys.map((key) => ({ id: key, action: 'upsert' })), { id: `${id}-0`, action: 'delete' }].sort((a, b) => (a.id < b.id ? -1 : 1)));
    }
    // psif has no "{id}-0" row: the delete matches nothing, the upserts are stored.
    const en = await pullIncremental('products', 'en');
    expect(en.body).toMatchObject({ total_objects: keys.length + 1, httpCode: 201 });
    expect(await storedRow(ts, catalog().content('products')!, sim.shopId, `${keys[0]}-en`)).toMatchObject({ name: 'Renamed' });
    await pullIncremental('products', 'fr');
  });

  it('queue entries leave only when the collector answered 201', async () => {
    await sim.upsert('customers', { id_customer: 2, optin: true });
    expect(sim.queue('customers')).toEqual([{ id: '2', action: 'upsert' }]);
    const refused = await pullIncremental('customers', 'en', ['orders']);
    expect(refused.body).toMatchObject({ syncType: 'incremental', httpCode: 400, total_objects: 1, remaining_objects: 1 });
    expect(sim.queue('customers')).toHaveLength(1);
    expect((await pullIncremental('customers', 'en')).body).toMatchObject({ httpCode: 201, remaining_objects: 0 });
    expect(sim.queue('customers')).toEqual([]);
    expect(await storedRow(ts, catalog().content('customers')!, sim.shopId, '2')).toMatchObject({ optin: ts.server.core.db.backend === 'sqlite' ? 1 : true });
  });

  it('full=1 empties the content\'s queue in every language', async () => {
    await sim.upsert('products', { id_product: simpleProduct(1).id_product, id_attribute: 0, quantity: 7 });
    expect(sim.queue('products', 'fr')).toHaveLength(1);
    const jobId = await createJob(ts, sim.shopId, { full: true, contents: ['products'], langIso: 'en' });
    await fullSync(sim, jobId, 'products', { lang: 'en' });
    expect(sim.queue('products', 'en')).toEqual([]);
    expect(sim.queue('products', 'fr')).toEqual([]);
  });

  it('image deletes are lost: the hook queues an upsert of a row that is gone', async () => {
    const images = catalog().content('images')!;
    const image = sim.rows('images')[0]!;
    await sim.delete('images', String(image.id_image));
    expect(sim.queue('images')).toEqual([{ id: String(image.id_image), action: 'upsert' }]);
    expect((await pullIncremental('images', 'en')).body).toMatchObject({ total_objects: 0, httpCode: 200, remaining_objects: 0 });
    expect(await storedIds(ts, images, sim.shopId)).toContain(`${image.id_image}-${image.id_lang}-${image.id_shop}`);
  });

  it('silent changes and deletes queue and notify nothing', async () => {
    const before = sim.stats;
    sim.upsertSilently('customers', { id_customer: 3, optin: true });
    sim.deleteSilently('customers', '4');
    expect(sim.queue('customers')).toEqual([]);
    expect(sim.rows('customers').some((r) => r.id_customer === 4)).toBe(false);
    expect(sim.stats.liveSync).toEqual(before.liveSync);
  });

  it('a new record is filled from a complete row and gets a row per shop language', async () => {
    await sim.upsert('categories', { id_category: 500, name: 'Garden' });
    expect(sim.rows('categories', 'fr').find((r) => r.id_category === 500)).toMatchObject({ unique_category_id: '500-fr', iso_code: 'fr', name: 'Garden', link_rewrite: expect.any(String) });
    expect(sim.rows('categories', 'en').find((r) => r.id_category === 500)).toMatchObject({ unique_category_id: '500-en' });
  });
});

describe('live sync', () => {
  it('notifies a content again once its debounce window has passed; events inside it are dropped', async () => {
    const shop = await startShop(ts, { source: { fixtures: '9.1' }, liveSyncDebounceMs: 300 });
    try {
      const jobId = await createJob(ts, shop.shopId, { full: true, contents: ['employees'] });
      await fullSync(shop, jobId, 'employees');
      await shop.upsert('employees', { id_employee: 1, bo_theme: 'dark' });
      await shop.upsert('employees', { id_employee: 1, bo_theme: 'light' });
      await new Promise((resolve) => setTimeout(resolve, 350));
      await shop.upsert('employees', { id_employee: 1, bo_theme: 'dark' });
      expect(shop.stats.liveSync).toMatchObject({ sent: 2, debounced: 1, byStatus: { 201: 2 } });
      const notified = await ts.server.core.cloudsync.liveSync.pending(shop.shopId);
      expect(notified.map((p) => [p.content, p.notifications, p.last_action])).toEqual([['employees', 2, 'upsert']]);
      // Queued once: the last action of an object wins.
      expect(shop.queue('employees')).toEqual([{ id: '1', action: 'upsert' }]);
    } finally {
      await shop.close();
    }
  });
});
