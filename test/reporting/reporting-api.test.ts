import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncTaskTable } from '../../src/platform/db/schema.js';
import { errorCodeInfo } from '../../src/sync/error-codes.js';
import { type ShopRig, createJob, fixture, registerShop, upload } from '../support/cloudsync.js';
import { documentedAnswers } from '../support/openapi.js';
import { type TestServer, startTestServer } from '../support/server.js';
import { DAY, HOUR, type Vendor, createVendor, healthCheckAnswer, insertErrors, insertHealth, insertState, insertTask } from './seed.js';

/**
 * Every Reporting API route against rows seeded as the orchestrator writes them: shapes (checked against
 * the published OpenAPI document), values, pagination and filters, hourly buckets and windows.
 *
 * Shop A (en, fr) consents to acme for products, orders and customers, and to globex for carts; shop B to
 * acme for products; shop C to globex for products. The server runs as `api` only: no worker pulls the
 * shops (their URLs answer nothing) and adds rows of its own.
 */
let ts: TestServer;
let acme: Vendor;
let globex: Vendor;
let shopA: ShopRig;
let shopB: ShopRig;
let shopC: ShopRig;
let onboardedFrom: number;
let onboardedTo: number;
const now = Date.now();
/** An hour boundary five hours ago: the seeded errors fall in the three hours after it. */
const H = Math.floor(now / HOUR) * HOUR - 5 * HOUR;
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
/** The tasks seeded for shop A, newest first, as the API must order them. */
let tasksA: SyncTaskTable[] = [];

beforeAll(async () => {
  ts = await startTestServer({ PSIF_ROLE: 'api' });
  answers = documentedAnswers(ts.url, 'reporting');
  acme = await createVendor(ts, 'acme');
  globex = await createVendor(ts, 'globex');
  shopA = await registerShop(ts, { languages: ['en', 'fr'] });
  shopB = await registerShop(ts);
  shopC = await registerShop(ts);
  const consents = ts.server.core.shops.consents;
  onboardedFrom = Date.now();
  await consents.replace(shopA.shopId, acme.module, ['products', 'orders', 'customers'], 'test');
  onboardedTo = Date.now();
  await consents.replace(shopA.shopId, globex.module, ['carts'], 'test');
  await consents.replace(shopB.shopId, acme.module, ['products'], 'test');
  await consents.replace(shopC.shopId, globex.module, ['products'], 'test');

  // Rows in the content tables: products in en and fr (per language), customers (not), one product deleted.
  const job = await createJob(ts, shopA.shopId, { full: true });
  const products = fixture('9.1', 'products.json');
  const french = products.slice(0, 20).map((line) => ({ ...line, properties: { ...line.properties, iso_code: 'fr' } }));
  for (const lines of [products, french, fixture('9.1', 'customers.json')]) expect((await upload(ts, job, lines, { token: shopA.token })).status).toBe(201);
  await sql`update shop_products set sys_deleted = ${ts.server.core.db.backend === 'postgres' ? sql`true` : sql`1`} where shop_id = ${shopA.shopId} and sys_lang = 'en' and id = (select min(id) from shop_products where shop_id = ${shopA.shopId} and sys_lang = 'en')`.execute(ts.server.core.db.kysely);

  // Onboarding history: acme onboarded A 30 days ago, offboarded 20 days ago, onboarded again in the setup above.
  await ts.server.core.db.kysely.insertInto('consent_events').values([
    { event_id: crypto.randomUUID(), shop_id: shopA.shopId, module_name: acme.module, consent: 'info', action: 'granted', via: 'test', at: now - 30 * DAY },
    { event_id: crypto.randomUUID(), shop_id: shopA.shopId, module_name: acme.module, consent: 'products', action: 'granted', via: 'test', at: now - 30 * DAY },
    { event_id: crypto.randomUUID(), shop_id: shopA.shopId, module_name: acme.module, consent: 'products', action: 'revoked', via: 'test', at: now - 20 * DAY },
    { event_id: crypto.randomUUID(), shop_id: shopA.shopId, module_name: acme.module, consent: 'info', action: 'revoked', via: 'test', at: now - 20 * DAY },
    { event_id: crypto.randomUUID(), shop_id: shopA.shopId, module_name: globex.module, consent: 'info', action: 'granted', via: 'test', at: now - 60 * DAY },
  ]).execute();

  await seedTasks();
  await seedStates();
  await seedErrors();
  await insertHealth(ts, { shop_id: shopA.shopId, checked_at: now - 5 * MIN, latency_ms: 230, report: JSON.stringify(healthCheckAnswer(shopA.shopId)), last_healthy_at: now - 5 * MIN });
  await insertHealth(ts, { shop_id: shopC.shopId, checked_at: now - MIN, healthy: 0, latency_ms: 10_000, http_status: null, error_code: 'timeout', error_message: 'no answer in 10 s', last_healthy_at: null });
});
afterAll(async () => ts?.close());

const CONTENTS = ['products', 'orders', 'customers', 'carts', 'order_details'];
const STATUSES = ['succeeded', 'failed', 'succeeded', 'cancelled', 'succeeded'] as const;
const TRIGGERS = ['consent', 'api', 'shop', 'live_sync', 'schedule', 'resync'];

async function seedTasks(): Promise<void> {
  const rows: SyncTaskTable[] = [];
  for (let i = 0; i < 30; i++) {
    const content = CONTENTS[i % CONTENTS.length]!;
    const status = STATUSES[i % STATUSES.length]!;
    const failed = status === 'failed';
    rows.push((await insertTask(ts, {
      shop_id: shopA.shopId,
      content,
      lang_iso: content === 'products' && i % 2 === 1 ? 'fr' : 'en',
      mode: i % 3 === 0 ? 'full' : 'incremental',
      trigger: TRIGGERS[i % TRIGGERS.length]!,
      status,
      // Two pairs share a creation instant: the order falls back on the id.
      created_at: now - (i === 7 ? 6 : i === 21 ? 20 : i) * 10 * MIN - 2 * HOUR,
      ...(failed ? { error_code: '500', error_message: 'HTTP 500 from the shop', failures: 5 } : {}),
      ...(status === 'succeeded' && i % 3 === 0 ? { reconciled: i } : {}),
    })) as SyncTaskTable);
  }
  rows.push((await insertTask(ts, { shop_id: shopA.shopId, content: 'products', lang_iso: 'fr', mode: 'full', trigger: 'consent', status: 'running', created_at: now - 10 * MIN, started_at: now - 9 * MIN, finished_at: null, pages: 4, objects: 200, remaining: 800 })) as SyncTaskTable);
  rows.push((await insertTask(ts, { shop_id: shopA.shopId, content: 'customers', lang_iso: 'en', mode: 'incremental', trigger: 'live_sync', status: 'queued', created_at: now - MIN, started_at: null, finished_at: null, pages: 0, objects: 0, remaining: null, calls: 0 })) as SyncTaskTable);
  // Another shop's task never shows.
  await insertTask(ts, { shop_id: shopB.shopId, content: 'products', created_at: now - MIN });
  tasksA = rows.filter((r) => r.content !== 'carts').sort((a, b) => b.created_at - a.created_at || (a.task_id < b.task_id ? 1 : -1));
}

async function seedStates(): Promise<void> {
  const a = shopA.shopId;
  await insertState(ts, { shop_id: a, content: 'products', lang_iso: 'en', mode: 'incremental', first_full_sync_finished_at: now - 10 * DAY, last_full_sync_started_at: now - DAY - HOUR, last_full_sync_finished_at: now - DAY, last_incremental_at: now - 10 * MIN, last_success_at: now - 10 * MIN, last_error_at: now - HOUR, last_error_code: '500' });
  await insertState(ts, { shop_id: a, content: 'products', lang_iso: 'fr', mode: 'full', last_full_sync_started_at: now - 10 * MIN, last_success_at: now - 2 * MIN });
  await insertState(ts, { shop_id: a, content: 'customers', lang_iso: 'en', mode: 'incremental', first_full_sync_finished_at: now - 3 * DAY, last_full_sync_started_at: now - 3 * DAY - HOUR, last_full_sync_finished_at: now - 3 * DAY, last_incremental_at: now - 2 * HOUR, last_success_at: now - 2 * HOUR });
  await insertState(ts, { shop_id: a, content: 'carts', lang_iso: 'en', mode: 'incremental', first_full_sync_finished_at: now - DAY, last_success_at: now - MIN });
}

async function seedErrors(): Promise<void> {
  const [a, b, c] = [shopA.shopId, shopB.shopId, shopC.shopId];
  await insertErrors(ts, { shop_id: a, content: 'products', code: '500', at: H + MIN }, 2);
  await insertErrors(ts, { shop_id: a, content: 'products', code: '500', at: H + HOUR + MIN, lang_iso: 'fr' });
  await insertErrors(ts, { shop_id: a, content: 'orders', code: 'collector_413', at: H + 30 * MIN });
  await insertErrors(ts, { shop_id: a, content: 'customers', code: 'timeout', at: H + HOUR + 10 * MIN, http_status: null });
  await insertErrors(ts, { shop_id: a, content: 'customers', code: 'timeout', at: H + 2 * HOUR, http_status: null });
  await insertErrors(ts, { shop_id: a, content: 'carts', code: '454', at: H + 20 * MIN }, 4);
  await insertErrors(ts, { shop_id: a, content: 'products', code: '452', at: now - 40 * DAY });
  await insertErrors(ts, { shop_id: b, content: 'products', code: '458', at: H + 10 * MIN });
  await insertErrors(ts, { shop_id: c, content: 'products', code: '500', at: H + 15 * MIN }, 5);
}

let answers: ReturnType<typeof documentedAnswers>;
/** The route's 200 answer schema as /openapi/reporting.json publishes it. */
const expectDocumented = (path: string, body: unknown) => answers.expectDocumented(path, body);

async function get(path: string, token = acme.token): Promise<{ status: number; body: any }> {
  const response = await fetch(path.startsWith('http') ? path : `${ts.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json() };
}

const describeCode = (code: string) => errorCodeInfo(code).description;

describe("PrestaShop's routes, in the Go client's shapes", () => {
  it('shop-sync-setup: the shop URL, the contents acme may see (snake_case, catalog order), the languages', async () => {
    const { status, body } = await get(`/reporting/v1/shop-sync-setup/${shopA.shopId}`);
    expect(status).toBe(200);
    expect(body).toEqual({
      targetUrl: `http://127.0.0.1:9/shop-${shopA.shopId.slice(0, 8)}`,
      shopContent: ['bundles', 'customers', 'orders', 'order_carriers', 'order_cart_rules', 'order_details', 'order_status_history', 'products', 'custom_product_carriers', 'product_suppliers', 'info', 'specific_prices'],
      shopLanguages: ['en', 'fr'],
    });
    await expectDocumented('/reporting/v1/shop-sync-setup/{shopId}', body);
    expect((await get(`/reporting/v1/shop-sync-setup/${shopA.shopId}`, globex.token)).body.shopContent).toEqual(['carts', 'cart_products', 'cart_rules', 'info']);
  });

  it('shop-sync-summary: a per-language content is first synced once every language is; the last sync is the latest pull', async () => {
    const products = await get(`/reporting/v1/shop-sync-summary/${shopA.shopId}?shopContent=products`);
    expect(products).toEqual({ status: 200, body: { firstSyncFinishedAt: null, lastSyncFinishedAt: iso(now - 10 * MIN), shopContent: 'products' } });
    await expectDocumented('/reporting/v1/shop-sync-summary/{shopId}', products.body);
    const customers = await get(`/reporting/v1/shop-sync-summary/${shopA.shopId}?shopContent=customers`);
    expect(customers.body).toEqual({ firstSyncFinishedAt: iso(now - 3 * DAY), lastSyncFinishedAt: iso(now - 2 * HOUR), shopContent: 'customers' });
    // kebab-case in, snake_case out; never synced: both null.
    expect((await get(`/reporting/v1/shop-sync-summary/${shopA.shopId}?shopContent=order-details`)).body).toEqual({ firstSyncFinishedAt: null, lastSyncFinishedAt: null, shopContent: 'order_details' });
  });

  it('shop-sync-summary: shopContent is required, known, and covered by the consents', async () => {
    const missing = await get(`/reporting/v1/shop-sync-summary/${shopA.shopId}`);
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body)).toContain('shopContent');
    expect((await get(`/reporting/v1/shop-sync-summary/${shopA.shopId}?shopContent=passwords`)).status).toBe(400);
    const carts = await get(`/reporting/v1/shop-sync-summary/${shopA.shopId}?shopContent=carts`);
    expect(carts).toMatchObject({ status: 403, body: { statusCode: 403, code: 'consent_missing', details: { consent: 'carts' } } });
    expect(carts.body.message).toContain('"carts"');
    expect((await get(`/reporting/v1/shop-sync-summary/${shopA.shopId}?shopContent=carts`, globex.token)).body).toEqual({ firstSyncFinishedAt: iso(now - DAY), lastSyncFinishedAt: null, shopContent: 'carts' });
  });

  it("shop-sync-onboarding: the first and last grant of info to the vendor's modules", async () => {
    const { status, body } = await get(`/reporting/v1/shop-sync-onboarding/${shopA.shopId}`);
    expect(status).toBe(200);
    expect(body.firstOnboarding).toBe(iso(now - 30 * DAY));
    expect(Date.parse(body.lastOnboarding)).toBeGreaterThanOrEqual(onboardedFrom);
    expect(Date.parse(body.lastOnboarding)).toBeLessThanOrEqual(onboardedTo);
    expect(body.targetUrl).toBe(`http://127.0.0.1:9/shop-${shopA.shopId.slice(0, 8)}`);
    await expectDocumented('/reporting/v1/shop-sync-onboarding/{shopId}', body);
    expect((await get(`/reporting/v1/shop-sync-onboarding/${shopA.shopId}`, globex.token)).body.firstOnboarding).toBe(iso(now - 60 * DAY));
    const b = (await get(`/reporting/v1/shop-sync-onboarding/${shopB.shopId}`)).body;
    expect(b.firstOnboarding).toBe(b.lastOnboarding);
  });

  const window = `start=${encodeURIComponent(iso(H - HOUR))}&end=${encodeURIComponent(iso(H + 3 * HOUR))}`;

  it('shop errors: counts per code in the window, most frequent first, of the contents acme may see', async () => {
    const { status, body } = await get(`/reporting/v1/shop/${shopA.shopId}/errors?${window}`);
    expect(status).toBe(200);
    expect(body).toEqual({
      start: iso(H - HOUR),
      end: iso(H + 3 * HOUR),
      errors: [
        { code: 500, distribution: 3, description: describeCode('500'), errorCode: '500' },
        { code: 0, distribution: 2, description: describeCode('timeout'), errorCode: 'timeout' },
        { code: 413, distribution: 1, description: describeCode('collector_413'), errorCode: 'collector_413' },
      ],
    });
    await expectDocumented('/reporting/v1/shop/{shopId}/errors', body);
    // globex sees the carts errors of the same shop, and only those.
    expect((await get(`/reporting/v1/shop/${shopA.shopId}/errors?${window}`, globex.token)).body.errors).toEqual([{ code: 454, distribution: 4, description: describeCode('454'), errorCode: '454' }]);
  });

  it('vendor errors: every shop consenting to the vendor, or one of them; vendorId is the client id or the name', async () => {
    const expected = [
      { code: 500, distribution: 3, description: describeCode('500'), errorCode: '500' },
      { code: 0, distribution: 2, description: describeCode('timeout'), errorCode: 'timeout' },
      { code: 458, distribution: 1, description: describeCode('458'), errorCode: '458' },
      { code: 413, distribution: 1, description: describeCode('collector_413'), errorCode: 'collector_413' },
    ];
    for (const vendorId of ['acme', acme.client.clientId]) {
      const { status, body } = await get(`/reporting/v1/vendor/${vendorId}/errors?${window}`);
      expect(status, JSON.stringify(body)).toBe(200);
      expect(body).toEqual({ start: iso(H - HOUR), end: iso(H + 3 * HOUR), errors: expected });
      await expectDocumented('/reporting/v1/vendor/{vendorId}/errors', body);
    }
    expect((await get(`/reporting/v1/vendor/acme/errors?shopId=${shopB.shopId}&${window}`)).body.errors).toEqual([expected[2]]);
    expect((await get(`/reporting/v1/vendor/globex/errors?${window}`, globex.token)).body.errors.map((e: any) => [e.errorCode, e.distribution])).toEqual([['500', 5], ['454', 4]]);
    expect((await get(`/reporting/v1/vendor/globex/errors?shopId=${shopA.shopId}&${window}`, globex.token)).body.errors.map((e: any) => [e.errorCode, e.distribution])).toEqual([['454', 4]]);
  });

  it('a window is [start, end): an error at start counts, one at end does not; the default is the last 24 hours', async () => {
    const exact = await get(`/reporting/v1/shop/${shopA.shopId}/errors?start=${encodeURIComponent(iso(H + 30 * MIN))}&end=${encodeURIComponent(iso(H + HOUR + MIN))}`);
    expect(exact.body.errors.map((e: any) => [e.errorCode, e.distribution])).toEqual([['collector_413', 1]]);
    const before = Date.now();
    const byDefault = await get(`/reporting/v1/shop/${shopA.shopId}/errors`);
    const end = Date.parse(byDefault.body.end);
    expect(end).toBeGreaterThanOrEqual(before);
    expect(end - Date.parse(byDefault.body.start)).toBe(DAY);
    expect(byDefault.body.errors.map((e: any) => [e.errorCode, e.distribution])).toEqual([['500', 3], ['timeout', 2], ['collector_413', 1]]);
    // start alone runs to now: 40 days back reaches the 452.
    const long = await get(`/reporting/v1/shop/${shopA.shopId}/errors?start=${encodeURIComponent(iso(now - 41 * DAY))}`);
    expect(long.body.errors.map((e: any) => e.errorCode)).toContain('452');
    // end alone: the 24 hours before it.
    const endOnly = await get(`/reporting/v1/shop/${shopA.shopId}/errors?end=${encodeURIComponent(iso(now - 39 * DAY))}`);
    expect(endOnly.body).toMatchObject({ start: iso(now - 40 * DAY), errors: [{ errorCode: '452', code: 452, distribution: 1 }] });
    // An offset is an instant like any other.
    const offset = await get(`/reporting/v1/shop/${shopA.shopId}/errors?start=${encodeURIComponent(iso(H + 30 * MIN).replace('Z', '+00:00'))}&end=${encodeURIComponent(iso(H + HOUR + MIN))}`);
    expect(offset.body.start).toBe(iso(H + 30 * MIN));
  });

  it.each([
    ['end before start', `start=${encodeURIComponent('2025-01-02T00:00:00Z')}&end=${encodeURIComponent('2025-01-01T00:00:00Z')}`, 'invalid_window', 'end'],
    ['an empty window', `start=${encodeURIComponent('2025-01-01T00:00:00Z')}&end=${encodeURIComponent('2025-01-01T00:00:00Z')}`, 'invalid_window', 'end'],
    ['more than 90 days', `start=${encodeURIComponent('2025-01-01T00:00:00Z')}&end=${encodeURIComponent('2025-04-02T00:00:00Z')}`, 'invalid_window', '90 days'],
    ['a date without a time', 'start=2025-01-01', 'validation_failed', 'start'],
    ['an impossible date', `start=${encodeURIComponent('2025-02-30T00:00:00Z')}`, 'validation_failed', 'start'],
    ['epoch milliseconds', 'end=1735689600000', 'validation_failed', 'end'],
    ['a leap second', `start=${encodeURIComponent('2016-12-31T23:59:60Z')}`, 'validation_failed', 'start'],
    ['a repeated parameter', 'start=2025-01-01T00:00:00Z&start=2025-01-02T00:00:00Z', 'validation_failed', 'start'],
    ['an unknown parameter', 'since=2025-01-01T00:00:00Z', 'validation_failed', 'since'],
    ['shopId on a shop route', `shopId=${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}`, 'validation_failed', 'shopId'],
  ])('refuses %s', async (_name, query, code, mentioned) => {
    for (const path of [`/reporting/v1/shop/${shopA.shopId}/errors`, `/reporting/v1/shop/${shopA.shopId}/errors/hourly`]) {
      const { status, body } = await get(`${path}?${query}`);
      expect(status, `${path}?${query}: ${JSON.stringify(body)}`).toBe(400);
      expect(body.code).toBe(code);
      expect(JSON.stringify(body)).toContain(mentioned);
    }
    if (!query.startsWith('shopId')) expect((await get(`/reporting/v1/vendor/acme/errors?${query}`)).status).toBe(400);
  });

  it('a window of exactly 90 days is accepted', async () => {
    const { status } = await get(`/reporting/v1/vendor/acme/errors?start=${encodeURIComponent('2025-01-01T00:00:00Z')}&end=${encodeURIComponent('2025-04-01T00:00:00Z')}`);
    expect(status).toBe(200);
  });
});

describe('hourly error series', () => {
  const window = `start=${encodeURIComponent(iso(H - HOUR))}&end=${encodeURIComponent(iso(H + 3 * HOUR))}`;

  it('counts per UTC hour and code, hours without errors left out', async () => {
    const { status, body } = await get(`/reporting/v1/shop/${shopA.shopId}/errors/hourly?${window}`);
    expect(status).toBe(200);
    expect(body).toEqual({
      start: iso(H - HOUR),
      end: iso(H + 3 * HOUR),
      buckets: [
        { hour: iso(H), code: '500', count: 2 },
        { hour: iso(H), code: 'collector_413', count: 1 },
        { hour: iso(H + HOUR), code: '500', count: 1 },
        { hour: iso(H + HOUR), code: 'timeout', count: 1 },
        { hour: iso(H + 2 * HOUR), code: 'timeout', count: 1 },
      ],
    });
    await expectDocumented('/reporting/v1/shop/{shopId}/errors/hourly', body);
  });

  it("sums to the totals; the vendor series covers the vendor's shops", async () => {
    const hourly = (await get(`/reporting/v1/vendor/acme/errors/hourly?${window}`)).body;
    await expectDocumented('/reporting/v1/vendor/{vendorId}/errors/hourly', hourly);
    expect(hourly.buckets).toContainEqual({ hour: iso(H), code: '458', count: 1 });
    const totals = (await get(`/reporting/v1/vendor/acme/errors?${window}`)).body.errors;
    const summed = new Map<string, number>();
    for (const b of hourly.buckets) summed.set(b.code, (summed.get(b.code) ?? 0) + b.count);
    expect(Object.fromEntries(summed)).toEqual(Object.fromEntries(totals.map((e: any) => [e.errorCode, e.distribution])));
    const globexBuckets = (await get(`/reporting/v1/vendor/${globex.client.clientId}/errors/hourly?${window}`, globex.token)).body.buckets;
    expect(globexBuckets).toEqual([{ hour: iso(H), code: '454', count: 4 }, { hour: iso(H), code: '500', count: 5 }]);
    const one = (await get(`/reporting/v1/vendor/acme/errors/hourly?shopId=${shopB.shopId}&${window}`)).body.buckets;
    expect(one).toEqual([{ hour: iso(H), code: '458', count: 1 }]);
  });

  it('puts an error at the last millisecond of an hour in that hour', async () => {
    const shop = await registerShop(ts);
    await ts.server.core.shops.consents.replace(shop.shopId, acme.module, ['products'], 'test');
    const base = H - 48 * HOUR;
    await insertErrors(ts, { shop_id: shop.shopId, content: 'products', code: '503', at: base + HOUR - 1 });
    await insertErrors(ts, { shop_id: shop.shopId, content: 'products', code: '503', at: base + HOUR });
    const { body } = await get(`/reporting/v1/shop/${shop.shopId}/errors/hourly?start=${encodeURIComponent(iso(base))}&end=${encodeURIComponent(iso(base + 2 * HOUR))}`);
    expect(body.buckets).toEqual([{ hour: iso(base), code: '503', count: 1 }, { hour: iso(base + HOUR), code: '503', count: 1 }]);
  });
});
describe('job history', () => {
  const jobView = (t: SyncTaskTable) => ({
    id: t.task_id,
    shopContent: t.content,
    langIso: t.lang_iso,
    mode: t.mode,
    trigger: t.trigger,
    status: t.status,
    pages: t.pages,
    objects: t.objects,
    remaining: t.remaining,
    calls: t.calls,
    failures: t.failures,
    reconciled: t.reconciled,
    createdAt: iso(t.created_at),
    startedAt: t.started_at === null ? null : iso(t.started_at),
    finishedAt: t.finished_at === null ? null : iso(t.finished_at),
    durationMs: t.started_at !== null && t.finished_at !== null ? t.finished_at - t.started_at : null,
    lastError: t.error_code === null ? null : { code: t.error_code, message: t.error_message, description: describeCode(t.error_code) },
  });

  async function all(first: string): Promise<any[]> {
    const items: any[] = [];
    let next: string | null = first;
    let total: number | undefined;
    for (let pages = 0; next && pages < 100; pages++) {
      const page: { status: number; body: any } = await get(next);
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      total ??= page.body.total;
      expect(page.body.total).toBe(total);
      items.push(...page.body.items);
      next = page.body.links.next;
    }
    expect(items).toHaveLength(total!);
    return items;
  }

  it('pages newest first, 10 by default, with absolute links; hides the contents acme may not see', async () => {
    const { status, body } = await get(`/reporting/v1/shop/${shopA.shopId}/jobs`);
    expect(status).toBe(200);
    expect(body.kind).toBe('sync-jobs');
    expect(body.total).toBe(tasksA.length);
    expect(body.pagination).toEqual({ offset: 0, limit: 10 });
    expect(body.items).toEqual(tasksA.slice(0, 10).map(jobView));
    expect(body.links).toEqual({
      first: `${ts.url}/reporting/v1/shop/${shopA.shopId}/jobs?offset=0`,
      last: `${ts.url}/reporting/v1/shop/${shopA.shopId}/jobs?offset=${Math.floor((tasksA.length - 1) / 10) * 10}`,
      prev: null,
      next: `${ts.url}/reporting/v1/shop/${shopA.shopId}/jobs?offset=10`,
    });
    await expectDocumented('/reporting/v1/shop/{shopId}/jobs', body);
    expect(body.items.map((i: any) => i.shopContent)).not.toContain('carts');
    expect((await all(`/reporting/v1/shop/${shopA.shopId}/jobs?limit=7`)).map((i) => i.id)).toEqual(tasksA.map((t) => t.task_id));
    const page = await get(`/reporting/v1/shop/${shopA.shopId}/jobs?limit=5&offset=5`);
    expect(page.body.links.prev).toBe(`${ts.url}/reporting/v1/shop/${shopA.shopId}/jobs?limit=5&offset=0`);
    expect(page.body.items).toEqual(tasksA.slice(5, 10).map(jobView));
    const beyond = await get(`/reporting/v1/shop/${shopA.shopId}/jobs?offset=1000`);
    expect(beyond.body).toMatchObject({ items: [], total: tasksA.length, links: { next: null } });
  });

  it.each([
    ['status=failed', (t: SyncTaskTable) => t.status === 'failed'],
    ['status=running', (t: SyncTaskTable) => t.status === 'running'],
    ['shopContent=products', (t: SyncTaskTable) => t.content === 'products'],
    ['shopContent=order_details', (t: SyncTaskTable) => t.content === 'order_details'],
    ['shopContent=order-details', (t: SyncTaskTable) => t.content === 'order_details'],
    ['mode=incremental', (t: SyncTaskTable) => t.mode === 'incremental'],
    ['trigger=live_sync', (t: SyncTaskTable) => t.trigger === 'live_sync'],
    ['status=succeeded&mode=full&shopContent=products', (t: SyncTaskTable) => t.status === 'succeeded' && t.mode === 'full' && t.content === 'products'],
  ])('filters on %s', async (query, keep) => {
    const expected = tasksA.filter(keep);
    expect(expected.length, query).toBeGreaterThan(0);
    const { body } = await get(`/reporting/v1/shop/${shopA.shopId}/jobs?${query}&limit=1000`);
    expect(body.total).toBe(expected.length);
    expect(body.items).toEqual(expected.map(jobView));
    expect(new URL(body.links.first).searchParams.toString()).toBe(`${query}&limit=1000&offset=0`);
  });

  it('filters on creation time, both bounds inclusive', async () => {
    const from = tasksA[12]!.created_at;
    const to = tasksA[4]!.created_at;
    const { body } = await get(`/reporting/v1/shop/${shopA.shopId}/jobs?createdAtStart=${encodeURIComponent(iso(from))}&createdAtEnd=${encodeURIComponent(iso(to))}&limit=100`);
    expect(body.items.map((i: any) => i.id)).toEqual(tasksA.filter((t) => t.created_at >= from && t.created_at <= to).map((t) => t.task_id));
    expect(body.items[0].createdAt).toBe(iso(to));
    expect(body.items.at(-1).createdAt).toBe(iso(from));
  });

  it('refuses bad filters and a content acme may not see', async () => {
    for (const query of ['limit=0', 'limit=1001', 'offset=-1', 'status=done', 'mode=partial', 'trigger=cron', 'shopContent=passwords', 'createdAtStart=yesterday', 'createdAtEnd=2016-12-31T23:59:60Z', 'sort=createdAt', 'limit=5&limit=6']) {
      const { status, body } = await get(`/reporting/v1/shop/${shopA.shopId}/jobs?${query}`);
      expect(status, query).toBe(400);
      expect(JSON.stringify(body), query).toContain(query.split('=')[0]!);
    }
    for (const content of ['carts', 'cart-products']) {
      const { status, body } = await get(`/reporting/v1/shop/${shopA.shopId}/jobs?shopContent=${content}`);
      expect(status).toBe(403);
      expect(body).toMatchObject({ code: 'consent_missing', details: { consent: 'carts' } });
    }
    expect((await get(`/reporting/v1/shop/${shopA.shopId}/jobs?shopContent=carts`, globex.token)).body.total).toBe(6);
  });
});

describe('sync state', () => {
  it('lists every content acme may see, per language, with rows held, lag, last error and the active pull', async () => {
    const before = Date.now();
    const { status, body } = await get(`/reporting/v1/shop/${shopA.shopId}/sync-state`);
    const after = Date.now();
    expect(status).toBe(200);
    await expectDocumented('/reporting/v1/shop/{shopId}/sync-state', body);
    expect(body.shopId).toBe(shopA.shopId);
    const key = (i: any) => `${i.shopContent}/${i.langIso}`;
    const setup = (await get(`/reporting/v1/shop-sync-setup/${shopA.shopId}`)).body.shopContent as string[];
    const perLanguage = new Set(['bundles', 'order_status_history', 'products']);
    expect(body.items.map(key)).toEqual(setup.flatMap((c) => (perLanguage.has(c) ? [`${c}/en`, `${c}/fr`] : [`${c}/en`])));
    const item = new Map<string, any>(body.items.map((i: any) => [key(i), i]));

    const count = async (table: string, lang?: string, deletedToo = false) =>
      Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where shop_id = ${shopA.shopId} ${deletedToo ? sql`` : sql`and not sys_deleted`} ${lang ? sql`and sys_lang = ${lang}` : sql``}`.execute(ts.server.core.db.kysely)).rows[0]!.n);
    const productsEn = item.get('products/en');
    expect(productsEn).toMatchObject({
      mode: 'incremental',
      firstFullSyncFinishedAt: iso(now - 10 * DAY),
      lastFullSyncStartedAt: iso(now - DAY - HOUR),
      lastFullSyncFinishedAt: iso(now - DAY),
      lastIncrementalAt: iso(now - 10 * MIN),
      lastSuccessAt: iso(now - 10 * MIN),
      lastError: { code: '500', at: iso(now - HOUR), description: describeCode('500') },
      activeTask: null,
    });
    // The English products of the fixture but the deleted one.
    expect(productsEn.rowCount).toBe((await count('shop_products', 'en', true)) - 1);
    expect(productsEn.rowCount).toBeGreaterThan(10);
    expect(productsEn.lag).toBeGreaterThanOrEqual(Math.floor((before - (now - 10 * MIN)) / 1000));
    expect(productsEn.lag).toBeLessThanOrEqual(Math.ceil((after - (now - 10 * MIN)) / 1000));

    const running = tasksA.find((t) => t.status === 'running')!;
    expect(item.get('products/fr')).toMatchObject({
      mode: 'full',
      firstFullSyncFinishedAt: null,
      lastError: null,
      activeTask: { id: running.task_id, mode: 'full', trigger: 'consent', status: 'running', createdAt: iso(running.created_at), startedAt: iso(running.started_at!), pages: 4, objects: 200, remaining: 800 },
    });
    expect(item.get('products/fr').rowCount).toBe(await count('shop_products', 'fr', true));
    expect(item.get('products/fr').rowCount).toBeGreaterThan(5);
    const queued = tasksA.find((t) => t.status === 'queued')!;
    const customers = item.get('customers/en');
    expect(customers).toMatchObject({ mode: 'incremental', rowCount: await count('shop_customers'), activeTask: { id: queued.task_id, status: 'queued', startedAt: null, remaining: null } });
    expect(customers.rowCount).toBeGreaterThan(0);
    expect(item.get('orders/en')).toEqual({
      shopContent: 'orders', langIso: 'en', mode: 'never', firstFullSyncFinishedAt: null, lastFullSyncStartedAt: null, lastFullSyncFinishedAt: null,
      lastIncrementalAt: null, lastSuccessAt: null, rowCount: 0, lag: null, lastError: null, activeTask: null,
    });
    expect(body.items.map((i: any) => i.shopContent)).not.toContain('carts');
  });

  it("shows globex the carts state, and nothing of acme's contents", async () => {
    const { body } = await get(`/reporting/v1/shop/${shopA.shopId}/sync-state`, globex.token);
    expect(body.items.map((i: any) => i.shopContent)).toEqual(['carts', 'cart_products', 'cart_rules', 'info']);
    expect(body.items[0]).toMatchObject({ mode: 'incremental', firstFullSyncFinishedAt: iso(now - DAY), rowCount: 0 });
  });
});

describe('shop health', () => {
  it("serves the last probe with the shop's answer field by field", async () => {
    const { status, body } = await get(`/reporting/v1/shop/${shopA.shopId}/health`);
    expect(status).toBe(200);
    expect(body).toEqual({
      shopId: shopA.shopId,
      checkedAt: iso(now - 5 * MIN),
      healthy: true,
      latencyMs: 230,
      httpStatus: 200,
      lastHealthyAt: iso(now - 5 * MIN),
      error: null,
      report: {
        prestashopVersion: '9.1.0', psEventbusVersion: '4.0.13', psAccountsVersion: null, phpVersion: '8.3.25', shopId: shopA.shopId,
        psAccount: true, isValidJwt: true, psEventbus: true,
        env: { proxyApiUrl: 'https://psif.example/collector', syncApiUrl: 'https://psif.example/sync-api', liveSyncApiUrl: 'https://psif.example/live-sync/v1' },
      },
    });
    await expectDocumented('/reporting/v1/shop/{shopId}/health', body);
  });

  it('serves a failed probe with its error, and 404 health_unknown before the first', async () => {
    const failed = await get(`/reporting/v1/shop/${shopC.shopId}/health`, globex.token);
    expect(failed.body).toEqual({
      shopId: shopC.shopId, checkedAt: iso(now - MIN), healthy: false, latencyMs: 10_000, httpStatus: null, lastHealthyAt: null,
      error: { code: 'timeout', message: 'no answer in 10 s', description: describeCode('timeout') }, report: null,
    });
    await expectDocumented('/reporting/v1/shop/{shopId}/health', failed.body);
    expect((await get(`/reporting/v1/shop/${shopB.shopId}/health`)).body).toMatchObject({ statusCode: 404, code: 'health_unknown' });
  });

  it("keeps only the documented fields of a shop's answer, with their types", async () => {
    const shop = await registerShop(ts);
    await ts.server.core.shops.consents.replace(shop.shopId, acme.module, ['products'], 'test');
    const hostile = { ...healthCheckAnswer(shop.shopId), php_version: 8, ps_account: 'yes', secret: 'x', env: { EVENT_BUS_PROXY_API_URL: ['a'], EVENT_BUS_SYNC_API_URL: 'https://psif.example/sync-api', DB_PASSWORD: 'p' } };
    await insertHealth(ts, { shop_id: shop.shopId, checked_at: now, report: JSON.stringify(hostile) });
    const { body } = await get(`/reporting/v1/shop/${shop.shopId}/health`);
    expect(body.report).toMatchObject({ phpVersion: null, psAccount: null, env: { proxyApiUrl: null, syncApiUrl: 'https://psif.example/sync-api' } });
    expect(JSON.stringify(body)).not.toMatch(/secret|DB_PASSWORD/);
    await ts.server.core.db.kysely.updateTable('shop_health').set({ report: 'not json' }).where('shop_id', '=', shop.shopId).execute();
    expect((await get(`/reporting/v1/shop/${shop.shopId}/health`)).body.report).toBeNull();
  });
});
