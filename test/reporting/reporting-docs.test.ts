import { readFileSync } from 'node:fs';
import newman, { type NewmanRunOptions, type NewmanSummary } from 'newman';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodeTable } from '../../src/sync/error-codes.js';
import { type ShopRig, registerShop } from '../support/cloudsync.js';
import { type TestServer, startTestServer } from '../support/server.js';
import { HOUR, type Vendor, createVendor, healthCheckAnswer, insertErrors, insertHealth, insertState, insertTask } from './seed.js';

/** The Reporting API's documentation: the guide, the OpenAPI document, and its Postman collection run by newman. */
let ts: TestServer;
let acme: Vendor;
let shop: ShopRig;

beforeAll(async () => {
  ts = await startTestServer({ PSIF_ROLE: 'api' });
  acme = await createVendor(ts, 'acme');
  shop = await registerShop(ts, { languages: ['en', 'fr'] });
  await ts.server.core.shops.consents.replace(shop.shopId, acme.module, ts.server.core.catalog.consents, 'test');
  const now = Date.now();
  await insertTask(ts, { shop_id: shop.shopId, content: 'products', created_at: now - HOUR, status: 'failed', error_code: '454', error_message: 'job refused' });
  await insertState(ts, { shop_id: shop.shopId, content: 'products', lang_iso: 'en', mode: 'incremental', first_full_sync_finished_at: now - 2 * HOUR, last_success_at: now - HOUR });
  await insertErrors(ts, { shop_id: shop.shopId, content: 'products', code: '454', at: now - HOUR }, 3);
  await insertHealth(ts, { shop_id: shop.shopId, checked_at: now, report: JSON.stringify(healthCheckAnswer(shop.shopId)) });
});
afterAll(async () => ts?.close());

const OPERATIONS = {
  '/reporting/v1/shop-sync-setup/{shopId}': 'ShopSyncSetupController_getShopSyncSetup',
  '/reporting/v1/shop-sync-summary/{shopId}': 'ShopSyncSummaryController_getSyncSummaryByShopId',
  '/reporting/v1/shop-sync-onboarding/{shopId}': 'ShopOnboardingController_getOnboardingInfoByShopId',
  '/reporting/v1/vendor/{vendorId}/errors': 'VendorErrorCodeController_getVendorErrorsCode',
  '/reporting/v1/shop/{shopId}/errors': 'ShopErrorCodeController_getShopErrorsCode',
  '/reporting/v1/vendor/{vendorId}/errors/hourly': 'getVendorErrorsHourly',
  '/reporting/v1/shop/{shopId}/errors/hourly': 'getShopErrorsHourly',
  '/reporting/v1/shop/{shopId}/jobs': 'getShopSyncJobs',
  '/reporting/v1/shop/{shopId}/sync-state': 'getShopSyncState',
  '/reporting/v1/shop/{shopId}/health': 'getShopHealth',
  '/reporting/v1/shop/{shopId}/consents': 'getShopConsentReport',
  '/reporting/v1/shops': 'listVisibleShops',
  '/reporting/v1/overview': 'getOverview',
};

describe('documentation', () => {
  it('docs/reporting-api.md holds the error code table exactly as the code renders it', () => {
    const guide = readFileSync(new URL('../../docs/reporting-api.md', import.meta.url), 'utf8');
    expect(guide).toContain(errorCodeTable());
  });

  it("the reporting document has PrestaShop's operation ids, the error table on every error route, and the family tag first", async () => {
    const doc = (await (await fetch(`${ts.url}/openapi/reporting.json`)).json()) as any;
    expect(doc.info.description).toMatch(/^Reporting API and Sync API/);
    for (const [path, operationId] of Object.entries(OPERATIONS)) {
      const operation = doc.paths[path]?.get;
      expect(operation?.operationId, path).toBe(operationId);
      expect(operation.tags[0]).toBe('reporting');
      expect(operation.security).toEqual([{ bearerToken: [] }]);
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
      if (path.includes('/errors')) expect(operation.description, path).toContain(errorCodeTable());
    }
  });
});

interface Item { name: string; item?: Item[]; request?: { url: { path: string[]; query?: { key: string; value?: string; disabled?: boolean }[] } } }

/** The requests of the Reporting API only: the family also documents the Sync API's triggers. */
function reportingOnly(items: Item[]): Item[] {
  return items.flatMap((item) => {
    if (item.item) {
      const kept = reportingOnly(item.item);
      return kept.length > 0 ? [{ ...item, item: kept }] : [];
    }
    return item.request?.url.path[0] === 'reporting' ? [item] : [];
  });
}

function requests(items: Item[]): Item[] {
  return items.flatMap((item) => [...(item.request ? [item] : []), ...requests(item.item ?? [])]);
}

function run(options: NewmanRunOptions): Promise<NewmanSummary> {
  return new Promise((resolve, reject) => {
    newman.run({ reporters: [], timeoutRequest: 10_000, ...options }, (error, summary) => (error ? reject(error) : resolve(summary)));
  });
}

describe('newman', () => {
  it('runs every Reporting request of /postman/reporting.json against a seeded server, all 2xx', async () => {
    const response = await fetch(`${ts.url}/postman/reporting.json`);
    expect(response.status).toBe(200);
    const collection = (await response.json()) as { info: { name: string }; item: Item[] };
    expect(collection.info.name).toBe('psif reporting API');
    const item = reportingOnly(collection.item);
    const expected = requests(item);
    expect(expected.map((r) => r.request!.url.path.join('/')).sort()).toEqual(Object.keys(OPERATIONS).map((p) => p.slice(1).replace(/\{(\w+)\}/g, ':$1')).sort());
    // The one required query parameter is enabled with its documented example; the others are off.
    for (const request of expected) {
      const enabled = (request.request!.url.query ?? []).filter((q) => !q.disabled).map((q) => `${q.key}=${q.value}`);
      expect(enabled, request.name).toEqual(request.request!.url.path.includes('shop-sync-summary') ? ['shopContent=products'] : []);
    }

    const summary = await run({
      collection: { ...collection, item },
      envVar: [
        { key: 'clientId', value: acme.client.clientId },
        { key: 'clientSecret', value: acme.client.clientSecret },
        { key: 'shopId', value: shop.shopId },
        { key: 'vendorId', value: 'acme' },
      ],
    });
    expect(summary.run.failures.map((f) => `${f.source?.name ?? '?'}: ${f.error.message}`)).toEqual([]);
    const executions = [...new Set(summary.run.executions)];
    expect(executions).toHaveLength(expected.length);
    expect(executions.filter((e) => !(e.response && e.response.code >= 200 && e.response.code < 300)).map((e) => `${e.item.name}: ${e.response?.code} ${e.response?.stream?.toString()}`)).toEqual([]);
    const errors = executions.find((e) => new URL(e.request.url.toString()).pathname === `/reporting/v1/shop/${shop.shopId}/errors`)!;
    expect(JSON.parse(errors.response!.stream!.toString()).errors).toEqual([expect.objectContaining({ code: 454, distribution: 3, errorCode: '454' })]);
    expect(new Set(executions.map((e) => e.request.headers.get('Authorization'))).size).toBe(1);
  });
});
