import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShopSimulator } from '../../src/shopsim/shop-simulator.js';
import { createJob } from '../support/cloudsync.js';
import { type TestServer, freePort, startTestServer } from '../support/server.js';
import { fullSync, healthCheck, identities, pull, startShop, storedIds } from './rig.js';

/** The simulated ps_eventbus serving the real 9.1 fixtures to a real psif: full syncs, replies, errors. */
let ts: TestServer;
let sim: ShopSimulator;

beforeAll(async () => {
  ts = await startTestServer();
  sim = await startShop(ts, { source: { fixtures: '9.1' } });
});
afterAll(async () => {
  await sim?.close();
  await ts?.close();
});

describe('full sync', () => {
  it('stores every fixture row of every content in psif, page by page', async () => {
    const jobId = await createJob(ts, sim.shopId, { full: true });
    for (const content of ts.server.core.catalog.contents) {
      const replies = await fullSync(sim, jobId, content.name, { limit: content.name === 'products' ? 10 : 50 });
      for (const reply of replies) expect([200, 201], `${content.name}: ${reply.text}`).toContain(reply.status);
      expect(replies.at(-1)!.body).toMatchObject({ syncType: 'full', has_remaining_objects: false, remaining_objects: 0 });
      const expected = identities(content, sim.rows(content.name), sim.shopId);
      expect((await storedIds(ts, content, sim.shopId)).sort(), content.name).toEqual([...expected].sort());
      expect(sim.typeSync(content.name)).toMatchObject({ offset: 0, fullSyncFinished: true });
    }
    const products = sim.rows('products');
    expect(products).toHaveLength(47);
    // 47 product rows in pages of 10: five uploads, each announced with Full-Sync-Requested: 1.
    expect(sim.stats.uploads.byStatus).toEqual({ 201: sim.stats.uploads.fullPages });
    expect(sim.stats.jobValidations).toMatchObject({ requests: 1, accepted: 1 });
  });

  it("answers like the module: the collector's status, the reply fields in order, then incremental", async () => {
    const jobId = await createJob(ts, sim.shopId, { full: true, contents: ['products', 'cart_rules'] });
    const first = await pull(sim, { shop_content: 'products', job_id: jobId, limit: 20, full: 1 });
    expect([first.status, first.statusText]).toEqual([201, 'Created']);
    expect(Object.keys(first.body)).toEqual(['job_id', 'object_type', 'syncType', 'execution_time_in_seconds', 'total_objects', 'has_remaining_objects', 'remaining_objects', 'md5', 'status', 'httpCode', 'body', 'upload_url']);
    expect(first.body).toMatchObject({ job_id: jobId, object_type: 'products', syncType: 'full', total_objects: 20, has_remaining_objects: true, remaining_objects: 27, status: true, httpCode: 201, upload_url: `${ts.url}/collector/upload/${jobId}` });
    expect(first.body.md5).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.parse(first.body.body)).toMatchObject({ accepted: 20, upserted: 20 });
    expect(sim.typeSync('products')?.offset).toBe(20);

    // Nothing to send: HTTP 200 and none of the upload fields.
    const empty = await pull(sim, { shop_content: 'cart-rules', job_id: jobId, full: 1 });
    expect([empty.status, empty.statusText]).toEqual([200, 'OK']);
    expect(empty.body).toEqual({ job_id: jobId, object_type: 'cart_rules', syncType: 'full', execution_time_in_seconds: expect.any(Number), total_objects: 0, has_remaining_objects: false, remaining_objects: 0, md5: 'd41d8cd98f00b204e9800998ecf8427e', httpCode: 200 });
    const next = await pull(sim, { shop_content: 'cart_rules', job_id: jobId });
    expect(next.body).toMatchObject({ syncType: 'incremental', total_objects: 0, httpCode: 200 });
  });

  it('reads its parameters from a POST form as well, and answers the friendly URL', async () => {
    const jobId = await createJob(ts, sim.shopId, { full: true, contents: ['currencies'] });
    const posted = await pull(sim, { shop_content: 'currencies', job_id: jobId, full: 1 }, { method: 'POST' });
    expect(posted.status).toBe(201);
    expect(posted.body.total_objects).toBe(2);
    const friendly = await fetch(`${sim.url}/module/ps_eventbus/apiShopContent?shop_content=currencies&job_id=${jobId}`);
    expect(friendly.status).toBe(200);
    expect(((await friendly.json()) as { syncType: string }).syncType).toBe('incremental');
    expect((await fetch(`${sim.url}/index.php?fc=module&module=ps_eventbus&controller=apiNothing`)).status).toBe(404);
  });
});

describe('errors', () => {
  it.each([
    ['an unknown content', { shop_content: 'passwords' }, 458, 'Invalid URL query', '404 - ShopContent not found'],
    ['a negative limit', { shop_content: 'products', limit: -1 }, 458, 'Invalid URL query', 'Invalid URL Parameters'],
    ['an empty limit (PHP 8 compares "" < 0 as text)', { shop_content: 'products', limit: '' }, 458, 'Invalid URL query', 'Invalid URL Parameters'],
  ])('%s: %s', async (_name, params, status, reason, message) => {
    const reply = await pull(sim, { job_id: 'whatever', ...params });
    expect([reply.status, reply.statusText]).toEqual([status, reason]);
    expect(reply.body).toEqual({ object_type: false, status: false, httpCode: status, message });
  });

  it('a non-numeric limit is a PHP fatal error: 500 with an empty body', async () => {
    const reply = await pull(sim, { shop_content: 'products', job_id: 'x', limit: 'abc' });
    expect([reply.status, reply.text]).toEqual([500, '']);
  });

  it('a job psif does not know: 454, asked once, nothing uploaded', async () => {
    const before = sim.stats;
    const reply = await pull(sim, { shop_content: 'products', job_id: 'valid-job-1', full: 1 });
    expect([reply.status, reply.statusText]).toEqual([454, 'Database syntax error']);
    expect(reply.body).toEqual({ object_type: false, status: false, httpCode: 454, message: 'Failed saving job id to database' });
    const after = sim.stats;
    expect(after.jobValidations.refused).toBe(before.jobValidations.refused + 1);
    expect(after.uploads).toEqual(before.uploads);
  });

  it('validates a job once, then trusts it forever (even after psif expired it)', async () => {
    const jobId = await createJob(ts, sim.shopId, { full: true, contents: ['employees'], ttlSeconds: 1 });
    const requests = sim.stats.jobValidations.requests;
    expect((await pull(sim, { shop_content: 'employees', job_id: jobId, full: 1 })).status).toBe(201);
    expect((await ts.server.core.cloudsync.jobs.get(jobId)).validatedAt).toBeInstanceOf(Date);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // psif refuses the upload of the expired job: its 404 is the reply's status, and the offset stays.
    const refused = await pull(sim, { shop_content: 'employees', job_id: jobId, full: 1 });
    expect(refused.status).toBe(404);
    expect(refused.body).toMatchObject({ status: false, httpCode: 404, has_remaining_objects: true, remaining_objects: 1 });
    expect(JSON.parse(refused.body.body)).toMatchObject({ code: 'job_expired' });
    expect(sim.stats.jobValidations.requests).toBe(requests + 1);
    expect(sim.typeSync('employees')).toMatchObject({ offset: 0, fullSyncFinished: false });
  });

  it('a refused upload keeps the offset: the same page goes again with the next job', async () => {
    const wrong = await createJob(ts, sim.shopId, { full: true, contents: ['orders'] });
    const right = await createJob(ts, sim.shopId, { full: true, contents: ['stocks'] });
    const first = await pull(sim, { shop_content: 'stocks', job_id: right, limit: 10, full: 1 });
    expect(first.body).toMatchObject({ httpCode: 201, remaining_objects: 48 });
    const refused = await pull(sim, { shop_content: 'stocks', job_id: wrong, limit: 10 });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ syncType: 'full', status: false, httpCode: 400, total_objects: 10, remaining_objects: 48 });
    expect(JSON.parse(refused.body.body)).toMatchObject({ code: 'invalid_lines' });
    const again = await pull(sim, { shop_content: 'stocks', job_id: right, limit: 10 });
    expect(again.body).toMatchObject({ httpCode: 201, total_objects: 10, remaining_objects: 38 });
    expect(again.body.md5).toBe(refused.body.md5);
  });

  it('a collector that does not answer: httpCode 0, body false, HTTP 502', async () => {
    const dead = await startShop(ts, { source: { fixtures: '9.1' }, collectorUrl: `http://127.0.0.1:${await freePort()}/collector` });
    try {
      const jobId = await createJob(ts, dead.shopId, { full: true, contents: ['themes'] });
      const reply = await pull(dead, { shop_content: 'themes', job_id: jobId, full: 1 });
      expect(reply.status).toBe(502);
      expect(reply.body).toMatchObject({ status: false, httpCode: 0, body: false, total_objects: 2 });
      // themes (like info) ends its full sync in one call, whatever the upload did.
      expect(reply.body).toMatchObject({ has_remaining_objects: false });
      expect(dead.typeSync('themes')).toMatchObject({ fullSyncFinished: true });
      expect(dead.stats.uploads.byStatus).toEqual({ 0: 1 });
    } finally {
      await dead.close();
    }
  });

  it('a shop without a token: 452 once its job is known', async () => {
    const shop = await startShop(ts, { source: { fixtures: '9.1' } });
    try {
      const jobId = await createJob(ts, shop.shopId, { full: true, contents: ['languages'] });
      expect((await pull(shop, { shop_content: 'languages', job_id: jobId, full: 1 })).status).toBe(201);
      shop.useCredentials({});
      const reply = await pull(shop, { shop_content: 'languages', job_id: jobId });
      expect([reply.status, reply.statusText]).toEqual([452, 'Cannot refresh token']);
      expect(reply.body).toEqual({ object_type: false, status: false, httpCode: 452, message: 'Invalid token' });
    } finally {
      await shop.close();
    }
  });
});

describe('apiHealthCheck', () => {
  it('answers the lite form without a valid job, the full form with one', async () => {
    const shop = await startShop(ts, { source: { fixtures: '9.1' } });
    try {
      const lite = await healthCheck(shop);
      expect(lite.status).toBe(200);
      expect(lite.body).toEqual({
        ps_account: true,
        is_valid_jwt: true,
        ps_eventbus: true,
        env: { EVENT_BUS_PROXY_API_URL: `${ts.url}/collector`, EVENT_BUS_SYNC_API_URL: `${ts.url}/sync-api`, EVENT_BUS_LIVE_SYNC_API_URL: `${ts.url}/live-sync/v1` },
        httpCode: 200,
      });
      // Even without a job id, the module asks the sync API about the empty id.
      expect(shop.stats.jobValidations.refused).toBe(1);
      const jobId = await createJob(ts, shop.shopId, { contents: ['info'] });
      const full = await healthCheck(shop, jobId);
      expect(full.body).toMatchObject({ prestashop_version: '9.1.0', ps_eventbus_version: '4.0.13', ps_accounts_version: '8.0.0', php_version: '8.3.25', shop_id: shop.shopId, ps_account: true });
      expect(Object.keys(full.body)[0]).toBe('prestashop_version');
    } finally {
      await shop.close();
    }
  });
});
