import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, basic, startTestServer } from '../support/server.js';

let t: TestServer;
let adminToken: string;

beforeAll(async () => {
  t = await startTestServer();
  adminToken = await t.token(await t.createClient({ kind: 'admin', name: 'ops' }));
});
afterAll(() => t.close());

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${t.url}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as any) : null };
}

async function tokenStatus(clientId: string, clientSecret: string) {
  const response = await fetch(`${t.url}/oauth2/token`, { method: 'POST', headers: { authorization: basic(clientId, clientSecret), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
  return response.status;
}

describe('/admin/v1/clients', () => {
  it('creates a vendor with the default audiences and shows the secret once', async () => {
    const created = await api('POST', '/clients', { kind: 'vendor', name: 'acme', scopes: ['subscription.*'], audiences: ['https://billing.example'] });
    expect(created.status).toBe(201);
    expect(created.json.client).toMatchObject({
      kind: 'vendor', name: 'acme', status: 'active', tokenEndpointAuthMethod: 'client_secret_basic',
      scopes: ['subscription.*'], audiences: [t.url, 'tech-vendor/acme', 'https://billing.example'], grantTypes: ['client_credentials'],
    });
    expect(created.json.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await tokenStatus(created.json.client.clientId, created.json.clientSecret)).toBe(200);
    const fetched = await api('GET', `/clients/${created.json.client.clientId}`);
    expect(fetched.status).toBe(200);
    expect(JSON.stringify(fetched.json)).not.toContain(created.json.clientSecret);
  });

  it('creates a shop client registered for client_secret_post with the store audience', async () => {
    const shopId = '7d9f1c2a-3b4e-4f5a-8b6c-1d2e3f4a5b6c';
    const created = await api('POST', '/clients', { kind: 'shop', shopId });
    expect(created.json.client).toMatchObject({ kind: 'shop', name: shopId, shopId, tokenEndpointAuthMethod: 'client_secret_post', audiences: [`store/${shopId}`, t.url], scopes: ['shop.verified'] });
  });

  it('rejects bad input with a precise error and creates nothing', async () => {
    const before = (await api('GET', '/clients?limit=1000')).json.total;
    const cases = [
      [{ kind: 'vendor' }, 'invalid_name'],
      [{ kind: 'vendor', name: 'has space' }, 'invalid_name'],
      [{ kind: 'shop' }, 'invalid_shop_id'],
      [{ kind: 'robot', name: 'x' }, 'validation_failed'],
      [{ kind: 'vendor', name: 'x', scopes: ['bad scope'] }, 'invalid_scope'],
      [{ kind: 'vendor', name: 'x', unknownField: 1 }, 'validation_failed'],
      [{ kind: 'vendor', name: 'x', accessTokenTtl: 0 }, 'validation_failed'],
    ] as const;
    for (const [body, code] of cases) {
      const r = await api('POST', '/clients', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.code, JSON.stringify(body)).toBe(code);
      expect(r.json.message.length).toBeGreaterThan(5);
    }
    expect((await api('GET', '/clients?limit=1000')).json.total).toBe(before);
  });

  it('refuses a duplicate vendor name with 409', async () => {
    await api('POST', '/clients', { kind: 'vendor', name: 'dupe' });
    const r = await api('POST', '/clients', { kind: 'vendor', name: 'dupe' });
    expect(r.status).toBe(409);
    expect(r.json.code).toBe('client_exists');
  });

  it('lists with filters and pagination', async () => {
    for (const name of ['p1', 'p2', 'p3']) await api('POST', '/clients', { kind: 'resource_server', name });
    const page = await api('GET', '/clients?kind=resource_server&limit=2&offset=1');
    expect(page.status).toBe(200);
    expect(page.json.total).toBe(3);
    expect(page.json.items.map((c: { name: string }) => c.name)).toEqual(['p2', 'p3']);
    expect(page.json.pagination).toEqual({ offset: 1, limit: 2 });
    expect((await api('GET', '/clients?limit=5000')).status).toBe(400);
    expect((await api('GET', '/clients?kind=robot')).status).toBe(400);
  });

  it('updates allowed scopes: a scope removed can no longer be requested', async () => {
    const created = (await api('POST', '/clients', { kind: 'vendor', name: 'scoped', scopes: ['a', 'b'] })).json;
    const updated = await api('PATCH', `/clients/${created.client.clientId}`, { scopes: ['a'] });
    expect(updated.json.scopes).toEqual(['a']);
    const response = await fetch(`${t.url}/oauth2/token`, { method: 'POST', headers: { authorization: basic(created.client.clientId, created.clientSecret), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&scope=b' });
    expect(response.status).toBe(400);
    expect((await api('PATCH', `/clients/${created.client.clientId}`, {})).status).toBe(400);
  });

  it('rotates a secret: both work during the grace period, only the new one without grace', async () => {
    const created = (await api('POST', '/clients', { kind: 'vendor', name: 'rotating' })).json;
    const id = created.client.clientId;
    const rotated = await api('POST', `/clients/${id}/rotate-secret`, { graceSeconds: 3600 });
    expect(rotated.status).toBe(200);
    expect(new Date(rotated.json.previousSecretExpiresAt).getTime()).toBeGreaterThan(Date.now() + 3_500_000);
    expect(await tokenStatus(id, created.clientSecret)).toBe(200);
    expect(await tokenStatus(id, rotated.json.clientSecret)).toBe(200);

    const again = await api('POST', `/clients/${id}/rotate-secret`, { graceSeconds: 0 });
    expect(await tokenStatus(id, created.clientSecret)).toBe(401);
    expect(await tokenStatus(id, rotated.json.clientSecret)).toBe(401);
    expect(await tokenStatus(id, again.json.clientSecret)).toBe(200);
  });

  it('disables and enables; deletes; 404 for unknown ids', async () => {
    const created = (await api('POST', '/clients', { kind: 'vendor', name: 'toggled' })).json;
    const id = created.client.clientId;
    expect((await api('POST', `/clients/${id}/disable`)).json.status).toBe('disabled');
    expect(await tokenStatus(id, created.clientSecret)).toBe(401);
    expect((await api('POST', `/clients/${id}/enable`)).json).toMatchObject({ status: 'active', disabledAt: null });
    expect(await tokenStatus(id, created.clientSecret)).toBe(200);
    expect((await api('DELETE', `/clients/${id}`)).status).toBe(204);
    expect((await api('GET', `/clients/${id}`)).status).toBe(404);
    expect((await api('DELETE', `/clients/${id}`)).json.code).toBe('client_not_found');
    expect((await api('POST', '/clients/nope/disable')).status).toBe(404);
  });
});
