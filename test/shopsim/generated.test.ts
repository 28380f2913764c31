import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../src/catalog/catalog.js';
import type { ContentTable } from '../../src/shopsim/rows/content-table.js';
import { NdjsonWriter } from '../../src/shopsim/rows/ndjson-writer.js';
import { encodeLine } from '../../src/shopsim/rows/row-template.js';
import { buildDataset } from '../../src/shopsim/rows/shop-dataset.js';
import { ShopData } from '../../src/shopsim/rows/shop-data.js';
import { ShopSimulator } from '../../src/shopsim/shop-simulator.js';
import { createJob } from '../support/cloudsync.js';
import { type TestServer, startTestServer } from '../support/server.js';
import { fullSync, identities, startShop, storedIds } from './rig.js';

/** Generated shops: valid for psif's collector in every content and language, deterministic, cheap. */
describe('a generated shop', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
  });
  afterAll(async () => ts?.close());

  it("passes psif's collector validation for every content it produces, in every language", async () => {
    const sim = await startShop(ts, { source: { generated: { products: 30, languages: 3, orders: 12, customers: 5, carts: 16 } } });
    try {
      for (const lang of sim.languages) {
        const jobId = await createJob(ts, sim.shopId, { full: true, langIso: lang });
        for (const content of catalog.contents) {
          for (const reply of await fullSync(sim, jobId, content.name, { lang, limit: 40 })) {
            expect([200, 201], `${content.name}/${lang}: ${reply.text.slice(0, 500)}`).toContain(reply.status);
          }
        }
      }
      for (const content of catalog.contents) {
        const expected = new Set(sim.languages.flatMap((lang) => [...identities(content, sim.rows(content.name, lang), sim.shopId)]));
        expect((await storedIds(ts, content, sim.shopId)).sort(), content.name).toEqual([...expected].sort());
      }
      expect(sim.count('products', 'es')).toBe(49);
      expect(sim.count('orders')).toBe(12);
      expect(sim.count('order_details')).toBe(24);
      expect(sim.count('cart_products')).toBe(31);
      expect(sim.rows('languages').map((l) => [l.id_lang, l.iso_code, l.name])).toEqual([[1, 'en', 'English (English)'], [2, 'fr', 'Français (French)'], [3, 'es', 'Español (Spanish)']]);
      expect(sim.rows('info')[0]).toMatchObject({ default_language: 'en', languages: 'en;fr;es' });
    } finally {
      await sim.close();
    }
  });
});

describe('generated rows', () => {
  const options = { products: 90, languages: ['en', 'de'], orders: 20 };

  /** The lines of a full-sync page, as the upload carries them. */
  function page(table: ContentTable, lang: string, offset: number, limit: number): string[] {
    const out = new NdjsonWriter(16);
    table.writePage(lang, offset, limit, out);
    return out.lines === 0 ? [] : out.toBuffer().toString('latin1').split('\r\n');
  }

  it('are what PHP would encode, and the same on every run', () => {
    const first = new ShopData(buildDataset({ generated: options }));
    const second = new ShopData(buildDataset({ generated: options }));
    for (const content of catalog.contents) {
      for (const lang of ['en', 'de']) {
        const lines = page(first.table(content.name), lang, 0, 1000);
        expect(lines, `${content.name}/${lang}`).toEqual(first.table(content.name).rows(lang).map((row) => encodeLine(content.collection, row)));
        expect(lines).toEqual(page(second.table(content.name), lang, 0, 1000));
      }
    }
  });

  it("carry the shop's country in its info, with that country's currency and time zone; the fixture's by default", () => {
    const info = (country?: string) => new ShopData(buildDataset({ generated: { ...options, country } })).table('info').rows('en')[0];
    expect(info('de')).toMatchObject({ country_code: 'DE', default_currency: 'EUR', timezone: 'Europe/Berlin', languages: 'en;de' });
    expect(info('PL')).toMatchObject({ country_code: 'PL', default_currency: 'PLN', timezone: 'Europe/Warsaw' });
    expect(info('CH')).toMatchObject({ country_code: 'CH', default_currency: 'EUR', timezone: 'Europe/Paris' });
    expect(info()).toMatchObject({ country_code: 'GB', default_currency: 'EUR', timezone: 'Europe/Paris' });
    expect(() => buildDataset({ generated: { ...options, country: 'FRA' } })).toThrow(/ISO 3166-1 alpha-2/);
    const line = encodeLine('shops', info('FR')!);
    expect(line).toContain('"country_code":"FR"');
  });

  it('give a third of the products 2 to 4 combinations, one default each, every id unique', () => {
    const products = new ShopData(buildDataset({ generated: options })).table('products').rows('en');
    const byProduct = new Map<number, typeof products>();
    for (const row of products) byProduct.set(row.id_product as number, [...(byProduct.get(row.id_product as number) ?? []), row]);
    expect(byProduct.size).toBe(90);
    const combined = [...byProduct.values()].filter((rows) => rows.some((r) => (r.id_attribute as number) > 0));
    expect(combined).toHaveLength(30);
    for (const rows of combined) {
      expect(rows.length).toBeGreaterThanOrEqual(2);
      expect(rows.length).toBeLessThanOrEqual(4);
      expect(rows.filter((r) => r.is_default_attribute === true)).toHaveLength(1);
    }
    expect(new Set(products.map((r) => r.unique_product_id)).size).toBe(products.length);
    expect(new Set(products.filter((r) => (r.id_attribute as number) > 0).map((r) => r.id_attribute)).size).toBe(products.length - 60);
  });

  it('start at once for 100,000 products in 3 languages, and serve any page on demand', async () => {
    const started = performance.now();
    const sim = new ShopSimulator({ shopId: '3a9f6d2e-8c1b-4f5a-9e7d-2b4c6a8e0f13', psifUrl: 'http://127.0.0.1:9', token: 't', source: { generated: { products: 100_000, languages: 3 } } });
    await sim.listen();
    try {
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(sim.count('products', 'es')).toBe(166_667);
      const data = new ShopData(buildDataset({ generated: { products: 100_000, languages: 3 } }));
      const pageStarted = performance.now();
      const lines = page(data.table('products'), 'es', 166_600, 100);
      expect(lines).toHaveLength(67);
      expect(JSON.parse(lines.at(-1)!).properties).toMatchObject({ id_product: 100_000, iso_code: 'es' });
      expect(performance.now() - pageStarted).toBeLessThan(500);
    } finally {
      await sim.close();
    }
  });
});
