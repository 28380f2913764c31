import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawContents, type RawContent, type RawField } from '../../src/raw/raw-fields.js';
import { PS_VERSIONS, type ShopRig, createJob, fixture, fixtureFiles, registerShop, upload } from '../support/cloudsync.js';
import { documentedAnswers } from '../support/openapi.js';
import { type TestServer, startTestServer } from '../support/server.js';

/** The Expose Raw API over the fixtures of every PrestaShop version (issue 4's must-holds, first part). */
let ts: TestServer;
let vendorToken: string;
const shops = new Map<string, ShopRig>();
const contents = () => rawContents(ts.server.core.catalog);

beforeAll(async () => {
  ts = await startTestServer();
  answers = documentedAnswers(ts.url, 'raw');
  const vendor = await ts.createClient({ kind: 'vendor', name: 'acme' });
  vendorToken = await ts.token(vendor);
  await ts.server.core.shops.modules.create('ps_acme', 'acme');
  for (const version of PS_VERSIONS) {
    const shop = await registerShop(ts);
    await ts.server.core.shops.consents.replace(shop.shopId, 'ps_acme', ts.server.core.catalog.consents, 'test');
    const job = await createJob(ts, shop.shopId, { full: true });
    for (const file of fixtureFiles(version)) {
      const lines = fixture(version, file);
      if (lines.length > 0) expect((await upload(ts, job, lines, { token: shop.token })).status).toBe(201);
    }
    shops.set(version, shop);
  }
});
afterAll(async () => ts?.close());

/** psif writes items with its own encoder, so answers are checked against what the documentation promises. */
let answers: ReturnType<typeof documentedAnswers>;
const documented = (path: string) => answers.validator(path);
const expectDocumented = (path: string, body: unknown) => answers.expectDocumented(path, body);

async function get(path: string, token = vendorToken): Promise<{ status: number; body: any }> {
  const response = await fetch(path.startsWith('http') ? path : `${ts.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json() };
}

/** Every item of a list, following links.next; every page must report the same total (`total` when given). */
async function all(first: string, total?: number): Promise<any[]> {
  const items: any[] = [];
  let next: string | null = first;
  for (let pages = 0; next && pages < 1000; pages++) {
    const page: { status: number; body: any } = await get(next);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    total ??= page.body.total;
    expect(page.body.total, next).toBe(total);
    items.push(...page.body.items);
    next = page.body.links.next;
  }
  return items;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
}

describe.each(PS_VERSIONS)('PrestaShop %s fixtures', (version) => {
  const listed = (raw: RawContent) => raw.content.name !== 'info';

  it('lists every content completely, by offset and by keyset, with the same items; each item by id; 404 otherwise', async () => {
    const shop = shops.get(version)!;
    for (const raw of contents().values()) {
      if (!listed(raw)) continue;
      const base = `/raw/v1/${shop.shopId}/${raw.content.path}`;
      const first = await get(`${base}?limit=7`);
      expect(first.status, `${raw.content.path}: ${JSON.stringify(first.body)}`).toBe(200);
      await expectDocumented(`/raw/v1/{shopId}/${raw.content.path}`, first.body);
      const byOffset = await all(`${base}?limit=7`);
      const byKeyset = await all(`${base}?limit=7&after=`, first.body.total);
      expect(byOffset.length, raw.content.path).toBe(first.body.total);
      expect(byKeyset.map((i) => i.id), raw.content.path).toEqual(byOffset.map((i) => i.id));
      // Also on a never-null server field and on a property (nullable), both ways.
      for (const sort of ['lastSyncedAt', raw.fields.find((f) => !f.notNull && f.compare !== 'none')?.name]) {
        for (const direction of ['asc', 'desc']) {
          if (!sort) continue;
          const offsetIds = (await all(`${base}?limit=6&sort=${sort}&direction=${direction}`)).map((i) => i.id);
          const keysetIds = (await all(`${base}?limit=6&sort=${sort}&direction=${direction}&after=`)).map((i) => i.id);
          expect(keysetIds, `${raw.content.path} sort=${sort} ${direction}`).toEqual(offsetIds);
        }
      }
      expect(new Set(byOffset.map((i) => i.id)).size).toBe(byOffset.length);
      for (const item of byOffset.slice(0, 3)) {
        const one = await get(`${base}/${encodeURIComponent(item.id)}`);
        expect(one.status).toBe(200);
        expect(one.body).toEqual({ kind: raw.content.path, item });
        await expectDocumented(`/raw/v1/{shopId}/${raw.content.path}/{id}`, one.body);
      }
      expect((await get(`${base}/no-such-id`)).body.code).toBe('item_not_found');
    }
  });

  it('sorts both ways on every sortable field and filters by equality and ranges', async () => {
    const shop = shops.get(version)!;
    for (const raw of contents().values()) {
      if (!listed(raw)) continue;
      const base = `/raw/v1/${shop.shopId}/${raw.content.path}`;
      const items = (await get(`${base}?limit=1000`)).body.items as any[];
      if (items.length === 0) continue;
      for (const field of raw.fields.filter((f) => f.compare !== 'none')) {
        for (const direction of ['asc', 'desc'] as const) {
          const sorted = (await get(`${base}?limit=1000&sort=${field.name}&direction=${direction}`)).body.items as any[];
          expect(sorted).toHaveLength(items.length);
          for (let i = 1; i < sorted.length; i++) {
            const order = sortKey(field, sorted[i - 1][field.name], sorted[i][field.name]);
            expect(direction === 'asc' ? order <= 0 : order >= 0, `${raw.content.path} sort=${field.name} ${direction} at ${i}`).toBe(true);
          }
        }
        const sample = items.find((item) => item[field.name] !== null && item[field.name] !== undefined);
        if (!sample) continue;
        const value = sample[field.name];
        const equal = (await get(`${base}?limit=1000&${field.name}=${encodeURIComponent(String(value))}`));
        expect(equal.status, `${raw.content.path} ${field.name}=${value}: ${JSON.stringify(equal.body)}`).toBe(200);
        expect(equal.body.items.length, `${raw.content.path} ${field.name}=${value}`).toBe(items.filter((i) => sameValue(field, i[field.name], value)).length);
        if (['number', 'instant', 'date'].includes(field.compare)) {
          const ranged = await get(`${base}?limit=1000&${field.name}Start=${encodeURIComponent(String(value))}&${field.name}End=${encodeURIComponent(String(value))}`);
          expect(ranged.body.items.length, `${raw.content.path} ${field.name} range`).toBe(equal.body.items.length);
          const above = await get(`${base}?limit=1000&${field.name}Start=${encodeURIComponent(String(value))}`);
          expect(above.body.items.length).toBe(items.filter((i) => i[field.name] !== null && sortKey(field, i[field.name], value) >= 0).length);
          const below = await get(`${base}?limit=1000&${field.name}End=${encodeURIComponent(String(value))}`);
          expect(below.body.items.length).toBe(items.filter((i) => i[field.name] !== null && sortKey(field, i[field.name], value) <= 0).length);
        }
      }
    }
  });
});

function sortKey(field: RawField, a: unknown, b: unknown): number {
  if (field.compare === 'number') return compare(a === null ? null : Number(a), b === null ? null : Number(b));
  if (field.compare === 'boolean') return compare(a === null ? null : Number(a), b === null ? null : Number(b));
  return compare(a, b);
}

function sameValue(field: RawField, a: unknown, b: unknown): boolean {
  if (a === null || a === undefined) return false;
  return field.compare === 'number' ? Number(a) === Number(b) : a === b;
}

describe('the shop route and the envelope', () => {
  it('GET /raw/v1/{shopId}/shop answers the info singleton', async () => {
    const shop = shops.get('9.1')!;
    const { status, body } = await get(`/raw/v1/${shop.shopId}/shop`);
    expect(status).toBe(200);
    expect(body.item).toMatchObject({ id: shop.shopId, shopId: shop.shopId, cmsVersion: expect.any(String), lastSyncedAt: expect.stringMatching(/Z$/) });
    await expectDocumented('/raw/v1/{shopId}/shop', body);
    // The documented schema is strict enough to catch a wrong answer.
    const validate = await documented('/raw/v1/{shopId}/shop');
    expect(validate({ ...body, item: { ...body.item, password: 'x' } })).toBe(false);
    expect(validate({ ...body, item: { ...body.item, id: 42 } })).toBe(false);
  });

  it('counts a keyset walk once: later pages carry the total of its first page in their cursor', async () => {
    const shop = shops.get('9.1')!;
    const base = `/raw/v1/${shop.shopId}/products`;
    const first = await get(`${base}?limit=3&after=&sort=lastSyncedAt`);
    const cursor = new URL(first.body.links.next).searchParams.get('after')!;
    const [sort, direction, value, id, total] = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    expect([sort, direction, total]).toEqual(['lastSyncedAt', 'asc', first.body.total]);
    const forged = (t: unknown) => Buffer.from(JSON.stringify([sort, direction, value, id, t])).toString('base64url');
    expect((await get(`${base}?limit=3&sort=lastSyncedAt&after=${forged(7)}`)).body.total).toBe(7);
    for (const bad of [-1, 1.5, '3', null]) {
      const refused = await get(`${base}?limit=3&sort=lastSyncedAt&after=${forged(bad)}`);
      expect(refused.status, String(bad)).toBe(400);
      expect(refused.body.code).toBe('invalid_cursor');
      expect(JSON.stringify(refused.body)).toContain('after');
    }
    // A cursor made for another order is refused rather than misread.
    expect((await get(`${base}?limit=3&sort=id&after=${cursor}`)).body.code).toBe('invalid_cursor');
  });

  it('keeps the filters in absolute links', async () => {
    const shop = shops.get('9.1')!;
    const { body } = await get(`/raw/v1/${shop.shopId}/products?limit=5&active=true&sort=priceTaxExcl`);
    expect(body.pagination).toEqual({ offset: 0, limit: 5 });
    expect(body.links.next).toMatch(new RegExp(`^${ts.url}/raw/v1/${shop.shopId}/products\\?`));
    const next = new URL(body.links.next);
    expect(Object.fromEntries(next.searchParams)).toEqual({ limit: '5', active: 'true', sort: 'priceTaxExcl', offset: '5' });
    expect(body.links.prev).toBeNull();
    expect(new URL(body.links.last).searchParams.get('offset')).toBe(String(Math.floor((body.total - 1) / 5) * 5));
  });

  it('projects fields', async () => {
    const shop = shops.get('9.1')!;
    const { body } = await get(`/raw/v1/${shop.shopId}/products?limit=2&fields=name,priceTaxExcl`);
    expect(Object.keys(body.items[0]).sort()).toEqual(['id', 'name', 'priceTaxExcl', 'shopId']);
  });
});

describe('types as PrestaShop serves them', () => {
  it('serves decimals that the catalog calls integers unrounded, as documented numbers; fills the server-side ids', async () => {
    const shop = await registerShop(ts);
    await ts.server.core.shops.consents.replace(shop.shopId, 'ps_acme', ts.server.core.catalog.consents, 'test');
    const job = await createJob(ts, shop.shopId, { full: true });
    const first = (file: string) => fixture('9.1', file)[0]!;
    const withProps = (line: any, props: Record<string, unknown>) => ({ ...line, properties: { ...line.properties, ...props } });
    const lines = [
      withProps(first('carriers.json'), { max_weight: 2.5, shipping_handling: 1.25 }),
      // No fixture has carrier taxes: a line as ps_eventbus writes one (strings but the rate).
      { action: 'upsert', collection: 'carrier_taxes', properties: { id_reference: '2', id_zone: '1', id_range: '3', id_carrier_tax: '1', country_id: 'FR', state_ids: '', tax_rate: 5.5 } },
      withProps(first('products.json'), { additional_shipping_cost: '2.500000', unit_price_ratio: 1.5 }),
    ];
    expect((await upload(ts, job, lines, { token: shop.token })).status).toBe(201);
    const carrier = (await get(`/raw/v1/${shop.shopId}/carriers`)).body;
    expect(carrier.items[0]).toMatchObject({ maxWeight: 2.5, shippingHandling: 1.25 });
    await expectDocumented('/raw/v1/{shopId}/carriers', carrier);
    const taxes = (await get(`/raw/v1/${shop.shopId}/carrier-taxes?taxRate=5.5`)).body;
    expect(taxes.items).toHaveLength(1);
    expect(taxes.items[0].taxRate).toBe(5.5);
    expect(taxes.items[0].carrierTaxesUniqueId).toBe(taxes.items[0].id);
    await expectDocumented('/raw/v1/{shopId}/carrier-taxes', taxes);
    const product = (await get(`/raw/v1/${shop.shopId}/products?additionalShippingCostStart=2.4&additionalShippingCostEnd=2.6`)).body;
    expect(product.items).toHaveLength(1);
    expect(product.items[0]).toMatchObject({ additionalShippingCost: 2.5, unitPriceRatio: 1.5, idCategoryDefaultBigint: Number(product.items[0].idCategoryDefault) });
    expect(typeof product.items[0].idCategoryDefault).toBe('string');
    await expectDocumented('/raw/v1/{shopId}/products', product);
    // Server-side fields filter and sort like any other.
    const byUniqueId = await get(`/raw/v1/${shop.shopId}/carrier-taxes?carrierTaxesUniqueId=${encodeURIComponent(taxes.items[0].id)}&sort=carrierTaxesUniqueId`);
    expect(byUniqueId.body.total).toBe(1);
    expect((await get(`/raw/v1/${shop.shopId}/products?idCategoryDefaultBigint=${product.items[0].idCategoryDefaultBigint}`)).body.total).toBe(1);
  });
});

describe('beyond PrestaShop: conditional requests and NDJSON export', () => {
  it('tags JSON answers with an ETag and answers 304 to If-None-Match', async () => {
    const shop = shops.get('9.1')!;
    const url = `${ts.url}/raw/v1/${shop.shopId}/categories?limit=3`;
    const headers = { authorization: `Bearer ${vendorToken}` };
    const first = await fetch(url, { headers });
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    const again = await fetch(url, { headers: { ...headers, 'if-none-match': `W/"other", ${etag}` } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    const other = await fetch(`${url}&offset=3`, { headers: { ...headers, 'if-none-match': etag } });
    expect(other.status).toBe(200);
    expect(other.headers.get('etag')).not.toBe(etag);
  });

  it('streams a whole filtered table as NDJSON, in order, equal to the paged listing', async () => {
    const shop = shops.get('9.1')!;
    const query = 'active=true&sort=priceTaxExcl&direction=desc';
    const response = await fetch(`${ts.url}/raw/v1/${shop.shopId}/products?${query}&limit=2`, { headers: { authorization: `Bearer ${vendorToken}`, accept: 'application/x-ndjson' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = (await response.text()).trimEnd().split('\n').map((line) => JSON.parse(line));
    const paged = await all(`/raw/v1/${shop.shopId}/products?${query}&limit=4`);
    expect(lines.length).toBeGreaterThan(2);
    expect(lines).toEqual(paged);
    // The same through many small keyset pages, as a big table is read.
    const { RawQuery } = await import('../../src/raw/raw-query.js');
    const { createReadQuery } = await import('../../src/platform/db/read-query.js');
    const small = new RawQuery(createReadQuery(ts.server.core.db), ts.server.core.db.backend, 5);
    const streamed: unknown[] = [];
    const products = contents().get('products')!;
    for await (const item of small.stream(products, { shopId: shop.shopId, query: { active: true, sort: 'priceTaxExcl', direction: 'desc' } })) streamed.push(item);
    expect(streamed).toEqual(paged);
  });
});

describe('tenant isolation, from the attacker side', () => {
  it('vendor B reads nothing of the shops that consented to vendor A', async () => {
    const other = await ts.token(await ts.createClient({ kind: 'vendor', name: 'mallory' }));
    await ts.server.core.shops.modules.create('ps_mallory', 'mallory');
    const shop = shops.get('9.1')!;
    for (const path of ['products', 'products/1-2-en', 'shop', 'orders']) {
      const response = await get(`/raw/v1/${shop.shopId}/${path}`, other);
      expect(response.status, path).toBe(403);
      expect(response.body.code).toBe('consent_missing');
    }
    // An unknown shop answers like a shop without consent.
    expect((await get(`/raw/v1/${randomUUID()}/products`)).status).toBe(403);
  });

  it('a revoked consent answers 403 on the very next request', async () => {
    const shop = shops.get('8')!;
    expect((await get(`/raw/v1/${shop.shopId}/customers`)).status).toBe(200);
    await ts.server.core.shops.consents.change(shop.shopId, 'ps_acme', { accepted: [], revoked: ['customers'] }, 'test');
    const refused = await get(`/raw/v1/${shop.shopId}/customers`);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('"customers"');
    expect((await get(`/raw/v1/${shop.shopId}/products`)).status).toBe(200);
  });

  it('shop and admin tokens cannot use the Raw API; strangers get 401', async () => {
    const shop = shops.get('9.1')!;
    expect((await get(`/raw/v1/${shop.shopId}/products`, shop.token)).status).toBe(403);
    const admin = await ts.token(await ts.createClient({ kind: 'admin', name: 'ops' }));
    expect((await get(`/raw/v1/${shop.shopId}/products`, admin)).status).toBe(403);
    expect((await fetch(`${ts.url}/raw/v1/${shop.shopId}/products`)).status).toBe(401);
  });

  it.each([
    ['limit=1001', 'limit'], ['limit=0', 'limit'], ['offset=-1', 'offset'], ['sort=password', 'sort'], ['direction=sideways', 'direction'],
    ["idProduct=1%20OR%201=1", 'idProduct'], ['idProduct=1;drop%20table%20shop_products', 'idProduct'], ['active=maybe', 'active'],
    ["name=x'%20OR%20'1'='1", null], ['createdAtStart=yesterday', 'createdAtStart'], ['bogus=1', 'bogus'], ['nameStart=a', 'nameStart'],
    ['after=garbage', 'after'], ['offset=5&after=', 'after'], ['fields=password', 'fields'], ['limit[]=5', 'limit'],
  ])('rejects or neutralises %s', async (query, parameter) => {
    const shop = shops.get('9.1')!;
    const response = await get(`/raw/v1/${shop.shopId}/products?${query}`);
    if (parameter === null) {
      // A quoted string is a value like any other: no match, no error.
      expect(response).toMatchObject({ status: 200, body: { total: 0, items: [] } });
      return;
    }
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(JSON.stringify(response.body)).toContain(parameter);
  });

  it("a row of a shop the vendor may not read answers 404 through a shop it may read, 403 through its own", async () => {
    const readable = shops.get('9.1')!;
    const foreign = await registerShop(ts);
    await ts.createClient({ kind: 'vendor', name: 'other' });
    await ts.server.core.shops.modules.create('ps_other', 'other');
    await ts.server.core.shops.consents.replace(foreign.shopId, 'ps_other', ['info', 'carriers'], 'test');
    const job = await createJob(ts, foreign.shopId, { full: true });
    const carrier = fixture('9.1', 'carriers.json')[0]!;
    const secret = { ...carrier, properties: { ...carrier.properties, id_carrier: 987_654, id_reference: 987_654, name: 'secret carrier' } };
    expect((await upload(ts, job, [secret], { token: foreign.token })).status).toBe(201);
    const ids = (await get(`/raw/v1/${readable.shopId}/carriers?limit=1000`)).body.items.map((i: any) => i.id);
    const secretId = (await ts.server.core.db.kysely.selectFrom('shop_carriers' as any).select('id').where('shop_id', '=', foreign.shopId).executeTakeFirstOrThrow()).id as string;
    expect(ids).not.toContain(secretId);
    const through = await get(`/raw/v1/${readable.shopId}/carriers/${encodeURIComponent(secretId)}`);
    expect(through.status).toBe(404);
    expect(JSON.stringify(through.body)).not.toContain('secret carrier');
    expect((await get(`/raw/v1/${readable.shopId}/carriers?name=secret%20carrier`)).body.total).toBe(0);
    expect((await get(`/raw/v1/${foreign.shopId}/carriers/${encodeURIComponent(secretId)}`)).status).toBe(403);
  });

  it('no query parameter of a list is an injection point: typed ones are refused, text ones match nothing, tables stay whole', async () => {
    const shop = shops.get('9.1')!;
    const products = contents().get('products')!;
    const doc = (await (await fetch(`${ts.url}/openapi/raw.json`)).json()) as any;
    const parameters = (doc.paths['/raw/v1/{shopId}/products'].get.parameters as Array<{ name: string; in: string; schema: any }>).filter((p) => p.in === 'query');
    expect(parameters.length).toBeGreaterThan(products.fields.length);
    const before = (await get(`/raw/v1/${shop.shopId}/products?limit=1`)).body.total;
    const payloads = ["1' OR '1'='1", '1 OR 1=1', '1; DROP TABLE shop_products; --', '") OR ("a"="a', '%', '*', "'||(SELECT 1)||'"];
    for (const { name, schema } of parameters) {
      for (const payload of payloads) {
        const response = await get(`/raw/v1/${shop.shopId}/products?${name}=${encodeURIComponent(payload)}`);
        const label = `${name}=${payload}`;
        if (schema.type === 'string' && !schema.enum && !schema.format && !schema.pattern && name !== 'after' && name !== 'fields') {
          // A text filter: the payload is a value like any other.
          expect(response.status, `${label}: ${JSON.stringify(response.body)}`).toBe(200);
          expect(response.body.total, label).toBe(0);
        } else {
          expect(response.status, `${label}: ${JSON.stringify(response.body)}`).toBe(400);
          expect(JSON.stringify(response.body), label).toContain(name);
        }
      }
    }
    expect((await get(`/raw/v1/${shop.shopId}/products?limit=1`)).body.total).toBe(before);
  });

  it.each([
    ['limit=5&limit=6', 'limit'], ['name=a&name=b', 'name'], ['sort[]=id', 'sort[]'], ['active[x]=1', 'active[x]'], ['priceTaxExcl=1e999', 'priceTaxExcl'],
    ['priceTaxExcl=0x10', 'priceTaxExcl'], ['priceTaxExcl=%2010', 'priceTaxExcl'], ['priceTaxExcl=', 'priceTaxExcl'], ['createdAt=2024-13-45T99:99:99Z', 'createdAt'],
    ['offset=1e3', null], ['priceTaxExclStart=-1.5e1', null], ['limit=10.5', 'limit'], ['deleted=1', 'deleted'], ['deleted=false', null],
  ])('type confusion: %s', async (query, parameter) => {
    const shop = shops.get('9.1')!;
    const response = await get(`/raw/v1/${shop.shopId}/products?${query}`);
    if (parameter === null) {
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return;
    }
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(JSON.stringify(response.body)).toContain(parameter);
  });
});
