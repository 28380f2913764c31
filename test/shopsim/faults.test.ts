import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ShopSimulator } from '../../src/shopsim/shop-simulator.js';
import { createJob } from '../support/cloudsync.js';
import { type TestServer, startTestServer } from '../support/server.js';
import { fullSync, healthCheck, identities, pull, startShop, storedIds } from './rig.js';

/** Faults on demand, deterministic ones first, against a real psif. */
let ts: TestServer;
let sim: ShopSimulator;
let jobId: string;

beforeAll(async () => {
  ts = await startTestServer();
  sim = await startShop(ts, { source: { fixtures: '9.1' } });
  jobId = await createJob(ts, sim.shopId, { full: true });
});
afterAll(async () => {
  await sim?.close();
  await ts?.close();
});
beforeEach(() => sim.setFaults({}));

const currencies = (extra: Record<string, string | number> = {}) => pull(sim, { shop_content: 'currencies', job_id: jobId, full: 1, ...extra });

describe('faults', () => {
  it('"the next 2 calls fail with 500", then the shop works again', async () => {
    sim.setFaults({ error500: { next: 2 } });
    for (let i = 0; i < 2; i++) {
      const reply = await currencies();
      expect([reply.status, reply.statusText]).toEqual([500, 'Internal Server Error']);
      expect(reply.body).toEqual({ object_type: false, status: false, httpCode: 500, message: 'Server error' });
    }
    expect((await currencies()).status).toBe(201);
    expect(sim.faults.error500).toEqual({ next: 0 });
  });

  it.each([
    [452, 'Cannot refresh token', 'Invalid token'],
    [454, 'Database syntax error', 'Failed saving job id to database'],
    [458, 'Invalid URL query', 'Invalid URL Parameters'],
  ] as const)('module error %i on demand', async (code, reason, message) => {
    sim.setFaults({ shopError: { code, next: 1 } });
    const reply = await currencies();
    expect([reply.status, reply.statusText]).toEqual([code, reason]);
    expect(reply.body).toEqual({ object_type: false, status: false, httpCode: code, message });
    expect((await currencies()).status).toBe(201);
  });

  it('counts only the calls of the controller it names', async () => {
    sim.setFaults({ error500: { next: 1, controller: 'apiShopContent' } });
    expect((await healthCheck(sim)).status).toBe(200);
    expect((await currencies()).status).toBe(500);
    expect((await healthCheck(sim)).status).toBe(200);
  });

  it('hang: the call is never answered (the next one is); with ms it is answered that late', async () => {
    sim.setFaults({ hang: { next: 1 } });
    await expect(pull(sim, { shop_content: 'currencies', job_id: jobId }, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    expect((await currencies()).status).toBe(201);
    sim.setFaults({ hang: { next: 1, ms: 300 } });
    const started = Date.now();
    expect((await currencies()).status).toBe(201);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('delayMs slows every answer', async () => {
    sim.setFaults({ delayMs: 150 });
    const started = Date.now();
    expect((await healthCheck(sim)).status).toBe(200);
    expect((await currencies()).status).toBe(201);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('malformed JSON: PHP warnings printed before the reply, after the page was uploaded', async () => {
    const stocks = await createJob(ts, sim.shopId, { full: true, contents: ['stocks'] });
    sim.setFaults({ malformedJson: { next: 1 } });
    const reply = await pull(sim, { shop_content: 'stocks', job_id: stocks, limit: 10, full: 1 });
    expect(reply.status).toBe(201);
    expect(reply.body).toBeUndefined();
    expect(reply.text).toMatch(/^<br \/>\n<b>Warning<\/b>: .*\{"job_id":/s);
    expect(sim.typeSync('stocks')?.offset).toBe(10);
  });

  it('rates come from a seeded generator: the same seed fails the same calls', async () => {
    const pattern = async (seed: number) => {
      sim.setFaults({ error500: { rate: 0.5, controller: 'apiHealthCheck' }, seed });
      const statuses: number[] = [];
      for (let i = 0; i < 16; i++) statuses.push((await healthCheck(sim)).status);
      return statuses.join(',');
    };
    const first = await pattern(7);
    expect(first).toMatch(/500/);
    expect(first).toMatch(/200/);
    expect(await pattern(7)).toBe(first);
    expect(await pattern(8)).not.toBe(first);
  });

  it('loseEvents: the queue-size guard loses the next event', async () => {
    const job = await createJob(ts, sim.shopId, { full: true, contents: ['manufacturers'] });
    await fullSync(sim, job, 'manufacturers');
    sim.setFaults({ loseEvents: { next: 1 } });
    await sim.upsert('manufacturers', { id_manufacturer: 1, active: false });
    expect(sim.queue('manufacturers')).toEqual([]);
    await sim.upsert('manufacturers', { id_manufacturer: 2, active: false });
    expect(sim.queue('manufacturers')).toEqual([{ id: '2', action: 'upsert' }]);
    expect(sim.stats.queue.lostEvents).toBe(1);
  });

  it('are set over HTTP on the simulator port, with the changes and counters', async () => {
    const put = await fetch(`${sim.url}/__sim/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error500: { next: 1 } }) });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ error500: { next: 1 } });
    expect((await currencies()).status).toBe(500);
    expect(await (await fetch(`${sim.url}/__sim/faults`)).json()).toEqual({ error500: { next: 0 } });
    for (const bad of [{ error500: { rate: 2 } }, { explode: true }, { shopError: { code: 500, next: 1 } }]) {
      const refused = await fetch(`${sim.url}/__sim/faults`, { method: 'PUT', body: JSON.stringify(bad) });
      expect(refused.status, JSON.stringify(bad)).toBe(400);
    }
    const stats = (await (await fetch(`${sim.url}/__sim/stats`)).json()) as { faults: { error500: number }; calls: { apiShopContent: number } };
    expect(stats.faults.error500).toBeGreaterThan(0);
    expect(stats.calls.apiShopContent).toBeGreaterThan(0);

    const upsert = await fetch(`${sim.url}/__sim/upsert`, { method: 'POST', body: JSON.stringify({ content: 'suppliers', properties: { id_supplier: 1, name: 'Renamed' } }) });
    expect(upsert.status).toBe(200);
    expect(sim.rows('suppliers')[0]).toMatchObject({ id_supplier: 1, name: 'Renamed' });
    const removed = await fetch(`${sim.url}/__sim/delete`, { method: 'POST', body: JSON.stringify({ content: 'suppliers', id: '1', silent: true }) });
    expect(removed.status).toBe(200);
    expect(sim.rows('suppliers').map((r) => r.id_supplier)).toEqual([2]);
    expect((await fetch(`${sim.url}/__sim/upsert`, { method: 'POST', body: JSON.stringify({ content: 'nope', properties: {} }) })).status).toBe(400);
  });
});

describe('data changing during a full sync', () => {
  async function churnedFullSync(churn: { deletes?: number; inserts?: number }) {
    const shop = await startShop(ts, { source: { fixtures: '9.1' }, faults: { churn: { ...churn, contents: ['products'] } } });
    try {
      const products = ts.server.core.catalog.content('products')!;
      const job = await createJob(ts, shop.shopId, { full: true, contents: ['products'] });
      const replies = await fullSync(shop, job, 'products', { limit: 10 });
      const held = identities(products, shop.rows('products'), shop.shopId);
      const stored = new Set(await storedIds(ts, products, shop.shopId));
      return {
        replies,
        faults: shop.stats.faults,
        sent: replies.reduce((sum, r) => sum + (r.body.total_objects as number), 0),
        stored,
        neverSent: [...held].filter((id) => !stored.has(id)),
        goneFromShop: [...stored].filter((id) => !held.has(id)),
        queued: shop.queue('products'),
      };
    } finally {
      await shop.close();
    }
  }

  it('rows deleted before the offset shift the next pages back: the rows after them are never sent', async () => {
    const run = await churnedFullSync({ deletes: 2 });
    expect(run.faults.churnDeletes).toBeGreaterThan(0);
    expect(run.goneFromShop).toHaveLength(run.faults.churnDeletes);
    // Two rows skipped per shifted page, and the tail of the last one.
    expect(run.neverSent.length).toBeGreaterThan(0);
    expect(run.sent).toBe(run.stored.size);
    // The count shrank under the offset: the last call finds nothing left to send and ends the full sync.
    expect(run.replies.at(-1)!.body).toMatchObject({ total_objects: 0, has_remaining_objects: false, httpCode: 200 });
    // Nothing was queued: the deletes happened while the full sync was not finished.
    expect(run.queued).toEqual([]);
  });

  it('rows inserted before the offset shift the next pages forward: rows are sent twice, the new ones never', async () => {
    const run = await churnedFullSync({ inserts: 2 });
    expect(run.faults.churnInserts).toBeGreaterThan(0);
    expect(run.neverSent).toHaveLength(run.faults.churnInserts);
    expect(run.neverSent.every((id) => Number(id.split('-')[0]) > 1_000_000)).toBe(true);
    expect(run.sent - run.stored.size).toBe(run.faults.churnInserts);
    expect(run.goneFromShop).toEqual([]);
  });
});
