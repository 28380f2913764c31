import { randomUUID } from 'node:crypto';
import { type Server, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { type Core, openCore } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config/config.js';
import { ShopSimulator } from '../../src/shopsim/shop-simulator.js';
import { testBackend } from '../support/backend.js';
import { type CliServer, runCli, startCliServer } from '../support/cli.js';
import { freePort, isolatedEnv } from '../support/server.js';
import { FAST_SYNC_ENV, identities, waitFor } from '../support/sync.js';

/**
 * psif as real processes (`psif start`): killed with SIGKILL in the middle of a full sync, and several
 * workers sharing one PostgreSQL database.
 */
describe('sync across processes', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  });

  const credentials = new Map<string, { clientId: string; clientSecret: string }>();

  /** Registers a simulated shop and a vendor module in the database, before any psif process runs. */
  async function prepare(env: Record<string, string>, sims: ShopSimulator[], shopUrl: (sim: ShopSimulator) => string = (sim) => sim.url) {
    const core = await openCore(loadConfig(env));
    try {
      await core.auth.clients.create({ kind: 'vendor', name: 'acme' });
      await core.shops.modules.create('ps_acme', 'acme');
      for (const sim of sims) {
        const { clientId, clientSecret } = await core.shops.shops.register(sim.shopId, { url: shopUrl(sim), languages: [...sim.languages] });
        sim.useCredentials({ clientId, clientSecret });
        credentials.set(sim.shopId, { clientId, clientSecret });
      }
    } finally {
      await core.close();
    }
  }

  /** The shop gives its consents through its own API, as a real shop does: that starts the sync. */
  async function consent(url: string, sim: ShopSimulator, consents: string[]) {
    const { clientId, clientSecret } = credentials.get(sim.shopId)!;
    const issued = await fetch(`${url}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }) });
    const { access_token: token } = (await issued.json()) as { access_token: string };
    const response = await fetch(`${url}/sync/v1/shops/${sim.shopId}/consents/ps_acme`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ consents }) });
    expect(response.status).toBe(200);
  }

  async function settled(core: Core, shopId: string, timeoutMs: number) {
    await waitFor(`shop ${shopId} to finish syncing`, async () => {
      const states = await core.sync.state.forShop(shopId);
      return states.length > 0 && states.every((s) => s.mode === 'incremental') && (await core.sync.tasks.active(shopId)).length === 0;
    }, timeoutMs, async () => (await core.sync.tasks.list(shopId, 20)).map((t) => `${t.content}/${t.langIso} ${t.status} ${t.objects} ${t.errorCode}`));
  }

  async function storedIds(core: Core, table: string, shopId: string): Promise<string[]> {
    return (await sql<{ id: string }>`select id from ${sql.table(table)} where shop_id = ${shopId} and not sys_deleted order by id`.execute(core.db.kysely)).rows.map((r) => r.id);
  }

  function expectedIds(core: Core, sim: ShopSimulator, content: string): string[] {
    const c = core.catalog.content(content)!;
    return [...identities(c, (c.perLanguage ? sim.languages : [sim.languages[0]!]).flatMap((lang) => sim.rows(content, lang)), sim.shopId)].sort();
  }

  it('a worker process serves only probes and metrics; an unknown role is refused', async () => {
    const { env, cleanup } = await isolatedEnv({ LOG_LEVEL: 'warn' });
    cleanups.push(cleanup);
    const worker = await startCliServer({ ...env, PSIF_ROLE: 'worker' });
    cleanups.push(() => worker.stop());
    expect((await fetch(`${worker.url}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${worker.url}/metrics`)).text()).toContain('psif_sync_pulls_total');
    expect((await fetch(`${worker.url}/oauth2/token`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${worker.url}/openapi.json`)).status).toBe(404);
    const bad = await runCli(['start', '--role', 'everything'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('all, api, worker');
  });

  it('a process killed with SIGKILL in the middle of a full sync: the restarted one completes it, no duplicate and no loss', async () => {
    const { env, cleanup } = await isolatedEnv({ ...FAST_SYNC_ENV, LOG_LEVEL: 'warn', PSIF_SYNC_LEASE_MS: '1500', PSIF_SYNC_PAGE_SIZE: '40', PSIF_SYNC_MAX_PAGE_SIZE: '40' });
    cleanups.push(cleanup);
    const sim = new ShopSimulator({ shopId: randomUUID(), psifUrl: env.PSIF_PUBLIC_URL!, liveSyncDebounceMs: 0, source: { generated: { products: 400, languages: 2 } }, faults: { delayMs: 20 } });
    await sim.listen(await freePort());
    cleanups.push(() => sim.close());
    await prepare(env, [sim]);

    let psif: CliServer = await startCliServer(env);
    cleanups.push(() => psif.stop());
    await consent(psif.url, sim, ['products']);
    await waitFor('a few pages of products', async () => sim.stats.uploads.fullPages >= 6, 20_000);
    psif.child.kill('SIGKILL');
    expect(await psif.exited).toBeNull();

    const core = await openCore(loadConfig({ ...env, PSIF_ROLE: 'api' }));
    cleanups.push(() => core.close());
    const interrupted = (await core.sync.tasks.active(sim.shopId)).filter((t) => t.status === 'running');
    expect(interrupted.length).toBeGreaterThan(0);
    expect(interrupted.every((t) => t.pages > 0)).toBe(true);
    const pagesBefore = sim.stats.uploads.fullPages;

    psif = await startCliServer(env);
    await settled(core, sim.shopId, 60_000);
    const products = core.catalog.content('products')!;
    const stored = await storedIds(core, products.table, sim.shopId);
    expect(stored).toEqual(expectedIds(core, sim, 'products'));
    const all = (await sql<{ n: number | string }>`select count(*) as n from ${sql.table(products.table)} where shop_id = ${sim.shopId}`.execute(core.db.kysely)).rows[0]!;
    expect(Number(all.n)).toBe(stored.length);
    // The pulls resumed where the shop stood (full=0), rather than starting over with full=1.
    const tasks = (await core.sync.tasks.list(sim.shopId, 20)).filter((t) => t.content === 'products');
    expect(tasks.every((t) => t.status === 'succeeded')).toBe(true);
    expect(tasks.some((t) => interrupted.some((i) => i.taskId === t.taskId) && t.lockedBy !== interrupted[0]!.lockedBy)).toBe(true);
    // Starting over would have sent everything twice; resuming re-sends at most the pages in flight at the kill.
    const rowsToSend = sim.languages.reduce((sum, lang) => sum + sim.count('products', lang), 0);
    expect(sim.stats.uploads.lines).toBeGreaterThanOrEqual(rowsToSend);
    expect(sim.stats.uploads.lines).toBeLessThan(rowsToSend * 1.5);
    expect(sim.stats.uploads.fullPages).toBeGreaterThan(pagesBefore);
  }, 120_000);

  describe.runIf(testBackend() === 'postgres')('two worker processes on one PostgreSQL database', () => {
    it('never run the same pull at the same time, and finish faster together than one alone', async () => {
      const apiPort = await freePort();
      const { env, cleanup } = await isolatedEnv({ ...FAST_SYNC_ENV, LOG_LEVEL: 'warn', PSIF_PORT: String(apiPort), PSIF_PUBLIC_URL: `http://127.0.0.1:${apiPort}`, PSIF_SYNC_PAGE_SIZE: '25', PSIF_SYNC_MAX_PAGE_SIZE: '25', PSIF_SYNC_CONCURRENCY: '2', PSIF_SYNC_SHOP_CONCURRENCY: '8', PSIF_SYNC_LEASE_MS: '5000' });
      cleanups.push(cleanup);
      const source = { generated: { products: 60, languages: 2, customers: 150, orders: 100, carts: 100 } };
      const sims = [0, 1].map(() => new ShopSimulator({ shopId: randomUUID(), psifUrl: env.PSIF_PUBLIC_URL!, liveSyncDebounceMs: 0, source, faults: { delayMs: 40 } }));
      for (const sim of sims) {
        await sim.listen(await freePort());
        cleanups.push(() => sim.close());
      }
      // A recording proxy in front of each shop: how many calls of one content and language overlap.
      const proxies = await Promise.all(sims.map((sim) => overlapProxy(sim.url)));
      cleanups.push(async () => proxies.forEach((p) => p.server.close()));
      await prepare(env, sims, (sim) => proxies[sims.indexOf(sim)]!.url);

      const api = await startCliServer({ ...env, PSIF_ROLE: 'api' });
      cleanups.push(() => api.stop());
      const worker = async () => {
        const port = await freePort();
        const server = await startCliServer({ ...env, PSIF_ROLE: 'worker', PSIF_PORT: String(port), PSIF_PUBLIC_URL: `http://127.0.0.1:${port}` });
        cleanups.push(() => server.stop());
        return server;
      };
      const core = await openCore(loadConfig({ ...env, PSIF_ROLE: 'api' }));
      cleanups.push(() => core.close());
      const contents = ['products', 'customers', 'orders', 'carts', 'categories'];

      await worker();
      let started = Date.now();
      await consent(api.url, sims[0]!, contents);
      await settled(core, sims[0]!.shopId, 90_000);
      const alone = Date.now() - started;

      await worker();
      started = Date.now();
      await consent(api.url, sims[1]!, contents);
      await settled(core, sims[1]!.shopId, 90_000);
      const together = Date.now() - started;

      for (const [i, sim] of sims.entries()) {
        for (const content of ['products', 'customers', 'orders']) expect(await storedIds(core, core.catalog.content(content)!.table, sim.shopId), `${content} of shop ${i}`).toEqual(expectedIds(core, sim, content));
        // Never two calls of one content and language at the same time.
        expect(proxies[i]!.maxPerKey(), `shop ${i}`).toBe(1);
      }
      const workersOfSecond = new Set((await core.sync.tasks.list(sims[1]!.shopId, 100)).map((t) => t.lockedBy));
      expect(workersOfSecond.size).toBe(2);
      expect(proxies[1]!.maxOverall()).toBeGreaterThan(2);
      expect(proxies[0]!.maxOverall()).toBeLessThanOrEqual(2);
      expect(together).toBeLessThan(alone);
      console.info(`two workers: one alone ${alone} ms, two together ${together} ms`);
    }, 240_000);
  });
});

/** Forwards to the shop and records, per apiShopContent content and language, the most calls in flight at once. */
async function overlapProxy(target: string): Promise<{ server: Server; url: string; maxPerKey(): number; maxOverall(): number }> {
  const inFlight = new Map<string, number>();
  let maxPerKey = 0;
  let overall = 0;
  let maxOverall = 0;
  const server = createServer((request, response) => {
    const params = new URL(request.url ?? '/', 'http://proxy').searchParams;
    const key = params.get('controller') === 'apiShopContent' ? `${params.get('shop_content')}/${params.get('lang_iso')}` : undefined;
    if (key) {
      inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
      maxPerKey = Math.max(maxPerKey, inFlight.get(key)!);
      maxOverall = Math.max(maxOverall, ++overall);
    }
    const upstream = httpRequest(`${target}${request.url}`, { method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
      answer.on('end', () => {
        if (key) {
          inFlight.set(key, inFlight.get(key)! - 1);
          overall--;
        }
      });
    });
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, maxPerKey: () => maxPerKey, maxOverall: () => maxOverall };
}
