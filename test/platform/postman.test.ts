import newman, { type NewmanRunOptions, type NewmanSummary } from 'newman';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_FAMILIES } from '../../src/platform/http/openapi.js';
import { type ShopRig, createJob, fixture, fixtureFiles, registerShop, upload } from '../support/cloudsync.js';
import { type TestServer, startTestServer } from '../support/server.js';

/** The Postman collections of /postman/{family}.json, and the Raw one run by newman against a seeded server. */
let ts: TestServer;
let vendor: { clientId: string; clientSecret: string };
let shop: ShopRig;

beforeAll(async () => {
  ts = await startTestServer();
  vendor = await ts.createClient({ kind: 'vendor', name: 'acme' });
  await ts.server.core.shops.modules.create('ps_acme', 'acme');
  shop = await registerShop(ts);
  await ts.server.core.shops.consents.replace(shop.shopId, 'ps_acme', ts.server.core.catalog.consents, 'test');
  const job = await createJob(ts, shop.shopId, { full: true });
  for (const file of fixtureFiles('9.1')) {
    const lines = fixture('9.1', file);
    if (lines.length > 0) expect((await upload(ts, job, lines, { token: shop.token })).status).toBe(201);
  }
});
afterAll(async () => ts?.close());

interface Variable { key: string; value?: unknown; disabled?: boolean }
interface Request { method: string; auth?: { type: string; [key: string]: unknown }; url: { host: string[]; path: string[]; query?: Variable[]; variable?: Variable[] } }
interface Item { name: string; item?: Item[]; request?: Request }
interface Collection { info: { name: string; schema: string; _postman_id: string }; item: Item[]; auth?: { type: string; oauth2?: Variable[] }; event?: { listen: string; script: { exec: string[] } }[]; variable?: Variable[] }

async function collection(family: string): Promise<Collection> {
  const response = await fetch(`${ts.url}/postman/${family}.json`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return (await response.json()) as Collection;
}

function requests(items: Item[]): Request[] {
  return items.flatMap((item) => [...(item.request ? [item.request] : []), ...requests(item.item ?? [])]);
}

function folder(items: Item[], name: string): Item | undefined {
  for (const item of items) {
    if (item.name === name) return item;
    const found = folder(item.item ?? [], name);
    if (found) return found;
  }
  return undefined;
}

/** The collection without the requests whose path variables are not all in `values`. */
function runnable(items: Item[], values: Map<string, string>): Item[] {
  return items.flatMap((item) => {
    if (item.item) return [{ ...item, item: runnable(item.item, values) }];
    const variables = (item.request?.url.variable ?? []).map((v) => String(v.value).slice(2, -2));
    return variables.every((name) => values.has(name)) ? [item] : [];
  });
}

function run(options: NewmanRunOptions): Promise<NewmanSummary> {
  return new Promise((resolve, reject) => {
    newman.run({ reporters: [], timeoutRequest: 10_000, ...options }, (error, summary) => (error ? reject(error) : resolve(summary)));
  });
}

function failures(summary: NewmanSummary): string[] {
  return summary.run.failures.map((f) => `${f.source?.name ?? '?'}: ${f.error.name}: ${f.error.message}`);
}

describe('GET /postman/{family}.json', () => {
  it.each(Object.keys(API_FAMILIES))('converts the %s family into a Postman v2.1 collection with OAuth2 client credentials', async (family) => {
    const body = await collection(family);
    expect(body.info.schema).toBe('https://schema.getpostman.com/json/collection/v2.1.0/collection.json');
    expect(body.info.name).toBe(`psif ${family} API`);
    expect(requests(body.item).length).toBeGreaterThan(0);
    const oauth2 = Object.fromEntries((body.auth?.oauth2 ?? []).map((p) => [p.key, p.value]));
    expect(body.auth?.type).toBe('oauth2');
    expect(oauth2).toMatchObject({ grant_type: 'client_credentials', accessTokenUrl: '{{baseUrl}}/oauth2/token', clientId: '{{clientId}}', clientSecret: '{{clientSecret}}', client_authentication: 'header', addTokenTo: 'header', accessToken: '{{accessToken}}' });
    expect(body.event?.find((e) => e.listen === 'prerequest')?.script.exec.join('\n')).toContain('pm.sendRequest');
    const variables = Object.fromEntries((body.variable ?? []).map((v) => [v.key, v.value]));
    expect(variables).toMatchObject({ baseUrl: ts.url, clientId: '', clientSecret: '', accessToken: '', accessTokenExpiresAt: '' });
    for (const request of requests(body.item)) {
      expect(request.url.host).toEqual(['{{baseUrl}}']);
      // Every path parameter reads a collection variable, declared so that Postman lists it.
      for (const parameter of request.url.variable ?? []) {
        expect(parameter.value).toMatch(/^\{\{\w+\}\}$/);
        expect(variables).toHaveProperty(String(parameter.value).slice(2, -2));
      }
    }
  });

  it('makes the Raw collection runnable as it is: shopId and one id variable per content, every query parameter disabled, auth inherited', async () => {
    const body = await collection('raw');
    const variables = (body.variable ?? []).map((v) => v.key);
    expect(variables).toEqual(expect.arrayContaining(['shopId', 'productsId', 'cartProductsId', 'categoriesId', 'ordersId', 'customersId']));
    const list = requests(folder(body.item, 'products')!.item!);
    expect(list.map((r) => r.url.path.join('/'))).toEqual(['raw/v1/:shopId/products', 'raw/v1/:shopId/products/:id']);
    expect(list[1]!.url.variable?.map((v) => [v.key, v.value])).toEqual([['shopId', '{{shopId}}'], ['id', '{{productsId}}']]);
    const all = requests(body.item);
    expect(all.length).toBeGreaterThan(60);
    expect(all.flatMap((r) => r.url.query ?? []).filter((q) => !q.disabled)).toEqual([]);
    expect(all.filter((r) => r.auth !== undefined)).toEqual([]);
  });

  it('gives the auth family HTTP Basic client credentials on the token endpoints and no auth on discovery', async () => {
    const body = await collection('auth');
    const byPath = new Map(requests(body.item).map((r) => [r.url.path.join('/'), r]));
    expect(byPath.get('oauth2/token')?.auth).toEqual({ type: 'basic', basic: [{ key: 'username', value: '{{clientId}}', type: 'string' }, { key: 'password', value: '{{clientSecret}}', type: 'string' }] });
    expect(byPath.get('.well-known/jwks.json')?.auth).toEqual({ type: 'noauth' });
  });

  it('serves the same collection again from its cache', async () => {
    expect((await collection('raw')).info._postman_id).toBe((await collection('raw')).info._postman_id);
  });

  it.each(['unknown', 'constructor'])('answers 404 unknown_family for /postman/%s.json', async (family) => {
    const response = await fetch(`${ts.url}/postman/${family}.json`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ statusCode: 404, code: 'unknown_family', message: expect.stringMatching(/known: auth, admin, cloudsync, raw, billing, reporting, ops/) });
  });
});

describe('newman', () => {
  it('runs every list request of the Raw collection and the item request of every content with data, all 2xx, with one token', async () => {
    const body = await collection('raw');
    const values = new Map([['shopId', shop.shopId]]);
    const vendorToken = await ts.token(vendor);
    // An existing id for each item request: the first item of its content's list.
    for (const request of requests(body.item)) {
      const idVariable = request.url.variable?.find((v) => v.key === 'id');
      if (!idVariable) continue;
      const listPath = request.url.path.slice(0, -1).join('/').replace(':shopId', shop.shopId);
      const list = (await (await fetch(`${ts.url}/${listPath}?limit=1`, { headers: { authorization: `Bearer ${vendorToken}` } })).json()) as { items: { id: string }[] };
      if (list.items[0]) values.set(String(idVariable.value).slice(2, -2), list.items[0].id);
    }
    expect(values.size).toBeGreaterThan(20);
    const collectionToRun = { ...body, item: runnable(body.item, values) };
    const expected = requests(collectionToRun.item).length;
    for (const content of ['products', 'categories', 'orders', 'customers']) expect(values.has(`${content}Id`), content).toBe(true);

    const summary = await run({
      collection: collectionToRun,
      envVar: [{ key: 'clientId', value: vendor.clientId }, { key: 'clientSecret', value: vendor.clientSecret }, ...[...values].map(([key, value]) => ({ key, value }))],
    });

    expect(failures(summary)).toEqual([]);
    // newman records the script's pm.sendRequest under the item that sent it: the same execution twice.
    const executions = [...new Set(summary.run.executions)];
    expect(executions.length).toBe(expected);
    expect(executions.filter((e) => !(e.response && e.response.code >= 200 && e.response.code < 300)).map((e) => `${e.item.name}: ${e.response?.code ?? e.requestError?.message}`)).toEqual([]);
    expect(executions.map((e) => e.item.name)).toEqual(expect.arrayContaining(['List products', 'One products item', 'List orders', 'One customers item', "The shop's information (info)"]));
    // The pre-request script fetched one token and every request reused it.
    const authorizations = new Set(executions.map((e) => e.request.headers.get('Authorization')));
    expect(authorizations.size).toBe(1);
    expect([...authorizations][0]).toMatch(/^Bearer ey/);
    const products = executions.find((e) => e.item.name === 'List products')!;
    expect(JSON.parse(products.response!.stream!.toString()).items.length).toBeGreaterThan(0);
  });

  it('reports a failed token request as a failed test; the requests then answer 401', async () => {
    const summary = await run({
      collection: await collection('raw'),
      folder: 'products',
      envVar: [{ key: 'clientId', value: vendor.clientId }, { key: 'clientSecret', value: 'wrong' }, { key: 'shopId', value: shop.shopId }, { key: 'productsId', value: 'x' }],
    });
    expect(failures(summary)).toEqual([expect.stringMatching(/token request failed: 401 .*invalid_client/), expect.stringMatching(/token request failed: 401/)]);
    expect([...new Set(summary.run.executions)].map((e) => e.response?.code)).toEqual([401, 401]);
  });

  it('runs requests without security (discovery) without fetching a token', async () => {
    const summary = await run({ collection: await collection('auth'), folder: '.well-known' });
    expect(failures(summary)).toEqual([]);
    expect(summary.run.executions.map((e) => e.response?.code)).toEqual([200, 200, 200]);
    expect(summary.run.executions.map((e) => e.request.headers.get('Authorization'))).toEqual([undefined, undefined, undefined]);
  });
});
