import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliServer, runCli, runCliJson, startCliServer } from '../support/cli.js';
import { fixture, ndjson } from '../support/cloudsync.js';
import { basic, isolatedEnv } from '../support/server.js';

const execFileAsync = promisify(execFile);

/**
 * An operator sets up a shop with the CLI against a running `psif start`, and the shop talks to psif
 * with the real curl binary, sending what ps_eventbus' PHP curl sends.
 */
let env: Record<string, string>;
let cleanup: () => Promise<void>;
let server: CliServer;
let scratch: string;

beforeAll(async () => {
  ({ env, cleanup } = await isolatedEnv({ PSIF_AUTH_CACHE_MS: '0' }));
  server = await startCliServer(env);
  scratch = mkdtempSync(path.join(tmpdir(), 'psif-curl-'));
});
afterAll(async () => {
  await server?.stop();
  await cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

async function curl(args: string[]): Promise<{ status: number; body: string; uploaded: number }> {
  const out = path.join(scratch, `${randomUUID()}.out`);
  const { stdout } = await execFileAsync('curl', ['-sS', '-o', out, '-w', '%{http_code} %{size_upload}', '--max-time', '20', ...args]);
  const [status, uploaded] = stdout.trim().split(' ').map(Number);
  const { readFileSync } = await import('node:fs');
  return { status: status!, uploaded: uploaded!, body: readFileSync(out, 'utf8') };
}

async function shopToken(clientId: string, clientSecret: string): Promise<string> {
  // ps_accounts asks with client_secret_post and the store audience.
  const response = await fetch(`${server.url}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

describe('operator CLI and a shop speaking curl', () => {
  const shopId = randomUUID();
  let shop: { shop_id: string; client_id: string; client_secret: string };
  let token: string;
  let jobId: string;

  it('psif shops register --json prints shop_id, client_id and client_secret', async () => {
    shop = await runCliJson(['shops', 'register', '--shop-id', shopId, '--url', 'http://shop.example/', '--languages', 'en,fr'], env);
    expect(shop).toMatchObject({ shop_id: shopId, url: 'http://shop.example', languages: ['en', 'fr'] });
    expect(shop.client_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(shop.client_secret.length).toBeGreaterThan(30);
    token = await shopToken(shop.client_id, shop.client_secret);
    const again = await runCli(['shops', 'register', '--shop-id', shopId, '--url', 'http://shop.example'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('shop_exists');
  });

  it('psif modules create registers a module for an existing vendor, and refuses unknown vendors', async () => {
    await runCliJson(['clients', 'create', '--kind', 'vendor', '--name', 'acme'], env);
    const module = await runCliJson(['modules', 'create', '--name', 'ps_acme', '--vendor', 'acme'], env);
    expect(module).toMatchObject({ name: 'ps_acme', vendor: 'acme' });
    const unknown = await runCli(['modules', 'create', '--name', 'ps_other', '--vendor', 'nobody'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('vendor_not_found');
    expect((await runCliJson<{ items: unknown[] }>(['modules', 'list', '--vendor', 'acme'], env)).items).toHaveLength(1);
  });

  it('psif jobs create --full --json issues a job the shop validates with 201 (curl, GET /sync-api/job)', async () => {
    const job = await runCliJson<{ job_id: string; mode: string; contents: string[] }>(['jobs', 'create', '--shop-id', shopId, '--full'], env);
    expect(job).toMatchObject({ mode: 'full' });
    expect(job.contents).toHaveLength(35);
    jobId = job.job_id;
    const headers = ['-H', 'Accept: application/json', '-H', `Authorization: Bearer ${token}`, '-H', 'User-Agent: ps-eventbus/4.0.13'];
    for (const prefix of ['/sync-api', '/sync/v1']) {
      const response = await curl([...headers, `${server.url}${prefix}/job/${jobId}`]);
      expect(response.status).toBe(201);
      expect(JSON.parse(response.body)).toMatchObject({ jobId, shopId });
    }
    expect((await curl([...headers, `${server.url}/sync-api/job/${randomUUID()}`])).status).toBe(404);
    expect((await curl(['-H', 'Authorization: Bearer nope', `${server.url}/sync-api/job/${jobId}`])).status).toBe(401);
  });

  it('curl uploads a CRLF NDJSON file with Expect: 100-continue and gets 201; a refused upload never sends its body', async () => {
    const lines = fixture('9.1', 'products.json');
    const file = path.join(scratch, 'file');
    writeFileSync(file, ndjson(lines));
    const common = ['-H', 'Accept: application/json', '-H', 'Full-Sync-Requested: 1', '-H', 'User-Agent: ps-eventbus/4.0.13', '-H', 'Expect: 100-continue', '-F', `file=@${file};filename=file;type=text/plain`];
    const stored = await curl([...common, '-H', `Authorization: Bearer ${token}`, `${server.url}/collector/upload/${jobId}`]);
    expect(stored.status, stored.body).toBe(201);
    expect(JSON.parse(stored.body)).toMatchObject({ accepted: lines.length, upserted: lines.length, deleted: 0, skipped: 0 });

    // The job check fails before 100 Continue: curl gives up its body (size_upload 0).
    const refused = await curl([...common, '-H', `Authorization: Bearer ${token}`, `${server.url}/collector/upload/${randomUUID()}`]);
    expect(refused.status).toBe(404);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'job_not_found' });
    expect(refused.uploaded).toBe(0);
    const stranger = await curl([...common, `${server.url}/collector/v1/upload/${jobId}`]);
    expect(stranger.status).toBe(401);
    expect(stranger.uploaded).toBe(0);
  });

  it('the admin API lists the upload log, with the refusals attributed to the shop', async () => {
    const admin = await runCliJson<{ client_id: string; client_secret: string }>(['clients', 'create', '--kind', 'admin', '--name', 'ops'], env);
    const tokenResponse = await fetch(`${server.url}/oauth2/token`, { method: 'POST', headers: { authorization: basic(admin.client_id, admin.client_secret), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    const adminToken = ((await tokenResponse.json()) as { access_token: string }).access_token;
    const response = await fetch(`${server.url}/admin/v1/shops/${shopId}/uploads`, { headers: { authorization: `Bearer ${adminToken}` } });
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as { items: { status: string; errorCode: string | null; userAgent: string; fullSyncRequested: boolean | null; collections: string[] }[] };
    expect(items.map((i) => [i.status, i.errorCode]).sort()).toEqual([['rejected', 'job_not_found'], ['stored', null]]);
    expect(items.find((i) => i.status === 'stored')).toMatchObject({ userAgent: 'ps-eventbus/4.0.13', fullSyncRequested: true, collections: ['products'] });
  });

  it('psif shops show and delete: deleting a shop removes its data and its client', async () => {
    const shown = await runCliJson<{ shopId: string; jobs: unknown[] }>(['shops', 'show', shopId], env);
    expect(shown.shopId).toBe(shopId);
    expect(shown.jobs).toHaveLength(1);
    expect((await runCli(['shops', 'delete', shopId], env)).code).toBe(0);
    const tokenResponse = await fetch(`${server.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: shop.client_id, client_secret: shop.client_secret }),
    });
    expect(tokenResponse.status).toBe(401);
    const job = await curl(['-H', `Authorization: Bearer ${token}`, `${server.url}/sync-api/job/${jobId}`]);
    expect(job.status).toBe(401);
    expect((await runCliJson<{ items: unknown[] }>(['shops', 'list'], env)).items).toHaveLength(0);
  });
});
