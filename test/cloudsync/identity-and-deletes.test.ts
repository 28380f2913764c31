import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type UploadLine, createJob, fixture, registerShop, rows, upload } from '../support/cloudsync.js';
import { type TestServer, startTestServer } from '../support/server.js';

/** Identity, deletes, revival, idempotence and reconciliation (cloudsync-protocol §4.5, §5 "The id rule"). */
describe('identity and deletes', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
  });
  afterAll(async () => ts?.close());

  const products = () => fixture('9.1', 'products.json');
  const categories = () => fixture('9.1', 'categories.json');
  /** The same rows in another language, as a shop with two languages sends them. */
  const inLanguage = (lines: UploadLine[], iso: string): UploadLine[] =>
    lines.map((line) => {
      const p: Record<string, unknown> = { ...line.properties, iso_code: iso };
      if (line.collection === 'products') p.unique_product_id = `${p.id_product_attribute as string}-${iso}`;
      if (line.collection === 'categories') p.unique_category_id = `${p.id_category as number}-${iso}`;
      return { ...line, properties: p };
    });
  const del = (collection: string, id: string) => ({ action: 'delete', collection, properties: { id } });
  const live = (list: Record<string, unknown>[]) => list.filter((r) => !Number(r.sys_deleted));

  it('a combination delete ("{id_product}-{id_attribute}") removes that combination in every language, softly', async () => {
    const shop = await registerShop(ts);
    const job = await createJob(ts, shop.shopId);
    const lines = [...products(), ...inLanguage(products(), 'fr')];
    expect((await upload(ts, job, lines, { token: shop.token })).status).toBe(201);
    const target = lines[0]!.properties.id_product_attribute as string;
    const expected = lines.filter((l) => l.properties.id_product_attribute === target).length;
    expect(expected).toBe(2);

    const response = await upload(ts, job, [del('products', target)], { token: shop.token, fullSync: false });
    expect(response).toMatchObject({ status: 201, body: { accepted: 1, upserted: 0, deleted: expected } });
    const stored = await rows(ts, 'shop_products', shop.shopId);
    const gone = stored.filter((r) => r.id_product_attribute === target);
    expect(gone).toHaveLength(2);
    for (const row of gone) {
      expect(Number(row.sys_deleted)).toBe(1);
      expect(row.sys_deleted_at).toEqual(expect.any(Number));
      expect(row.name).toBe(lines[0]!.properties.name); // soft: the data stays
    }
    expect(live(stored)).toHaveLength(lines.length - 2);
    // Deleting again changes nothing.
    expect((await upload(ts, job, [del('products', target)], { token: shop.token })).body.deleted).toBe(0);
  });

  it('a bare product id deletes every combination and language of that product only', async () => {
    const shop = await registerShop(ts);
    const job = await createJob(ts, shop.shopId);
    const lines = [...products(), ...inLanguage(products(), 'fr')];
    await upload(ts, job, lines, { token: shop.token });
    const productId = lines[0]!.properties.id_product as number;
    const ofProduct = lines.filter((l) => l.properties.id_product === productId).length;
    expect(ofProduct).toBeGreaterThan(2);

    const response = await upload(ts, job, [del('products', String(productId))], { token: shop.token });
    expect(response.body.deleted).toBe(ofProduct);
    const stored = await rows(ts, 'shop_products', shop.shopId);
    expect(live(stored).every((r) => r.id_product !== productId)).toBe(true);
    expect(live(stored)).toHaveLength(lines.length - ofProduct);
  });

  it('a category delete (bare id) removes every language row of it', async () => {
    const shop = await registerShop(ts);
    const job = await createJob(ts, shop.shopId);
    const lines = [...categories(), ...inLanguage(categories(), 'fr'), ...inLanguage(categories(), 'de')];
    await upload(ts, job, lines, { token: shop.token });
    const response = await upload(ts, job, [del('categories', '3')], { token: shop.token });
    expect(response.body.deleted).toBe(3);
    const stored = await rows(ts, 'shop_categories', shop.shopId);
    expect(stored.filter((r) => r.id_category === 3 && Number(r.sys_deleted) === 1).map((r) => r.id).sort()).toEqual(['3-de', '3-en', '3-fr']);
    expect(stored.filter((r) => r.id_category !== 3).every((r) => Number(r.sys_deleted) === 0)).toBe(true);
  });

  it('an upsert after a delete revives the row', async () => {
    const shop = await registerShop(ts);
    const job = await createJob(ts, shop.shopId);
    await upload(ts, job, categories(), { token: shop.token });
    await upload(ts, job, [del('categories', '3')], { token: shop.token });
    const line = categories().find((l) => l.properties.id_category === 3)!;
    const revived = { ...line, properties: { ...line.properties, name: 'Revived' } };
    expect((await upload(ts, job, [revived], { token: shop.token })).body).toMatchObject({ upserted: 1, deleted: 0 });
    const row = (await rows(ts, 'shop_categories', shop.shopId)).find((r) => r.id === '3-en')!;
    expect(row).toMatchObject({ name: 'Revived', sys_deleted_at: null });
    expect(Number(row.sys_deleted)).toBe(0);
  });

  it("keeps the rows a batch upserts when the same batch deletes their product's bare id (the combination hook)", async () => {
    const shop = await registerShop(ts);
    const job = await createJob(ts, shop.shopId);
    const base = products()[0]!;
    const simple = { ...base, properties: { ...base.properties, id_product: 77, id_attribute: 0, id_product_attribute: '77-0', unique_product_id: '77-0-en' } };
    await upload(ts, job, [simple], { token: shop.token });
    // The product gets combinations: ps_eventbus sends their upserts, then a delete of product "77".
    const combos = [5, 6].map((attr) => ({ ...base, properties: { ...base.properties, id_product: 77, id_attribute: attr, id_product_attribute: `77-${attr}`, unique_product_id: `77-${attr}-en` } }));
    const response = await upload(ts, job, [...combos, del('products', '77')], { token: shop.token, fullSync: false });
    expect(response.body).toMatchObject({ upserted: 2, deleted: 1 });
    const stored = await rows(ts, 'shop_products', shop.shopId);
    expect(live(stored).map((r) => r.id).sort()).toEqual(['77-5-en', '77-6-en']);
  });

  it('re-sending a batch is idempotent; sys_updated_at moves only when the data changes', async () => {
    const shop = await registerShop(ts);
    const job = await createJob(ts, shop.shopId);
    await upload(ts, job, categories(), { token: shop.token });
    const first = await rows(ts, 'shop_categories', shop.shopId);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await upload(ts, job, categories(), { token: shop.token })).body.upserted).toBe(categories().length);
    const second = await rows(ts, 'shop_categories', shop.shopId);
    const strip = (list: Record<string, unknown>[]) => list.map(({ sys_last_synced_at: _s, ...rest }) => rest);
    expect(strip(second)).toEqual(strip(first));
    expect(second.every((r, i) => (r.sys_last_synced_at as number) > (first[i]!.sys_last_synced_at as number))).toBe(true);

    const changed = categories().map((l, i) => (i === 0 ? { ...l, properties: { ...l.properties, name: 'Changed' } } : l));
    await upload(ts, job, changed, { token: shop.token });
    const third = await rows(ts, 'shop_categories', shop.shopId);
    const id = `${changed[0]!.properties.id_category as number}-en`;
    const before = second.find((r) => r.id === id)!;
    const after = third.find((r) => r.id === id)!;
    expect(after.name).toBe('Changed');
    expect(after.sys_updated_at as number).toBeGreaterThan(before.sys_updated_at as number);
    expect(third.filter((r) => r.id !== id).map((r) => r.sys_updated_at)).toEqual(second.filter((r) => r.id !== id).map((r) => r.sys_updated_at));
  });

  it('info arrives as collection "shops" and is one row per shop', async () => {
    const shop = await registerShop(ts);
    const job = await createJob(ts, shop.shopId);
    const info = fixture('9.1', 'info.json');
    await upload(ts, job, info, { token: shop.token });
    const changed = [{ ...info[0]!, properties: { ...info[0]!.properties, cms_version: '9.1.1' } }];
    await upload(ts, job, changed, { token: shop.token });
    const stored = await rows(ts, 'shop_info', shop.shopId);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ id: shop.shopId, cms_version: '9.1.1' });
  });

  it('accepts ps_eventbus v3 lines (top-level id, no action) and v3 deletes on /collector/delete (200)', async () => {
    const shop = await registerShop(ts);
    const job = await createJob(ts, shop.shopId);
    const v3 = categories().map((l) => ({ id: l.properties.unique_category_id, collection: l.collection, properties: l.properties }));
    expect((await upload(ts, job, v3, { token: shop.token })).body.upserted).toBe(v3.length);
    const response = await upload(ts, job, [{ collection: 'categories', deleteIds: ['3', '4'] }], { token: shop.token, endpoint: 'delete' });
    expect(response).toMatchObject({ status: 200, body: { accepted: 1, deleted: 2 } });
    const deleted = (await rows(ts, 'shop_categories', shop.shopId)).filter((r) => Number(r.sys_deleted) === 1).map((r) => r.id).sort();
    expect(deleted).toEqual(['3-en', '4-en']);
  });

  it('concurrent uploads of the same rows in different orders all succeed (no deadlock) and leave one row each', async () => {
    const shop = await registerShop(ts);
    const job = await createJob(ts, shop.shopId);
    const lines = [...products(), ...inLanguage(products(), 'fr'), ...inLanguage(products(), 'de')];
    const shuffled = (seed: number) => [...lines].sort((a, b) => ((hash(a, seed) - hash(b, seed)) || 0));
    const hash = (line: UploadLine, seed: number) => [...String(line.properties.unique_product_id)].reduce((h, c) => (h * 31 + c.charCodeAt(0) + seed) % 1_000_003, seed);
    const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => upload(ts, job, shuffled(i), { token: shop.token })));
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(live(await rows(ts, 'shop_products', shop.shopId))).toHaveLength(lines.length);
  });

  it('housekeeping forgets upload log entries and expired jobs older than PSIF_SYNC_HISTORY_DAYS', async () => {
    const shop = await registerShop(ts);
    const job = await createJob(ts, shop.shopId);
    await upload(ts, job, categories(), { token: shop.token });
    const { cloudsync } = ts.server.core;
    expect(await cloudsync.housekeeping()).toEqual({ uploads: 0, jobs: 0 });
    const later = Date.now() + 91 * 86_400_000;
    const result = await cloudsync.housekeeping(later);
    expect(result.uploads).toBeGreaterThanOrEqual(1);
    expect(result.jobs).toBeGreaterThanOrEqual(1);
    expect(await cloudsync.uploadLog.list({ shopId: shop.shopId })).toEqual([]);
    expect(await rows(ts, 'shop_categories', shop.shopId)).toHaveLength(categories().length);
  });

  describe('full-sync reconciliation', () => {
    it('soft-deletes the rows a finished full sync did not re-send, and nothing else', async () => {
      const shop = await registerShop(ts);
      const first = await createJob(ts, shop.shopId, { full: true });
      const all = products();
      await upload(ts, first, all, { token: shop.token });
      await new Promise((resolve) => setTimeout(resolve, 5));

      const second = await createJob(ts, shop.shopId, { full: true });
      const kept = all.slice(0, 30);
      await upload(ts, second, kept.slice(0, 15), { token: shop.token });
      await upload(ts, second, kept.slice(15), { token: shop.token });
      const result = await ts.server.core.cloudsync.reconcile.afterFullSync(second, 'products');
      expect(result.deleted).toBe(all.length - kept.length);

      const stored = await rows(ts, 'shop_products', shop.shopId);
      const keptIds = new Set(kept.map((l) => l.properties.unique_product_id));
      for (const row of stored) expect(Number(row.sys_deleted), String(row.id)).toBe(keptIds.has(row.id) ? 0 : 1);
      // Running it again finds nothing more; an incremental job cannot reconcile.
      expect((await ts.server.core.cloudsync.reconcile.afterFullSync(second, 'products')).deleted).toBe(0);
      const incremental = await createJob(ts, shop.shopId);
      await expect(ts.server.core.cloudsync.reconcile.afterFullSync(incremental, 'products')).rejects.toMatchObject({ code: 'not_a_full_sync' });
    });

    it("is scoped to the job's language and to the shop", async () => {
      const shop = await registerShop(ts, { languages: ['en', 'fr'] });
      const other = await registerShop(ts);
      const setup = await createJob(ts, shop.shopId, { full: true });
      await upload(ts, setup, [...categories(), ...inLanguage(categories(), 'fr')], { token: shop.token });
      await upload(ts, await createJob(ts, other.shopId), categories(), { token: other.token });
      await new Promise((resolve) => setTimeout(resolve, 5));

      const french = await createJob(ts, shop.shopId, { full: true, langIso: 'fr', contents: ['categories'] });
      await upload(ts, french, inLanguage(categories(), 'fr').slice(1), { token: shop.token });
      expect((await ts.server.core.cloudsync.reconcile.afterFullSync(french, 'categories')).deleted).toBe(1);
      const stored = await rows(ts, 'shop_categories', shop.shopId);
      expect(stored.filter((r) => Number(r.sys_deleted) === 1).map((r) => r.sys_lang)).toEqual(['fr']);
      expect(live(await rows(ts, 'shop_categories', other.shopId))).toHaveLength(categories().length);
    });
  });
});
