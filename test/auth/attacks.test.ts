import { createPublicKey, randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JwsSigner } from '../../src/auth/services/sign-jws.js';
import { type TestServer, basic, startTestServer } from '../support/server.js';

/**
 * auth.md §5.3, tried from the attacker's side against a real psif resource route (the admin API, which
 * takes admin tokens carrying the API audience) and the token endpoint.
 */
let t: TestServer;
let admin: { clientId: string; clientSecret: string };
let adminToken: string;

beforeAll(async () => {
  t = await startTestServer();
  admin = await t.createClient({ kind: 'admin', name: 'ops' });
  adminToken = await t.token(admin);
});
afterAll(() => t.close());

async function callAdmin(token: string | undefined, path = '/admin/v1/clients', extraHeaders: Record<string, string> = {}) {
  const response = await fetch(`${t.url}${path}`, { headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...extraHeaders } });
  const text = await response.text();
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** A token signed with the server's real key, with claims of the attacker's choosing. */
function serverSigned(claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const key = t.server.core.auth.keys.signingKey();
  return new JwsSigner({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header } as never, key.privateKey).sign(claims);
}

function validClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss: t.url, sub: admin.clientId, client_id: admin.clientId, aud: [t.url], iat: now, nbf: now, exp: now + 600, jti: randomUUID(), scp: [], scope: '', ext: {}, ...overrides };
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function expectInvalidToken(result: Awaited<ReturnType<typeof callAdmin>>, message?: RegExp) {
  expect(result.status).toBe(401);
  expect(result.body.code).toBe('invalid_token');
  expect(result.challenge).toMatch(/^Bearer realm="psif", error="invalid_token"/);
  if (message) expect(result.body.message).toMatch(message);
}

describe('resource server: forged and invalid tokens', () => {
  it('accepts the genuine admin token (control)', async () => {
    expect((await callAdmin(adminToken)).status).toBe(200);
    expect((await callAdmin(serverSigned(validClaims()))).status).toBe(200);
  });

  it('1: alg none (header changed, signature empty)', async () => {
    const [, payload] = adminToken.split('.');
    const kid = t.server.core.auth.keys.signingKey().kid;
    expectInvalidToken(await callAdmin(`${b64({ alg: 'none', typ: 'at+jwt', kid })}.${payload}.`));
  });

  it('2: HS256 signed with the server public key as the HMAC secret', async () => {
    const jwks = (await (await fetch(`${t.url}/.well-known/jwks.json`)).json()) as { keys: Record<string, string>[] };
    const jwk = jwks.keys[0]!;
    const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const forged = await new SignJWT(validClaims()).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: jwk.kid! }).sign(new TextEncoder().encode(String(pem)));
    expectInvalidToken(await callAdmin(forged), /algorithm/);
  });

  it('3: signed by an unknown key with an unknown kid', async () => {
    const attacker = await generateKeyPair('ES256');
    const forged = await new SignJWT(validClaims()).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'attacker-key' }).sign(attacker.privateKey);
    expectInvalidToken(await callAdmin(forged), /unknown key/);
  });

  it('3b: signed by an attacker key that reuses the real kid', async () => {
    const attacker = await generateKeyPair('ES256');
    const kid = t.server.core.auth.keys.signingKey().kid;
    const forged = await new SignJWT(validClaims()).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid }).sign(attacker.privateKey);
    expectInvalidToken(await callAdmin(forged), /signature/);
  });

  it.each(['../../etc/passwd', "' OR 1=1 --", 'k'.repeat(10_000)])('4: kid injection %#', async (kid) => {
    const attacker = await generateKeyPair('ES256');
    const forged = await new SignJWT(validClaims()).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid }).sign(attacker.privateKey);
    expect((await callAdmin(forged)).status).toBe(401);
  });

  it('5: embedded jwk / jku / x5u headers pointing at an attacker key are ignored', async () => {
    const attacker = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(attacker.publicKey);
    for (const header of [{ jwk }, { jku: 'http://127.0.0.1:1/jwks.json' }, { x5u: 'http://127.0.0.1:1/cert.pem' }]) {
      const forged = await new SignJWT(validClaims()).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', ...header }).sign(attacker.privateKey);
      expectInvalidToken(await callAdmin(forged));
    }
  });

  it('6: expired, not yet valid, and without exp', async () => {
    const now = Math.floor(Date.now() / 1000);
    expectInvalidToken(await callAdmin(serverSigned(validClaims({ iat: now - 7200, nbf: now - 7200, exp: now - 3600 }))), /expired/);
    expectInvalidToken(await callAdmin(serverSigned(validClaims({ nbf: now + 3600 }))), /nbf/);
    const { exp: _exp, ...withoutExp } = validClaims();
    expectInvalidToken(await callAdmin(serverSigned(withoutExp)), /exp/);
  });

  it('6b: expiry within the clock leeway is still accepted, beyond it is not', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await callAdmin(serverSigned(validClaims({ exp: now - 5 })))).status).toBe(200);
    expectInvalidToken(await callAdmin(serverSigned(validClaims({ exp: now - 60 }))));
  });

  it('7: wrong issuer, and the issuer with a trailing slash (exact match)', async () => {
    expectInvalidToken(await callAdmin(serverSigned(validClaims({ iss: 'https://evil.example' }))), /iss/);
    expectInvalidToken(await callAdmin(serverSigned(validClaims({ iss: `${t.url}/` }))), /iss/);
  });

  it('8: wrong audience, or the audience as a plain string of another resource', async () => {
    expectInvalidToken(await callAdmin(serverSigned(validClaims({ aud: ['tech-vendor/acme'] }))), /audience/);
    expectInvalidToken(await callAdmin(serverSigned(validClaims({ aud: 'https://other.example' }))), /audience/);
    expectInvalidToken(await callAdmin(serverSigned(validClaims({ aud: [`${t.url}/admin`] }))), /audience/);
  });

  it('9: typ JWT (an ID token or a non-access token) is refused', async () => {
    expectInvalidToken(await callAdmin(serverSigned(validClaims(), { typ: 'JWT' })), /typ/);
  });

  it('tampered payload (another client id, same signature)', async () => {
    const [header, , signature] = adminToken.split('.');
    const claims = JSON.parse(Buffer.from(adminToken.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    const tampered = b64({ ...claims, exp: (claims.exp as number) + 86_400 });
    expectInvalidToken(await callAdmin(`${header}.${tampered}.${signature}`), /signature/);
  });

  it('10: an oversize token is refused before parsing; an oversize header is refused by the HTTP layer', async () => {
    const big = `${'a'.repeat(9000)}.${'b'.repeat(100)}.${'c'.repeat(100)}`;
    expectInvalidToken(await callAdmin(big), /too long/);
    const huge = await callAdmin('x'.repeat(20_000)).catch(() => ({ status: 431 }));
    expect(huge.status).toBe(431);
  });

  it('11: a bearer token in the query string is not accepted', async () => {
    const result = await callAdmin(undefined, `/admin/v1/clients?access_token=${adminToken}`);
    expect(result.status).toBe(400);
    expect(result.body.code).toBe('invalid_request');
  });

  it('no token at all gets a bare Bearer challenge', async () => {
    const result = await callAdmin(undefined);
    expect(result.status).toBe(401);
    expect(result.challenge).toBe('Bearer realm="psif"');
  });

  it('garbage that is not a JWT', async () => {
    expectInvalidToken(await callAdmin('not-a-jwt'));
    expectInvalidToken(await callAdmin('a.b.c'));
  });

  it('a token of a client that does not exist (signed by the real key)', async () => {
    const ghost = randomUUID();
    expectInvalidToken(await callAdmin(serverSigned(validClaims({ sub: ghost, client_id: ghost }))), /disabled or no longer exists/);
  });

  it('client_id different from sub is refused', async () => {
    expectInvalidToken(await callAdmin(serverSigned(validClaims({ client_id: randomUUID() }))), /client_id/);
  });

  it('a vendor token and a shop token cannot use the admin API (403)', async () => {
    const vendor = await t.createClient({ kind: 'vendor', name: 'mallory' });
    const result = await callAdmin(await t.token(vendor));
    expect(result.status).toBe(403);
    expect(result.body.code).toBe('forbidden');
    const shop = await t.createClient({ kind: 'shop', shopId: randomUUID() });
    expect((await callAdmin(await t.token(shop))).status).toBe(403);
  });
});

describe('token endpoint: credential attacks', () => {
  it('12: unknown client and wrong secret get the same 401 invalid_client answer', async () => {
    const unknown = await fetch(`${t.url}/oauth2/token`, { method: 'POST', headers: { authorization: basic(randomUUID(), 'guess'), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    const wrong = await fetch(`${t.url}/oauth2/token`, { method: 'POST', headers: { authorization: basic(admin.clientId, 'guess'), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(await unknown.json()).toEqual(await wrong.json());
    expect(unknown.headers.get('www-authenticate')).toMatch(/^Basic realm=".*", error="invalid_client"/);
  });

  it('a disabled client gets no token, and its existing tokens stop working at once', async () => {
    const victim = await t.createClient({ kind: 'admin', name: 'to-disable' });
    const token = await t.token(victim);
    expect((await callAdmin(token)).status).toBe(200);
    const response = await fetch(`${t.url}/admin/v1/clients/${victim.clientId}/disable`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } });
    expect(response.status).toBe(200);
    expectInvalidToken(await callAdmin(token), /disabled/);
    await expect(t.token(victim)).rejects.toThrow(/401.*invalid_client/);
  });

  it('a deleted client\'s tokens stop working', async () => {
    const victim = await t.createClient({ kind: 'admin', name: 'to-delete' });
    const token = await t.token(victim);
    const response = await fetch(`${t.url}/admin/v1/clients/${victim.clientId}`, { method: 'DELETE', headers: { authorization: `Bearer ${adminToken}` } });
    expect(response.status).toBe(204);
    expectInvalidToken(await callAdmin(token));
  });
});

describe('20: brute force is rate limited', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ PSIF_RATE_LIMIT_TOKEN_PER_IP: '30', PSIF_RATE_LIMIT_TOKEN_PER_CLIENT: '10' });
  });
  afterAll(() => limited.close());

  const attempt = (clientId: string, secret: string) =>
    fetch(`${limited.url}/oauth2/token`, { method: 'POST', headers: { authorization: basic(clientId, secret), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });

  it('per client: wrong secrets beyond the limit get 429 with Retry-After, even with the right secret', async () => {
    const target = await limited.createClient({ kind: 'vendor', name: 'target' });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await attempt(target.clientId, `guess-${i}`)).status);
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    const blocked = await attempt(target.clientId, target.clientSecret);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await blocked.json()).toMatchObject({ error: 'too_many_requests' });
  });

  it('per IP: guessing across many client ids is stopped too', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++) statuses.push((await attempt(randomUUID(), 'guess')).status);
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(30);
  });
});
