import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, basic, startTestServer } from '../support/server.js';

const execFileAsync = promisify(execFile);

let t: TestServer;
let vendor: { clientId: string; clientSecret: string };
let shop: { clientId: string; clientSecret: string };
const shopId = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

beforeAll(async () => {
  t = await startTestServer();
  vendor = await t.createClient({ kind: 'vendor', name: 'acme', scopes: ['openid', 'subscription.write', 'customer.*'] });
  shop = await t.createClient({ kind: 'shop', shopId });
});
afterAll(() => t.close());

async function tokenRequest(body: string | URLSearchParams, headers: Record<string, string> = {}, path = '/oauth2/token') {
  const response = await fetch(`${t.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: typeof body === 'string' ? body : body.toString(),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const vendorAuth = () => ({ authorization: basic(vendor.clientId, vendor.clientSecret) });

describe('POST /oauth2/token: successful grants', () => {
  it('answers the exact curl call of the PrestaShop documentation', async () => {
    // Basic header plus client_id in the body, two audiences in one space-separated parameter.
    const { stdout } = await execFileAsync('curl', [
      '-s', '-X', 'POST', `${t.url}/oauth2/token`,
      '-H', `Authorization: Basic ${Buffer.from(`${vendor.clientId}:${vendor.clientSecret}`).toString('base64')}`,
      '-H', 'Content-Type: application/x-www-form-urlencoded',
      '-d', `client_id=${vendor.clientId}`,
      '-d', 'grant_type=client_credentials',
      '-d', `audience=${t.url} tech-vendor/acme`,
    ]);
    const body = JSON.parse(stdout) as { access_token: string; token_type: string; expires_in: number; scope: string };
    expect(body.token_type).toBe('bearer');
    expect(body.expires_in).toBe(3600);
    expect(body.scope).toBe('');
    const claims = decodeJwt(body.access_token);
    expect(claims.aud).toEqual([t.url, 'tech-vendor/acme']);
    expect(claims.sub).toBe(vendor.clientId);
  });

  it('issues an RFC 9068 + Hydra-compatible JWT with no-store headers', async () => {
    const r = await tokenRequest(new URLSearchParams({ grant_type: 'client_credentials', scope: 'subscription.write customer.write.estimate', audience: 'tech-vendor/acme' }), vendorAuth());
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.headers.get('pragma')).toBe('no-cache');
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(r.json).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    const token = r.json.access_token as string;
    const header = decodeProtectedHeader(token);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(typeof header.kid).toBe('string');
    const claims = decodeJwt(token);
    expect(Object.keys(claims).sort()).toEqual(['aud', 'client_id', 'exp', 'ext', 'iat', 'iss', 'jti', 'nbf', 'scope', 'scp', 'sub'].sort());
    expect(claims).toMatchObject({
      iss: t.url,
      sub: vendor.clientId,
      client_id: vendor.clientId,
      aud: ['tech-vendor/acme'],
      scp: ['subscription.write', 'customer.write.estimate'],
      scope: 'subscription.write customer.write.estimate',
      ext: {},
    });
    expect((claims.exp as number) - (claims.iat as number)).toBe(3600);
    expect(claims.nbf).toBe(claims.iat);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives every allowed audience when none is requested, always as an array', async () => {
    const claims = decodeJwt(await t.token(vendor));
    expect(claims.aud).toEqual([t.url, 'tech-vendor/acme']);
  });

  it('accepts a repeated audience parameter as a list (as Hydra does)', async () => {
    const r = await tokenRequest(`grant_type=client_credentials&audience=${encodeURIComponent(t.url)}&audience=tech-vendor%2Facme`, vendorAuth());
    expect(r.status).toBe(200);
    expect(decodeJwt(r.json.access_token as string).aud).toEqual([t.url, 'tech-vendor/acme']);
  });

  it('authenticates shops with client_secret_post, as ps_accounts does, and treats an empty scope as omitted', async () => {
    const r = await tokenRequest(new URLSearchParams({ grant_type: 'client_credentials', client_id: shop.clientId, client_secret: shop.clientSecret, scope: '', audience: `store/${shopId} ${t.url}` }));
    expect(r.status).toBe(200);
    const claims = decodeJwt(r.json.access_token as string);
    expect(claims.aud).toEqual([`store/${shopId}`, t.url]);
    expect(claims.scp).toEqual([]);
  });

  it('grants shop.verified to a shop that asks for it', async () => {
    const r = await tokenRequest(new URLSearchParams({ grant_type: 'client_credentials', client_id: shop.clientId, client_secret: shop.clientSecret, scope: 'shop.verified' }));
    expect(decodeJwt(r.json.access_token as string).scp).toEqual(['shop.verified']);
  });

  it('form-decodes Basic credentials (RFC 6749 §2.3.1)', async () => {
    const encoded = Buffer.from(`${encodeURIComponent(vendor.clientId)}:${encodeURIComponent(vendor.clientSecret)}`).toString('base64');
    const r = await tokenRequest('grant_type=client_credentials', { authorization: `Basic ${encoded}` });
    expect(r.status).toBe(200);
  });

  it('honours a per-client token lifetime', async () => {
    const short = await t.createClient({ kind: 'vendor', name: 'short-lived', accessTokenTtl: 120 });
    const claims = decodeJwt(await t.token(short));
    expect((claims.exp as number) - (claims.iat as number)).toBe(120);
  });
});

describe('POST /oauth2/token: RFC 6749 §5.2 errors', () => {
  const cases: { name: string; body: string; headers?: () => Record<string, string>; status: number; error: string; description?: RegExp }[] = [
    { name: 'missing client authentication', body: 'grant_type=client_credentials', status: 401, error: 'invalid_client' },
    { name: 'missing grant_type', body: '', headers: vendorAuth, status: 400, error: 'invalid_request', description: /body|grant_type/ },
    { name: 'unsupported grant_type', body: 'grant_type=password&username=a&password=b', headers: vendorAuth, status: 400, error: 'unsupported_grant_type', description: /password/ },
    { name: 'authorization_code grant', body: 'grant_type=authorization_code&code=x', headers: vendorAuth, status: 400, error: 'unsupported_grant_type' },
    { name: 'scope not allowed (named in the message)', body: 'grant_type=client_credentials&scope=openid%20admin', headers: vendorAuth, status: 400, error: 'invalid_scope', description: /'admin'/ },
    { name: 'wildcard does not cover the parent scope', body: 'grant_type=client_credentials&scope=customer', headers: vendorAuth, status: 400, error: 'invalid_scope' },
    { name: 'exact scope does not cover a child scope', body: 'grant_type=client_credentials&scope=subscription.write.quantity', headers: vendorAuth, status: 400, error: 'invalid_scope' },
    { name: 'audience not allowed (named in the message)', body: 'grant_type=client_credentials&audience=tech-vendor%2Fother', headers: vendorAuth, status: 400, error: 'invalid_request', description: /tech-vendor\/other/ },
    { name: 'sub-path audience under exact matching', body: 'grant_type=client_credentials&audience=tech-vendor%2Facme%2Fsub', headers: vendorAuth, status: 400, error: 'invalid_request' },
    { name: 'repeated parameter', body: 'grant_type=client_credentials&scope=openid&scope=subscription.write', headers: vendorAuth, status: 400, error: 'invalid_request', description: /repeated/ },
    { name: 'body client_id different from the Basic user', body: 'grant_type=client_credentials&client_id=someone-else', headers: vendorAuth, status: 400, error: 'invalid_request', description: /match/ },
    { name: 'two authentication methods at once', body: 'grant_type=client_credentials&client_secret=x', headers: vendorAuth, status: 400, error: 'invalid_request', description: /one client authentication method/ },
    { name: 'a non-Basic Authorization scheme', body: 'grant_type=client_credentials', headers: () => ({ authorization: 'Bearer abc' }), status: 401, error: 'invalid_client' },
    { name: 'Basic credentials that are not form-encoding', body: 'grant_type=client_credentials', headers: () => ({ authorization: `Basic ${Buffer.from('abc:%zz').toString('base64')}` }), status: 400, error: 'invalid_request' },
  ];

  for (const c of cases) {
    it(`${c.name} → ${c.status} ${c.error}`, async () => {
      const r = await tokenRequest(c.body, c.headers?.() ?? {});
      expect(r.status).toBe(c.status);
      expect(r.json.error).toBe(c.error);
      expect(typeof r.json.error_description).toBe('string');
      if (c.description) expect(r.json.error_description).toMatch(c.description);
      expect(r.headers.get('cache-control')).toBe('no-store');
      if (c.status === 401) expect(r.headers.get('www-authenticate')).toMatch(/^Basic realm="/);
    });
  }

  it('refuses the method a client is not registered for (shop registered for post, trying Basic)', async () => {
    const r = await tokenRequest('grant_type=client_credentials', { authorization: basic(shop.clientId, shop.clientSecret) });
    expect(r.status).toBe(401);
    expect(r.json.error).toBe('invalid_client');
    expect(r.json.error_description).toMatch(/client_secret_post/);
  });

  it('refuses a client that may not use client_credentials with unauthorized_client', async () => {
    const rs = await t.createClient({ kind: 'resource_server', name: 'billing-api', grantTypes: [] });
    const r = await tokenRequest('grant_type=client_credentials', { authorization: basic(rs.clientId, rs.clientSecret) });
    expect(r.status).toBe(400);
    expect(r.json.error).toBe('unauthorized_client');
  });

  it('refuses parameters in the query string, so secrets never travel in URLs', async () => {
    const r = await tokenRequest('grant_type=client_credentials', {}, `/oauth2/token?client_id=${vendor.clientId}&client_secret=${vendor.clientSecret}`);
    expect(r.status).toBe(400);
    expect(r.json.error).toBe('invalid_request');
    expect(r.json.error_description).toMatch(/query string/);
  });

  it('refuses a JSON body with an OAuth error, not a bare 415', async () => {
    const response = await fetch(`${t.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...vendorAuth() },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/x-www-form-urlencoded/) });
  });

  it('refuses GET', async () => {
    const response = await fetch(`${t.url}/oauth2/token`);
    expect(response.status).toBe(404);
  });

  it('refuses a body over the limit with 413 and an OAuth error', async () => {
    const r = await tokenRequest(`grant_type=client_credentials&scope=${'a'.repeat(70_000)}`, vendorAuth());
    expect(r.status).toBe(413);
    expect(r.json.error).toBe('invalid_request');
  });
});

describe('audience prefix matching (PSIF_AUDIENCE_MATCHING=prefix, Hydra rule)', () => {
  let p: TestServer;
  let client: { clientId: string; clientSecret: string };
  beforeAll(async () => {
    p = await startTestServer({ PSIF_AUDIENCE_MATCHING: 'prefix', PSIF_API_AUDIENCE: 'https://api.cloudsync.prestashop.com' });
    client = await p.createClient({ kind: 'vendor', name: 'acme' });
  });
  afterAll(() => p.close());

  const accepted = ['https://api.cloudsync.prestashop.com/', 'https://api.cloudsync.prestashop.com/v1/x', 'HTTPS://api.cloudsync.prestashop.com', 'tech-vendor/acme/sub', 'tech-vendor/acme%2Fsub'];
  const refused = ['https://API.cloudsync.prestashop.com', 'http://api.cloudsync.prestashop.com', 'https://api.cloudsync.prestashop.com:443', 'https://api.cloudsync.prestashop.com.evil.com', 'tech-vendor/acmeX', 'Tech-vendor/acme', '/tech-vendor/acme'];

  it.each(accepted)('accepts %s and copies it into aud as sent', async (audience) => {
    const response = await fetch(`${p.url}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client.clientId, client.clientSecret) }, body: new URLSearchParams({ grant_type: 'client_credentials', audience }) });
    expect(response.status).toBe(200);
    expect(decodeJwt(((await response.json()) as { access_token: string }).access_token).aud).toEqual([audience]);
  });

  it.each(refused)('refuses %s', async (audience) => {
    const response = await fetch(`${p.url}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client.clientId, client.clientSecret) }, body: new URLSearchParams({ grant_type: 'client_credentials', audience }) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });
});
