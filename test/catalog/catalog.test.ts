import { existsSync, readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog, CatalogError, catalog } from '../../src/catalog/catalog.js';
import { ensureContentTables } from '../../src/catalog/content-tables.js';
import { decodeProperty, parseDatetime } from '../../src/catalog/property-codec.js';
import { type TestServer, startTestServer } from '../support/server.js';

const specCatalog = JSON.parse(readFileSync(new URL('../../src/catalog/catalog.json', import.meta.url), 'utf8')) as any[];
/** The spec sits beside the repository in the development workspace, not in a clone. */
const SPEC = new URL('../../../shared/spec/catalog.json', import.meta.url);
const extensions = JSON.parse(readFileSync(new URL('../../src/catalog/catalog-extensions.json', import.meta.url), 'utf8')) as any;
const withoutComments = <T>(record: Record<string, T>) => Object.fromEntries(Object.entries(record).filter(([k]) => !k.startsWith('$')));
const languageProperty = withoutComments(extensions.languageProperty) as Record<string, string>;
const raw = { rawServerFields: withoutComments(extensions.rawServerFields) as Record<string, Record<string, string>>, rawDecimalText: withoutComments(extensions.rawDecimalText) as Record<string, string[]> };

describe('the catalog', () => {
  it.runIf(existsSync(SPEC))('is a verbatim copy of the spec catalog (where the spec is checked out beside the repository)', () => {
    expect(readFileSync(new URL('../../src/catalog/catalog.json', import.meta.url), 'utf8')).toBe(readFileSync(SPEC, 'utf8'));
  });

  it('has 35 contents and 20 consents', () => {
    expect(catalog.contents).toHaveLength(35);
    expect(catalog.consents).toHaveLength(20);
    expect(catalog.contents.reduce((n, c) => n + c.properties.length, 0)).toBeGreaterThan(450);
    expect(catalog.byUploadCollection('shops')?.name).toBe('info');
    expect(catalog.byPathOrName('cart-products')).toBe(catalog.byPathOrName('cart_products'));
    expect(catalog.contentsOfConsent('orders').map((c) => c.name).sort()).toEqual(['order_carriers', 'order_cart_rules', 'order_details', 'order_status_history', 'orders']);
  });

  it('refuses extensions that disagree with catalog.json', () => {
    const withoutProducts = { ...extensions.deleteMatchers };
    delete withoutProducts.products;
    expect(() => new Catalog(specCatalog, { deleteMatchers: withoutProducts, languageProperty, ...raw })).toThrow(CatalogError);
    expect(() => new Catalog(specCatalog, { deleteMatchers: { ...extensions.deleteMatchers, orders: [{ pattern: '^(\\d+)$', columns: ['id_order'] }] }, languageProperty, ...raw })).toThrow(/deleteKey/);
    expect(() => new Catalog(specCatalog, { deleteMatchers: { ...extensions.deleteMatchers, carriers: [{ pattern: '^(.+)$', columns: ['nope'] }] }, languageProperty, ...raw })).toThrow(/not a property/);
    expect(() => new Catalog(specCatalog, { deleteMatchers: { ...extensions.deleteMatchers, carriers: [{ pattern: '^.+$', columns: ['id_carrier'] }] }, languageProperty, ...raw })).toThrow(/capture group/);
    // Raw API server fields must be ones catalog.json lists as server-side, from "id" or a property.
    const serverFields = (fields: Record<string, string>) => new Catalog(specCatalog, { deleteMatchers: extensions.deleteMatchers, languageProperty, ...raw, rawServerFields: { ...raw.rawServerFields, products: fields } });
    expect(() => serverFields({ idCategoryDefaultBigint: 'id_category_default', password: 'id' })).toThrow(/serverSideFields/);
    expect(() => serverFields({ idCategoryDefaultBigint: 'nope' })).toThrow(/not a property/);
    expect(() => new Catalog(specCatalog, { deleteMatchers: extensions.deleteMatchers, languageProperty, ...raw, rawDecimalText: { products: ['price_tax_excl'] } })).toThrow(/not a text property/);
  });
});

describe('property decoding', () => {
  const prop = (type: string, nullable = false) => ({ name: 'p', camel: 'p', type, nullable, rawType: undefined }) as never;
  it.each([
    ['integer', 12, 12], ['integer', '12', 12], ['integer', '-3', -3], ['integer', 10.0, 10],
    ['number', 1.5, 1.5], ['number', '19.90', 19.9], ['number', 3, 3],
    ['string', 'x', 'x'], ['string', 7, '7'],
    ['boolean', true, true], ['boolean', '0', false], ['boolean', 1, true],
    ['datetime', '2026-02-27T16:58:41+0100', Date.UTC(2026, 1, 27, 15, 58, 41)],
    ['datetime', '2026-02-27T16:58:41+01:00', Date.UTC(2026, 1, 27, 15, 58, 41)],
    ['datetime', '2024-06-10 02:27:21', Date.UTC(2024, 5, 10, 2, 27, 21)],
    ['datetime', '2026-02-27T16:58:41.250Z', Date.UTC(2026, 1, 27, 16, 58, 41, 250)],
    ['datetime', '0000-00-00 00:00:00', null], ['datetime', '', null],
    ['date', '2026-02-28', '2026-02-28'], ['date', '0000-00-00', '0000-00-00'],
    ['object', { Size: 'S' }, '{"Size":"S"}'], ['object', '', '""'], ['object', [], '[]'],
  ])('%s accepts %j', (type, value, stored) => {
    expect(decodeProperty(prop(type), value)).toEqual({ ok: true, value: stored });
  });

  it.each([
    ['integer', 'abc'], ['integer', 1.5], ['integer', 1e20], ['integer', true], ['integer', '12abc'],
    ['number', 'NaN'], ['number', {}], ['number', '1,5'],
    ['string', true], ['string', {}], ['string', ['a']],
    ['boolean', 'yes'], ['boolean', 2], ['boolean', null],
    ['datetime', 'yesterday'], ['datetime', '2026-02-30T10:00:00Z'], ['datetime', '2026-02-27T25:00:00Z'], ['datetime', 1700000000],
    ['date', '2026-13-45'], ['date', '2026-02-29'], ['date', 20260101],
    ['object', 'features'], ['object', 5],
  ])('%s refuses %j', (type, value) => {
    expect(decodeProperty(prop(type), value)).toMatchObject({ ok: false });
  });

  it('null only where the catalog says nullable', () => {
    expect(decodeProperty(prop('string', true), null)).toEqual({ ok: true, value: null });
    expect(decodeProperty(prop('string', false), null)).toEqual({ ok: false, reason: 'must not be null' });
    expect(parseDatetime('2026-02-27T16:58:41-0530')).toBe(Date.UTC(2026, 1, 27, 22, 28, 41));
  });

  it('knows the calendar: leap years and month lengths', () => {
    expect(parseDatetime('2024-02-29T12:00:00Z')).toBe(Date.UTC(2024, 1, 29, 12));
    expect(parseDatetime('2000-02-29 00:00:00')).toBe(Date.UTC(2000, 1, 29));
    for (const invalid of ['2100-02-29 00:00:00', '2026-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-13-01T00:00:00Z', '2026-00-10T00:00:00Z']) expect(parseDatetime(invalid), invalid).toBeUndefined();
    expect(decodeProperty(prop('date', true), '2024-02-29')).toEqual({ ok: true, value: '2024-02-29' });
    expect(decodeProperty(prop('date', true), '2023-02-29').ok).toBe(false);
    expect(parseDatetime('2026-12-31T23:59:59Z')).toBe(Date.UTC(2026, 11, 31, 23, 59, 59));
  });
});

describe('content tables', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
  });
  afterAll(async () => ts?.close());

  it('has one table per content with a column per property and the system columns', async () => {
    const tables = new Map((await ts.server.core.db.kysely.introspection.getTables()).map((t) => [t.name, t]));
    for (const content of catalog.contents) {
      const table = tables.get(content.table);
      expect(table, content.table).toBeDefined();
      const columns = table!.columns.map((c) => c.name);
      expect(columns).toEqual(expect.arrayContaining(['shop_id', 'id', ...content.properties.map((p) => p.name), 'sys_lang', 'sys_job_id', 'sys_created_at', 'sys_updated_at', 'sys_last_synced_at', 'sys_deleted', 'sys_deleted_at']));
      const types = Object.fromEntries(table!.columns.map((c) => [c.name, c.dataType.toLowerCase()]));
      for (const property of content.properties) {
        const expected = ts.server.core.db.backend === 'sqlite'
          ? { string: 'text', integer: 'integer', number: 'real', boolean: 'integer', datetime: 'integer', date: 'text', object: 'text' }[property.type]
          : { string: 'text', integer: 'int8', number: 'float8', boolean: 'bool', datetime: 'int8', date: 'text', object: 'text' }[property.type];
        expect(types[property.name], `${content.table}.${property.name}`).toBe(expected);
      }
    }
  });

  it('adds the columns of properties a newer catalog gains, keeping the data, and is idempotent', async () => {
    const db = ts.server.core.db.kysely;
    await sql`insert into shop_themes (shop_id, id, name, sys_created_at, sys_updated_at, sys_last_synced_at, sys_deleted) values ('s', 't', 'classic', 1, 1, 1, ${ts.server.core.db.backend === 'postgres' ? sql`false` : sql`0`})`.execute(db);
    const grown = specCatalog.map((c) => (c.content === 'themes' ? { ...c, properties: [...c.properties, { name: 'author_name', camel: 'authorName', type: 'string', nullable: true }] } : c));
    const result = await ensureContentTables(db, ts.server.core.db.backend, new Catalog(grown, { deleteMatchers: extensions.deleteMatchers, languageProperty, ...raw }));
    expect(result).toEqual({ created: [], altered: ['shop_themes.author_name'] });
    expect((await sql<{ name: string; author_name: null }>`select name, author_name from shop_themes where shop_id = 's'`.execute(db)).rows).toEqual([{ name: 'classic', author_name: null }]);
    expect(await ensureContentTables(db, ts.server.core.db.backend, catalog)).toEqual({ created: [], altered: [] });
  });
});
