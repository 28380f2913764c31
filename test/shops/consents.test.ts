import { randomUUID } from 'node:crypto';
import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerShop, type ShopRig } from '../support/cloudsync.js';
import { type TestServer, startTestServer } from '../support/server.js';

let ts: TestServer;
let adminToken: string;
let shop: ShopRig;
let otherShop: ShopRig;

beforeAll(async () => {
  ts = await startTestServer();
  adminToken = await ts.token(await ts.createClient({ kind: 'admin', name: 'ops' }));
  await ts.createClient({ kind: 'vendor', name: 'acme' });
  await ts.server.core.shops.modules.create('ps_acme', 'acme');
  await ts.server.core.shops.modules.create('ps_second', 'acme');
  shop = await registerShop(ts);
  otherShop = await registerShop(ts);
});
afterAll(async () => ts?.close());

async function call(method: string, path: string, token: string | undefined, body?: unknown) {
  const response = await fetch(`${ts.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as any) : null };
}

const historical = (s: ShopRig, body: unknown, token = s.token) => call('POST', `/sync-api/consent/${s.shopId}`, token, body);

describe('consents, historical body (POST /sync-api/consent/{shopId})', () => {
  it('grants consents with info always included, and answers 201 with the resulting set', async () => {
    const response = await historical(shop, { moduleName: 'ps_acme', shopConsentAccepted: ['products', 'orders'], shopConsentRevoked: [] });
    expect(response).toMatchObject({ status: 201, json: { shopId: shop.shopId, moduleName: 'ps_acme', consents: ['info', 'orders', 'products'] } });
    expect(response.json.updatedAt).toEqual(expect.any(String));
  });

  it('revokes some consents and keeps the others', async () => {
    const response = await historical(shop, { moduleName: 'ps_acme', shopConsentAccepted: ['carts'], shopConsentRevoked: ['orders'] });
    expect(response.json.consents).toEqual(['carts', 'info', 'products']);
  });

  it.each([
    ['an unknown consent name', { moduleName: 'ps_acme', shopConsentAccepted: ['products', 'passwords'], shopConsentRevoked: [] }, 400, 'unknown_consent'],
    ['a module nobody registered', { moduleName: 'ps_nobody', shopConsentAccepted: ['products'], shopConsentRevoked: [] }, 404, 'module_not_found'],
    ['a name both accepted and revoked', { moduleName: 'ps_acme', shopConsentAccepted: ['orders'], shopConsentRevoked: ['orders'] }, 400, 'conflicting_consents'],
    ['revoking info alone', { moduleName: 'ps_acme', shopConsentAccepted: [], shopConsentRevoked: ['info'] }, 400, 'info_required'],
    ['a missing list', { moduleName: 'ps_acme', shopConsentAccepted: ['products'] }, 400, 'validation_failed'],
    ['a module name with SQL in it', { moduleName: "ps_acme'; drop table consents; --", shopConsentAccepted: [], shopConsentRevoked: [] }, 400, 'validation_failed'],
  ])('rejects %s and changes nothing', async (_name, body, status, code) => {
    const before = await call('GET', `/sync/v1/shops/${shop.shopId}/consents`, shop.token);
    const response = await historical(shop, body);
    expect(response.status).toBe(status);
    expect(response.json.code).toBe(code);
    expect(await call('GET', `/sync/v1/shops/${shop.shopId}/consents`, shop.token)).toEqual(before);
  });

  it('revoking info with everything else empties the set', async () => {
    await historical(otherShop, { moduleName: 'ps_acme', shopConsentAccepted: ['products'], shopConsentRevoked: [] });
    const response = await historical(otherShop, { moduleName: 'ps_acme', shopConsentAccepted: [], shopConsentRevoked: ['info', 'products'] });
    expect(response).toMatchObject({ status: 201, json: { consents: [], updatedAt: null } });
  });
});

describe('shop self-service REST API (/sync/v1/shops/{shopId})', () => {
  it('reads and updates the shop URL and languages', async () => {
    const read = await call('GET', `/sync/v1/shops/${shop.shopId}`, shop.token);
    expect(read).toMatchObject({ status: 200, json: { shopId: shop.shopId, languages: ['en'] } });
    const patched = await call('PATCH', `/sync/v1/shops/${shop.shopId}`, shop.token, { url: 'https://shop.example/fr/', languages: ['FR', 'en'] });
    expect(patched).toMatchObject({ status: 200, json: { url: 'https://shop.example/fr', languages: ['fr', 'en'] } });
    for (const [body, code] of [
      [{ url: 'ftp://shop.example' }, 'invalid_url'],
      [{ url: 'https://user:pw@shop.example' }, 'invalid_url'],
      [{ languages: ['english'] }, 'invalid_language'],
      [{}, 'validation_failed'],
      [{ url: 'https://x.example', role: 'admin' }, 'validation_failed'],
    ] as const) {
      const response = await call('PATCH', `/sync/v1/shops/${shop.shopId}`, shop.token, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.json.code).toBe(code);
    }
    expect((await call('GET', `/sync/v1/shops/${shop.shopId}`, shop.token)).json).toMatchObject({ url: 'https://shop.example/fr', languages: ['fr', 'en'] });
  });

  it('lists, replaces and deletes consents per module', async () => {
    const put = await call('PUT', `/sync/v1/shops/${shop.shopId}/consents/ps_second`, shop.token, { consents: ['customers'] });
    expect(put).toMatchObject({ status: 200, json: { moduleName: 'ps_second', consents: ['customers', 'info'] } });
    const list = await call('GET', `/sync/v1/shops/${shop.shopId}/consents`, shop.token);
    expect(list.json.items.map((i: { moduleName: string }) => i.moduleName)).toEqual(['ps_acme', 'ps_second']);
    expect((await call('PUT', `/sync/v1/shops/${shop.shopId}/consents/ps_second`, shop.token, { consents: ['secrets'] })).status).toBe(400);
    expect((await call('DELETE', `/sync/v1/shops/${shop.shopId}/consents/ps_second`, shop.token)).status).toBe(204);
    expect((await call('GET', `/sync/v1/shops/${shop.shopId}/consents/ps_second`, shop.token)).json).toMatchObject({ consents: [] });
    expect((await call('GET', `/sync/v1/shops/${shop.shopId}/consents/ps_nobody`, shop.token)).json.code).toBe('module_not_found');
  });

  it('records every change in the consent log', async () => {
    const events = await ts.server.core.db.kysely.selectFrom('consent_events').selectAll().where('shop_id', '=', shop.shopId).orderBy('at').execute();
    expect(events.map((e) => `${e.module_name}:${e.action}:${e.consent}:${e.via}`)).toEqual(
      expect.arrayContaining(['ps_acme:granted:products:sync-api', 'ps_acme:revoked:orders:sync-api', 'ps_second:granted:customers:sync/v1', 'ps_second:revoked:customers:sync/v1']),
    );
  });
});

describe('who may manage a shop', () => {
  it('a shop token cannot read or change another shop', async () => {
    for (const [method, path, body] of [
      ['GET', `/sync/v1/shops/${otherShop.shopId}`, undefined],
      ['PATCH', `/sync/v1/shops/${otherShop.shopId}`, { url: 'https://evil.example' }],
      ['PUT', `/sync/v1/shops/${otherShop.shopId}/consents/ps_acme`, { consents: ['customers'] }],
      ['POST', `/sync-api/consent/${otherShop.shopId}`, { moduleName: 'ps_acme', shopConsentAccepted: ['customers'], shopConsentRevoked: [] }],
    ] as const) {
      const response = await call(method, path, shop.token, body);
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.json.code).toBe('shop_mismatch');
    }
    expect((await call('GET', `/sync/v1/shops/${otherShop.shopId}`, otherShop.token)).json.url).not.toBe('https://evil.example');
  });

  it('vendor tokens and strangers are refused; admins may act for any shop', async () => {
    const vendor = await ts.token(await ts.createClient({ kind: 'vendor', name: 'mallory' }));
    expect((await call('GET', `/sync/v1/shops/${shop.shopId}`, vendor)).status).toBe(403);
    expect((await call('GET', `/sync/v1/shops/${shop.shopId}`, undefined)).status).toBe(401);
    expect((await call('GET', `/sync/v1/shops/${shop.shopId}`, 'not.a.token')).status).toBe(401);
    expect((await call('GET', `/sync/v1/shops/${shop.shopId}`, adminToken)).status).toBe(200);
  });

  it('a shop of a trusted external issuer registers itself with PUT (201, then 200)', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const { createServer } = await import('node:http');
    const { exportJWK } = await import('jose');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const address = jwks.address() as { port: number };
    const issuer = `http://127.0.0.1:${address.port}`;
    const external = await startTestServer({ PSIF_SHOP_TOKEN_ISSUERS: `${issuer}|${issuer}/jwks.json` });
    try {
      const shopId = randomUUID();
      const token = await new SignJWT({ scp: ['shop.verified'] })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer(issuer).setSubject('hydra-client-id').setAudience([`store/${shopId}`, 'https://accounts-api.distribution.prestashop.net'])
        .setIssuedAt().setExpirationTime('5m').sign(privateKey);
      const put = (url: string) => fetch(`${external.url}/sync/v1/shops/${shopId}`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ url }) });
      const created = await put('https://external.example');
      expect(created.status).toBe(201);
      expect(await created.json()).toMatchObject({ shopId, clientId: null, url: 'https://external.example' });
      expect((await put('https://external.example/v2')).status).toBe(200);
      const other = await fetch(`${external.url}/sync/v1/shops/${randomUUID()}`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ url: 'https://x.example' }) });
      expect(other.status).toBe(403);
    } finally {
      await external.close();
      jwks.close();
    }
  });
});

describe('/admin/v1 shops and modules', () => {
  it('registers a shop with its client, lists, reads and deletes it', async () => {
    const shopId = randomUUID();
    const created = await call('POST', '/admin/v1/shops', adminToken, { shopId, url: 'https://admin.example', languages: ['en'] });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ shop: { shopId, clientId: created.json.clientId }, clientSecret: expect.any(String) });
    expect((await call('POST', '/admin/v1/shops', adminToken, { shopId, url: 'https://admin.example' })).json.code).toBe('shop_exists');
    expect((await call('POST', '/admin/v1/shops', adminToken, { shopId: 'NOT-A-UUID', url: 'https://admin.example' })).status).toBe(400);
    const listed = await call('GET', '/admin/v1/shops?limit=1000', adminToken);
    expect(listed.json.items.map((s: { shopId: string }) => s.shopId)).toContain(shopId);
    expect((await call('DELETE', `/admin/v1/shops/${shopId}`, adminToken)).status).toBe(204);
    expect((await call('GET', `/admin/v1/shops/${shopId}`, adminToken)).status).toBe(404);
    expect((await call('GET', '/admin/v1/shops', shop.token)).status).toBe(403);
  });

  it('creates, lists and deletes modules; deleting a module removes its consents', async () => {
    expect((await call('POST', '/admin/v1/modules', adminToken, { name: 'ps_temp', vendor: 'acme' })).status).toBe(201);
    expect((await call('POST', '/admin/v1/modules', adminToken, { name: 'ps_temp', vendor: 'acme' })).json.code).toBe('module_exists');
    expect((await call('POST', '/admin/v1/modules', adminToken, { name: 'ps_x', vendor: 'ghost' })).json.code).toBe('vendor_not_found');
    await historical(shop, { moduleName: 'ps_temp', shopConsentAccepted: ['stocks'], shopConsentRevoked: [] });
    expect((await call('GET', '/admin/v1/modules?vendor=acme', adminToken)).json.items.map((m: { name: string }) => m.name)).toEqual(['ps_acme', 'ps_second', 'ps_temp']);
    expect((await call('DELETE', '/admin/v1/modules/ps_temp', adminToken)).status).toBe(204);
    const consents = await call('GET', `/sync/v1/shops/${shop.shopId}/consents`, shop.token);
    expect(consents.json.items.map((i: { moduleName: string }) => i.moduleName)).not.toContain('ps_temp');
  });
});
