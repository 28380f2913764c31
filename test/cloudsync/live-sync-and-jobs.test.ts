import { randomUUID } from 'node:crypto';
import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliJson, startCliServer } from '../support/cli.js';
import { createJob, fixture, registerShop, rows, upload, type ShopRig } from '../support/cloudsync.js';
import { type TestServer, isolatedEnv, startTestServer } from '../support/server.js';

let ts: TestServer;
let shop: ShopRig;
let other: ShopRig;

beforeAll(async () => {
  ts = await startTestServer({ PSIF_LIVE_SYNC_DEBOUNCE_MS: '60000' });
  shop = await registerShop(ts);
  other = await registerShop(ts);
});
afterAll(async () => ts?.close());

const notify = (shopId: string, token: string | undefined, body: unknown, prefix = '/live-sync/v1') =>
  fetch(`${ts.url}${prefix}/notify/${shopId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'ps-eventbus/4.0.13', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

describe('live sync (POST /live-sync/v1/notify/{shopId})', () => {
  it('records one debounced pending pull per content, counting notifications', async () => {
    const first = await notify(shop.shopId, shop.token, { shopContents: ['cart-products'], action: 'upsert' });
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({ shopId: shop.shopId, contents: ['cart_products'], action: 'upsert' });
    expect((await notify(shop.shopId, shop.token, { shopContents: ['cart-products'], action: 'delete' }, '/live-sync-api/v1')).status).toBe(201);
    expect((await notify(shop.shopId, shop.token, { shopContents: ['products'], action: 'upsert' })).status).toBe(201);

    const pending = await ts.server.core.cloudsync.liveSync.pending(shop.shopId);
    expect(pending.map((p) => [p.content, p.notifications, p.last_action])).toEqual([['cart_products', 2, 'delete'], ['products', 1, 'upsert']]);
    const cart = pending[0]!;
    expect(cart.due_at - cart.pending_since).toBe(60_000);
    expect(await ts.server.core.cloudsync.liveSync.due(cart.pending_since + 59_999)).toHaveLength(0);
    expect((await ts.server.core.cloudsync.liveSync.due(cart.due_at)).map((p) => p.content)).toContain('cart_products');
    // A pull that started after the last notification serves it.
    await ts.server.core.cloudsync.liveSync.served(shop.shopId, 'cart_products', Date.now());
    expect((await ts.server.core.cloudsync.liveSync.pending(shop.shopId)).map((p) => p.content)).toEqual(['products']);
  });

  it.each([
    ['an unknown content', { shopContents: ['passwords'], action: 'upsert' }, 400, 'unknown_content'],
    ['an unknown action', { shopContents: ['products'], action: 'truncate' }, 400, 'validation_failed'],
    ['no content', { shopContents: [], action: 'upsert' }, 400, 'validation_failed'],
  ])('rejects %s', async (_name, body, status, code) => {
    const response = await notify(shop.shopId, shop.token, body);
    expect(response.status).toBe(status);
    expect(((await response.json()) as { code: string }).code).toBe(code);
  });

  it("refuses strangers and another shop's token", async () => {
    expect((await notify(shop.shopId, undefined, { shopContents: ['products'], action: 'upsert' })).status).toBe(401);
    const response = await notify(shop.shopId, other.token, { shopContents: ['orders'], action: 'upsert' });
    expect(response.status).toBe(403);
    expect((await ts.server.core.cloudsync.liveSync.pending(shop.shopId)).map((p) => p.content)).not.toContain('orders');
  });
});

describe('jobs', () => {
  const validate = (jobId: string, token: string, prefix = '/sync-api') => fetch(`${ts.url}${prefix}/job/${jobId}`, { headers: { authorization: `Bearer ${token}` } });

  it('answers 201 only for a live job of the calling shop, and records the first validation', async () => {
    const jobId = await createJob(ts, shop.shopId, { full: true, contents: ['products', 'info'] });
    const ok = await validate(jobId, shop.token, '/sync/v1');
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({ jobId, shopId: shop.shopId, mode: 'full', contents: ['products', 'info'], validatedAt: null });
    expect((await ts.server.core.cloudsync.jobs.get(jobId)).validatedAt).toBeInstanceOf(Date);

    const foreign = await validate(jobId, other.token);
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { code: string }).code).toBe('job_of_another_shop');
    expect((await validate(randomUUID(), shop.token)).status).toBe(404);
  });

  it('expires: validation and uploads answer 404 job_expired', async () => {
    const jobId = await createJob(ts, shop.shopId, { ttlSeconds: 1 });
    expect((await validate(jobId, shop.token)).status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const expired = await validate(jobId, shop.token);
    expect(expired.status).toBe(404);
    expect(((await expired.json()) as { code: string }).code).toBe('job_expired');
  });

  it('rejects unknown contents and languages when created', async () => {
    await expect(ts.server.core.cloudsync.jobs.create({ shopId: shop.shopId, contents: ['products', 'passwords'] })).rejects.toMatchObject({ code: 'unknown_content' });
    await expect(ts.server.core.cloudsync.jobs.create({ shopId: shop.shopId, langIso: 'english' })).rejects.toMatchObject({ code: 'invalid_language' });
    await expect(ts.server.core.cloudsync.jobs.create({ shopId: randomUUID() })).rejects.toMatchObject({ code: 'shop_not_found' });
    // Kebab case is accepted and stored in snake case.
    expect((await ts.server.core.cloudsync.jobs.create({ shopId: shop.shopId, contents: ['cart-products'] })).contents).toEqual(['cart_products']);
  });
});

describe('large uploads are spooled to disk, not held in memory', () => {
  it('stores an upload bigger than PSIF_UPLOAD_MEMORY_BYTES exactly like a small one, and leaves no spool file', async () => {
    const spooling = await startTestServer({ PSIF_UPLOAD_MEMORY_BYTES: '2048' });
    try {
      const rig = await registerShop(spooling);
      const jobId = await createJob(spooling, rig.shopId);
      expect((await upload(spooling, jobId, fixture('9.1', 'categories.json'), { token: rig.token })).status).toBe(201);
      // Upserts first, then a delete: the order of operations must survive the trip through the spool file.
      const lines = [...fixture('9.1', 'products.json'), { action: 'delete', collection: 'categories', properties: { id: '3' } }];
      const response = await upload(spooling, jobId, lines, { token: rig.token });
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ accepted: lines.length, upserted: lines.length - 1, deleted: 1 });
      expect(await rows(spooling, 'shop_products', rig.shopId)).toHaveLength(fixture('9.1', 'products.json').length);
      const categories = await rows(spooling, 'shop_categories', rig.shopId);
      expect(categories.filter((r) => Number(r.sys_deleted) === 1).map((r) => r.id)).toEqual(['3-en']);
      const metrics = await (await fetch(`${spooling.url}/metrics`)).text();
      expect(metrics).toContain('psif_collector_uploads_total{endpoint="upload",outcome="ok"} 2');
      expect(metrics).toContain(`psif_collector_lines_total{operation="upsert"} ${lines.length - 1 + fixture('9.1', 'categories.json').length}`);
      const { readdirSync, existsSync } = await import('node:fs');
      const spool = spooling.server.core.cloudsync.spoolDirectory;
      expect(existsSync(spool) ? readdirSync(spool) : []).toEqual([]);
    } finally {
      await spooling.close();
    }
  });
});

describe('PSIF_SHOP_TOKEN_INSECURE (testing only)', () => {
  /** Shaped like ps_accounts_mock's token: a Firebase ID token, expired, signed by a key nobody has. */
  async function mockToken(shopId: string): Promise<string> {
    const { privateKey } = await generateKeyPair('RS256');
    return new SignJWT({ user_id: shopId, email: `${shopId}@shop.prestashop.com` })
      .setProtectedHeader({ alg: 'RS256', kid: '1e973ee0e16f7eef4f921d50dc61d70b2efefc19' })
      .setIssuer('https://securetoken.google.com/prestashop-ready-prod').setAudience('prestashop-ready-prod').setSubject(shopId)
      .setIssuedAt(1679065714).setExpirationTime(1679069314).sign(privateKey);
  }

  it('is off by default: the mock token is refused', async () => {
    const jobId = await createJob(ts, shop.shopId);
    const response = await fetch(`${ts.url}/sync-api/job/${jobId}`, { headers: { authorization: `Bearer ${await mockToken(shop.shopId)}` } });
    expect(response.status).toBe(401);
  });

  it('when on, accepts the unverifiable token for its own shop only, logging a warning at start and on each use', async () => {
    const { env, cleanup } = await isolatedEnv({ PSIF_SHOP_TOKEN_INSECURE: 'true', LOG_LEVEL: 'warn' });
    const server = await startCliServer(env);
    try {
      const shopId = randomUUID();
      await runCliJson(['shops', 'register', '--shop-id', shopId, '--url', 'http://mock.example'], env);
      const job = await runCliJson<{ job_id: string }>(['jobs', 'create', '--shop-id', shopId, '--contents', 'products'], env);
      const token = await mockToken(shopId);
      expect(server.output().stdout).toContain('INSECURE MODE');
      const validated = await fetch(`${server.url}/sync-api/job/${job.job_id}`, { headers: { authorization: `Bearer ${token}` } });
      expect(validated.status).toBe(201);
      const lines = fixture('9.1', 'products.json').slice(0, 3);
      const { curlMultipart, ndjson } = await import('../support/cloudsync.js');
      const { body, contentType } = curlMultipart(ndjson(lines));
      const uploaded = await fetch(`${server.url}/collector/upload/${job.job_id}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, body });
      expect(uploaded.status).toBe(201);
      // Another shop's mock token gets nothing of this shop.
      const foreign = await fetch(`${server.url}/sync-api/job/${job.job_id}`, { headers: { authorization: `Bearer ${await mockToken(randomUUID())}` } });
      expect(foreign.status).toBe(403);
      // A token naming no shop at all is still refused.
      const { privateKey } = await generateKeyPair('RS256');
      const anonymous = await new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setSubject('nobody').sign(privateKey);
      expect((await fetch(`${server.url}/sync-api/job/${job.job_id}`, { headers: { authorization: `Bearer ${anonymous}` } })).status).toBe(401);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const warnings = server.output().stdout.split('\n').filter((line) => line.includes('INSECURE: accepted an unverified shop token'));
      expect(warnings.length).toBe(3);
    } finally {
      await server.stop();
      await cleanup();
    }
  });
});
