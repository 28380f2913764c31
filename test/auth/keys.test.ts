import { statSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackend } from '../support/backend.js';
import { type TestServer, startTestServer } from '../support/server.js';

let t: TestServer;
let admin: { clientId: string; clientSecret: string };

beforeAll(async () => {
  t = await startTestServer({ PSIF_TOKEN_TTL: '2', PSIF_CLOCK_LEEWAY: '0' });
  admin = await t.createClient({ kind: 'admin', name: 'ops', accessTokenTtl: 600 });
});
afterAll(() => t.close());

const adminGet = (token: string, p = '/admin/v1/keys') => fetch(`${t.url}${p}`, { headers: { authorization: `Bearer ${token}` } });

describe('signing key rotation', () => {
  it('new tokens use the new key; tokens of the old key verify until they expire', async () => {
    const vendor = await t.createClient({ kind: 'vendor', name: 'acme' });
    const adminToken = await t.token(admin);
    const oldToken = await t.token(vendor);
    const oldKid = decodeProtectedHeader(oldToken).kid;

    const rotated = await fetch(`${t.url}/admin/v1/keys/rotate`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } });
    expect(rotated.status).toBe(201);
    const newKey = (await rotated.json()) as { kid: string; status: string };
    expect(newKey.status).toBe('active');
    expect(newKey.kid).not.toBe(oldKid);

    const newToken = await t.token(vendor);
    expect(decodeProtectedHeader(newToken).kid).toBe(newKey.kid);

    // Both verify with a standard verifier reading the JWKS, and with psif's own verifier.
    const jwks = createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`));
    await expect(jwtVerify(oldToken, jwks, { issuer: t.url })).resolves.toBeDefined();
    await expect(jwtVerify(newToken, jwks, { issuer: t.url })).resolves.toBeDefined();
    await expect(t.server.core.auth.verifier.verify(oldToken)).resolves.toMatchObject({ clientId: vendor.clientId });
    // The admin token was signed by the old key too, and keeps working.
    expect((await adminGet(adminToken)).status).toBe(200);

    const listed = (await (await adminGet(adminToken)).json()) as { items: { kid: string; status: string; unpublishAt: string | null }[] };
    const retired = listed.items.find((k) => k.kid === oldKid);
    expect(retired?.status).toBe('retired');
    // Published at least as long as the longest-lived token (the admin's 600 s) can live.
    expect(new Date(retired!.unpublishAt!).getTime()).toBeGreaterThan(Date.now() + 590_000);

    // The vendor token lives 2 s (PSIF_TOKEN_TTL, no leeway): it stops verifying after that.
    await new Promise((resolve) => setTimeout(resolve, 2200));
    await expect(t.server.core.auth.verifier.verify(oldToken)).rejects.toThrow(/expired/);
  });

  it('rotates to RS256 on request; the JWKS then holds both key types', async () => {
    const key = await t.server.core.auth.keys.rotate('RS256');
    expect(key.alg).toBe('RS256');
    const vendor = await t.createClient({ kind: 'vendor', name: 'rsa-user' });
    const token = await t.token(vendor);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', kid: key.kid });
    await expect(jwtVerify(token, createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`)), { issuer: t.url, algorithms: ['RS256'] })).resolves.toBeDefined();
    const { keys } = (await (await fetch(`${t.url}/.well-known/jwks.json`)).json()) as { keys: { kty: string; alg: string }[] };
    expect(keys.map((k) => k.alg)).toEqual(expect.arrayContaining(['ES256', 'RS256']));
  });

  it('a process that shares the database follows a rotation made elsewhere (unknown kid → reload)', async () => {
    const { KeyStore } = await import('../../src/auth/services/signing-keys.js');
    const { KeysRepository } = await import('../../src/auth/storage/keys-repository.js');
    const { MasterSecret } = await import('../../src/platform/crypto/master-secret.js');
    const secret = MasterSecret.loadOrCreate(t.env.PSIF_DATA_DIR!).secret;
    // A second key store on the same database plays "another psif process".
    const elsewhere = new KeyStore(new KeysRepository(t.server.core.db.kysely), { sealKey: secret.deriveKey('signing-key-seal'), defaultAlg: 'ES256', longestTokenLifetimeMs: async () => 60_000 });
    await elsewhere.init();
    const rotated = await elsewhere.rotate();
    await new Promise((resolve) => setTimeout(resolve, 1100)); // reloads on unknown kid are spaced by 1 s
    expect(await t.server.core.auth.keys.verificationKey(rotated.kid)).toBeDefined();
  });
});

describe('housekeeping', () => {
  it('deletes keys whose last token has expired and revocations of expired tokens, nothing else', async () => {
    const { kysely } = t.server.core.db;
    const now = Date.now();
    const before = await kysely.selectFrom('signing_keys').select(['kid', 'status']).execute();
    const retired = before.find((k) => k.status === 'retired')!;
    await kysely.updateTable('signing_keys').set({ unpublish_at: now - 1 }).where('kid', '=', retired.kid).execute();
    await kysely.insertInto('revoked_tokens').values([
      { jti: 'expired-jti', client_id: admin.clientId, expires_at: now - 1, revoked_at: now - 10 },
      { jti: 'live-jti', client_id: admin.clientId, expires_at: now + 60_000, revoked_at: now - 10 },
    ]).execute();
    expect(await t.server.core.auth.housekeeping(now)).toEqual({ revocations: 1, keys: 1 });
    const after = await kysely.selectFrom('signing_keys').select('kid').execute();
    expect(after.map((k) => k.kid).sort()).toEqual(before.map((k) => k.kid).filter((kid) => kid !== retired.kid).sort());
    expect((await kysely.selectFrom('revoked_tokens').select('jti').where('jti', 'in', ['expired-jti', 'live-jti']).execute()).map((r) => r.jti)).toEqual(['live-jti']);
  });
});

describe('keys at rest', () => {
  it('keeps the master secret in a 0600 file and private keys only sealed in the database', async () => {
    const secretFile = path.join(t.env.PSIF_DATA_DIR!, 'secret.key');
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    const rows = await t.server.core.db.kysely.selectFrom('signing_keys').selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.private_key_sealed).toMatch(/^v1\./);
      expect(row.private_key_sealed).not.toMatch(/PRIVATE KEY/);
      expect(row.public_jwk).not.toMatch(/"d"/);
    }
    if (testBackend() === 'sqlite') {
      const file = readFileSync(path.join(t.env.PSIF_DATA_DIR!, 'psif.sqlite'));
      expect(file.includes('PRIVATE KEY')).toBe(false);
    }
  });

  it('stores client secrets only as keyed hashes', async () => {
    const created = await t.server.core.auth.clients.create({ kind: 'vendor', name: 'hash-check' });
    const rows = await t.server.core.db.kysely.selectFrom('oauth_client_secrets').selectAll().where('client_id', '=', created.client.clientId).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.secret_hash).toMatch(/^hmac-sha256\$/);
    expect(rows[0]!.secret_hash).not.toContain(created.clientSecret);
    expect(created.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits, URL-unreserved characters
  });
});
