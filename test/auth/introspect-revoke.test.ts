import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, basic, startTestServer } from '../support/server.js';

let t: TestServer;
let admin: { clientId: string; clientSecret: string };
let rs: { clientId: string; clientSecret: string };
let vendor: { clientId: string; clientSecret: string };
let other: { clientId: string; clientSecret: string };

beforeAll(async () => {
  t = await startTestServer();
  admin = await t.createClient({ kind: 'admin', name: 'ops' });
  rs = await t.createClient({ kind: 'resource_server', name: 'billing', grantTypes: [] });
  vendor = await t.createClient({ kind: 'vendor', name: 'acme', scopes: ['subscription.write'] });
  other = await t.createClient({ kind: 'vendor', name: 'other' });
});
afterAll(() => t.close());

async function post(path: string, client: { clientId: string; clientSecret: string } | undefined, params: Record<string, string>) {
  const response = await fetch(`${t.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(client ? { authorization: basic(client.clientId, client.clientSecret) } : {}) },
    body: new URLSearchParams(params),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

describe('POST /oauth2/introspect (RFC 7662)', () => {
  it('reports an active token with its claims to an admin client', async () => {
    const token = await t.token(vendor, { scope: 'subscription.write' });
    const r = await post('/oauth2/introspect', admin, { token });
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.json).toMatchObject({
      active: true,
      client_id: vendor.clientId,
      sub: vendor.clientId,
      scope: 'subscription.write',
      scp: ['subscription.write'],
      aud: [t.url, 'tech-vendor/acme'],
      iss: t.url,
      token_type: 'Bearer',
      token_use: 'access_token',
      client_kind: 'vendor',
    });
  });

  it('answers resource_server clients too', async () => {
    const r = await post('/oauth2/introspect', rs, { token: await t.token(vendor) });
    expect(r.json?.active).toBe(true);
  });

  it('refuses unauthenticated callers (401) and non-privileged clients (403)', async () => {
    const token = await t.token(vendor);
    expect((await post('/oauth2/introspect', undefined, { token })).status).toBe(401);
    const r = await post('/oauth2/introspect', other, { token });
    expect(r.status).toBe(403);
    expect(r.json).toMatchObject({ error: 'access_denied' });
  });

  it('says only {active:false} for garbage, foreign and missing-client tokens', async () => {
    for (const token of ['garbage', 'a.b.c', `${'x'.repeat(9000)}`]) {
      expect((await post('/oauth2/introspect', admin, { token })).json).toEqual({ active: false });
    }
  });

  it('requires the token parameter', async () => {
    const r = await post('/oauth2/introspect', admin, {});
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: 'invalid_request' });
  });

  it('reports tokens of a disabled client as inactive', async () => {
    const victim = await t.createClient({ kind: 'vendor', name: 'soon-disabled' });
    const token = await t.token(victim);
    await t.server.core.auth.clients.disable(victim.clientId);
    expect((await post('/oauth2/introspect', admin, { token })).json).toEqual({ active: false });
    await t.server.core.auth.clients.enable(victim.clientId);
    expect((await post('/oauth2/introspect', admin, { token })).json?.active).toBe(true);
  });
});

describe('POST /oauth2/revoke (RFC 7009)', () => {
  it('lets the owner revoke its token: introspection and psif routes refuse it afterwards', async () => {
    const opsToken = await t.token(admin);
    expect((await fetch(`${t.url}/admin/v1/keys`, { headers: { authorization: `Bearer ${opsToken}` } })).status).toBe(200);
    const r = await post('/oauth2/revoke', admin, { token: opsToken, token_type_hint: 'access_token' });
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const after = await fetch(`${t.url}/admin/v1/keys`, { headers: { authorization: `Bearer ${opsToken}` } });
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ code: 'invalid_token', message: expect.stringMatching(/revoked/) });
    expect((await post('/oauth2/introspect', admin, { token: opsToken })).json).toEqual({ active: false });
  });

  it('22: another client revoking my token gets 200 and changes nothing', async () => {
    const token = await t.token(vendor);
    expect((await post('/oauth2/revoke', other, { token })).status).toBe(200);
    expect((await post('/oauth2/introspect', admin, { token })).json?.active).toBe(true);
  });

  it('answers 200 for unknown and invalid tokens', async () => {
    expect((await post('/oauth2/revoke', vendor, { token: 'not-a-token' })).status).toBe(200);
  });

  it('requires client authentication and the token parameter', async () => {
    expect((await post('/oauth2/revoke', undefined, { token: 'x' })).status).toBe(401);
    expect((await post('/oauth2/revoke', { clientId: vendor.clientId, clientSecret: 'wrong' }, { token: 'x' })).status).toBe(401);
    const r = await post('/oauth2/revoke', vendor, {});
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: 'invalid_request' });
  });

  it('is durable and reaches other processes sharing the database within PSIF_AUTH_CACHE_MS', async () => {
    const { TokenState } = await import('../../src/auth/services/token-state.js');
    const auth = t.server.core.auth;
    // Another psif process, as far as revocations go: its own state over the same database.
    const elsewhere = new TokenState(auth.clientsRepository, auth.revocations, 300);
    const token = await t.token(vendor);
    const jti = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti as string;
    expect(await elsewhere.isRevoked(jti)).toBe(false);
    await post('/oauth2/revoke', vendor, { token });
    const rows = await t.server.core.db.kysely.selectFrom('revoked_tokens').selectAll().where('jti', '=', jti).execute();
    expect(rows).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await elsewhere.isRevoked(jti)).toBe(true);
    expect(await elsewhere.isRevoked(randomUUID())).toBe(false);
  });
});
