import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import newman, { type NewmanSummary } from 'newman';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PsifClient, psifClient } from '../../src/client/psif-client.js';
import { type DemoSeed, seedDemo, shopClient } from '../../src/demo/seed.js';
import { API_FAMILIES } from '../../src/platform/http/openapi.js';
import { fixture, ndjson } from '../support/cloudsync.js';
import { type TestServer, startTestServer } from '../support/server.js';

/**
 * Every Postman collection of /postman/{family}.json, run whole by newman against a psif seeded by the demo
 * seed: every request must answer 2xx, with the bodies the collections carry (the OpenAPI examples) and
 * the variables a user would fill. Destructive requests run last and act on throwaway resources (created
 * by the collection itself, or by this test); the few requests that cannot answer 2xx by nature are listed
 * in EXPECTED with a reason.
 */
let ts: TestServer;
let seed: DemoSeed;
let admin: { clientId: string; clientSecret: string };
let adminApi: PsifClient;
let files: string;
/** Variables and client of each family's run. */
const runs = new Map<string, { credentials?: { clientId: string; clientSecret: string }; variables: Record<string, string>; setup?: (collection: Collection) => void }>();

interface Variable { key: string; value?: unknown; disabled?: boolean; type?: string; src?: string }
interface Request { method: string; url: { path: string[]; query?: Variable[]; variable?: Variable[] }; body?: { mode?: string; formdata?: Variable[] } }
interface Item { name: string; item?: Item[]; request?: Request; event?: unknown[] }
interface Collection { item: Item[]; variable?: Variable[] }

/**
 * Requests that cannot answer 2xx by nature, by "METHOD path" as the collection writes it; keep it short.
 * The function form decides per execution (a Raw item request of a content the shops hold no row of).
 */
const EXPECTED: Record<string, { status: number; reason: string }> = {
  'PATCH billing/v1/subscriptions/:subscriptionId': { status: 404, reason: 'a plan change names a second plan (rbm-advanced-EUR-Yearly); the collection creates one plan' },
  'POST billing/v1/subscriptions/:subscriptionId/items/:subscriptionItemId/usage': { status: 400, reason: 'usage needs a usage-based item; the plan the collection sells by quantity is not' },
};

/** Raw API contents no ps_eventbus fixture has a row of (the simulator's generated shops copy the 9.1 fixtures): their item requests answer 404. */
const EMPTY_CONTENTS = new Set(['carrier-taxes', 'cart-rules', 'custom-product-carriers', 'order-cart-rules', 'stock-movements', 'taxonomies', 'translations', 'wishlist-products', 'wishlists']);

beforeAll(async () => {
  ts = await startTestServer({ PSIF_ROLE: 'all' });
  admin = await ts.createClient({ kind: 'admin', name: 'ops' });
  adminApi = psifClient({ baseUrl: ts.url, credentials: admin });
  seed = await seedDemo({ baseUrl: ts.url, admin, shops: 2, products: 40 });
  expect(seed.unsynced).toEqual([]);
  files = mkdtempSync(path.join(tmpdir(), 'psif-newman-'));
  const acme = seed.vendors.find((v) => v.name === 'acme')!;
  const [shop] = seed.shops as [DemoSeed['shops'][number]];

  // A throwaway shop (no simulator: nobody pulls it) for the shop-facing requests, which change the shop's
  // URL and consents. Its client authenticates with HTTP Basic, as the collection's token script does (the
  // clients POST /admin/v1/shops creates use client_secret_post, as ps_accounts); it registers itself.
  const throwaway = randomUUID();
  const shopBasic = await must(adminApi.POST('/admin/v1/clients', { body: { kind: 'shop', shopId: throwaway, tokenEndpointAuthMethod: 'client_secret_basic' } }));
  await must(psifClient({ baseUrl: ts.url, credentials: { clientId: shopBasic.client.clientId, clientSecret: shopBasic.clientSecret } }).PUT('/sync/v1/shops/{shopId}', { params: { path: { shopId: throwaway } }, body: { url: 'http://127.0.0.1:9/throwaway', languages: ['en'] } }));
  const job = await must(adminApi.POST('/admin/v1/jobs', { body: { shopId: throwaway, contents: ['products'], full: true } }));
  const upload = path.join(files, 'upload.ndjson');
  writeFileSync(upload, ndjson(fixture('9.1', 'products.json').slice(0, 3)));
  const deletes = path.join(files, 'delete.ndjson');
  writeFileSync(deletes, ndjson([{ collection: 'products', deleteIds: ['1'] }]));

  // A webhook endpoint of acme and one delivery, for the admin delivery routes.
  const endpoint = await must(adminApi.POST('/admin/v1/billing/webhook-endpoints', { body: { vendor: 'acme', env: 'sandbox', url: 'http://127.0.0.1:9/hooks' } }));
  const cancelled = seed.subscriptions.find((s) => s.status === 'cancelled')!;
  const owner = seed.shops.find((s) => s.shopId === cancelled.shopId)!;
  await must(shopClient(ts.url, owner, { sandbox: true }).POST('/billing/v1/subscriptions/{subscriptionId}/reactivate', { params: { path: { subscriptionId: cancelled.id } } }));
  const deliveries = await must(adminApi.GET('/admin/v1/billing/webhook-endpoints/{endpointId}/deliveries', { params: { path: { endpointId: endpoint.endpoint.endpointId }, query: { limit: 10 } as never } }));
  const apiKey = await must(adminApi.POST('/admin/v1/billing/api-keys', { body: { vendor: 'acme' } }));

  // A seeded invoice of acme and its signed PDF link, for the invoice requests.
  const acmeBilling = psifClient({ baseUrl: ts.url, credentials: { clientId: acme.clientId, clientSecret: acme.clientSecret, scope: acme.scope }, headers: { sandbox: 'true' } });
  const invoices = await must(acmeBilling.GET('/billing/v1/invoices', { params: { query: { limit: 1 } as never } }));
  const invoiceId = (invoices as { items: { invoiceId: string }[] }).items[0]!.invoiceId;
  const download = await must(acmeBilling.GET('/billing/v1/invoices/{invoiceId}/download', { params: { path: { invoiceId } } }));
  const pdf = new URL(JSON.stringify(download).match(/https?:\/\/[^"]+\/pdf\?[^"]+/)![0]);

  const vendor = { clientId: acme.clientId, clientSecret: acme.clientSecret };
  runs.set('auth', { credentials: admin, variables: {} });
  runs.set('admin', { credentials: admin, variables: { shopId: randomUUID(), deliveryId: (deliveries as { items: { deliveryId: string }[] }).items[0]!.deliveryId } });
  runs.set('cloudsync', {
    credentials: { clientId: shopBasic.client.clientId, clientSecret: shopBasic.clientSecret },
    variables: { shopId: throwaway, moduleName: 'ps_acme_reviews', jobId: job.jobId },
    setup: (collection) => forEachRequest(collection.item, (request) => {
      for (const part of request.body?.formdata ?? []) if (part.type === 'file') part.src = request.url.path.includes('delete') ? deletes : upload;
    }),
  });
  runs.set('raw', { credentials: vendor, variables: { shopId: shop.shopId, ...(await rawItemIds(acme, shop.shopId)) } });
  runs.set('billing', {
    credentials: vendor,
    variables: { scope: acme.scope, productId: 'rbm_example', componentId: 'rbm-advanced-EUR-Monthly', customerId: randomUUID(), subscriptionItemId: 'rbm-advanced-EUR-Monthly', invoiceId, apiKey: (apiKey as { key: string }).key },
    setup: (collection) => forEachRequest(collection.item, (request) => {
      if (request.url.path.at(-1) !== 'pdf') return;
      // The signed link of the seeded invoice (its query holds sandbox=true: a sandbox invoice).
      for (const query of request.url.query ?? []) {
        if (!pdf.searchParams.has(query.key)) continue;
        query.value = pdf.searchParams.get(query.key)!;
        delete query.disabled;
      }
      request.url.variable = [{ key: 'invoiceId', value: invoiceId }];
    }),
  });
  runs.set('reporting', { credentials: vendor, variables: { shopId: shop.shopId, vendorId: 'acme' } });
  runs.set('ops', { variables: {} });
}, 240_000);

afterAll(async () => {
  await seed?.close();
  await ts?.close();
  if (files) rmSync(files, { recursive: true, force: true });
});

async function must<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || data === undefined) throw new Error(`${response.url}: ${response.status} ${JSON.stringify(error)}`);
  return data;
}

/** An id of each Raw API content the shop holds rows of: the first of its list. */
async function rawItemIds(vendor: DemoSeed['vendors'][number], shopId: string): Promise<Record<string, string>> {
  const token = await ts.token(vendor);
  const collection = await collectionOf('raw');
  const ids: Record<string, string> = {};
  const requests: Request[] = [];
  forEachRequest(collection.item, (request) => requests.push(request));
  for (const request of requests) {
    const id = request.url.variable?.find((v) => v.key === 'id');
    if (!id) continue;
    const list = request.url.path.slice(0, -1).join('/').replace(':shopId', shopId);
    const answer = (await (await fetch(`${ts.url}/${list}?limit=1`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: { id: string }[] };
    // A content without rows gets an id that names nothing: its item request answers 404 (see EMPTY_CONTENTS).
    ids[String(id.value).slice(2, -2)] = answer.items[0]?.id ?? 'none';
  }
  return ids;
}

async function collectionOf(family: string): Promise<Collection> {
  const response = await fetch(`${ts.url}/postman/${family}.json`);
  expect(response.status).toBe(200);
  return (await response.json()) as Collection;
}

function forEachRequest(items: Item[], visit: (request: Request, item: Item) => void): void {
  for (const item of items) {
    if (item.item) forEachRequest(item.item, visit);
    if (item.request) visit(item.request, item);
  }
}

/** The collection's requests in one flat list, deletes last: a delete must not run before the reads of what it removes. */
function ordered(collection: Collection): Item[] {
  const items: Item[] = [];
  forEachRequest(collection.item, (_request, item) => items.push(item));
  return [...items.filter((i) => i.request!.method !== 'DELETE'), ...items.filter((i) => i.request!.method === 'DELETE')];
}

function key(request: Request): string {
  return `${request.method} ${request.url.path.join('/')}`;
}

/** The status a request must answer: 2xx, or what EXPECTED says. */
function expectedStatus(request: Request): { status: number; reason: string } | undefined {
  const path = request.url.path;
  if (path[0] === 'raw' && path.at(-1) === ':id' && EMPTY_CONTENTS.has(path[3]!)) return { status: 404, reason: 'no fixture row of this content' };
  return EXPECTED[key(request)];
}

function run(collection: object): Promise<NewmanSummary> {
  return new Promise((resolve, reject) => {
    newman.run({ collection, reporters: [], timeoutRequest: 20_000 }, (error, summary) => (error ? reject(error) : resolve(summary)));
  });
}

describe('newman runs every Postman collection green against a seeded psif', () => {
  it.each(Object.keys(API_FAMILIES))('the %s collection: every request answers 2xx (or its listed status), no failure', async (family) => {
    const config = runs.get(family);
    expect(config, `no run configured for ${family}`).toBeDefined();
    const collection = await collectionOf(family);
    config!.setup?.(collection);
    const items = ordered(collection);
    const values: Record<string, string> = { ...config!.variables, ...(config!.credentials ?? {}) };
    // Filled as a user fills them in Postman: the collection's own variables (scripts may then change them).
    for (const variable of collection.variable ?? []) if (variable.key in values) variable.value = values[variable.key];
    const summary = await run({ ...collection, item: items });

    expect(summary.run.failures.map((f) => `${f.source?.name ?? '?'}: ${f.error.message}`)).toEqual([]);
    // newman records a pre-request script's pm.sendRequest under the item that sent it: the same execution twice.
    const executions = [...new Set(summary.run.executions)];
    expect(executions).toHaveLength(items.length);
    const wrong = executions.flatMap((execution, index) => {
      const request = items[index]!.request!;
      const code = execution.response?.code;
      const expected = expectedStatus(request);
      const ok = expected ? code === expected.status : code !== undefined && code >= 200 && code < 300;
      return ok ? [] : [`${key(request)}: ${execution.request.url.toString()} ${code ?? execution.requestError?.message} ${execution.response?.stream?.toString().slice(0, 300) ?? ''}`];
    });
    expect(wrong).toEqual([]);
  });
});
