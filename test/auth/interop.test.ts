import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, startTestServer } from '../support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

describe('standard clients', () => {
  it('openid-client finds psif through discovery, gets a token, and jose verifies it with the remote JWKS', async () => {
    const vendor = await t.createClient({ kind: 'vendor', name: 'acme', scopes: ['subscription.*'] });
    // openid-client refuses plain HTTP unless told: the test server has no TLS.
    const configuration = await oidc.discovery(new URL(t.url), vendor.clientId, vendor.clientSecret, oidc.ClientSecretBasic(vendor.clientSecret), {
      execute: [oidc.allowInsecureRequests],
    });
    expect(configuration.serverMetadata().token_endpoint).toBe(`${t.url}/oauth2/token`);
    const tokens = await oidc.clientCredentialsGrant(configuration, { scope: 'subscription.write', audience: `${t.url} tech-vendor/acme` });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.expires_in).toBeGreaterThan(3500);

    const jwks = createRemoteJWKSet(new URL(configuration.serverMetadata().jwks_uri!));
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, { issuer: t.url, audience: 'tech-vendor/acme', typ: 'at+jwt', algorithms: ['ES256'] });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload.scp).toEqual(['subscription.write']);
    expect(payload.client_id).toBe(vendor.clientId);
  });

  it('openid-client works with client_secret_post clients too', async () => {
    const shopId = 'a6a1f7e2-8d53-4b8e-9a44-6d0c9f1b2c3d';
    const shop = await t.createClient({ kind: 'shop', shopId });
    const configuration = await oidc.discovery(new URL(t.url), shop.clientId, shop.clientSecret, oidc.ClientSecretPost(shop.clientSecret), { execute: [oidc.allowInsecureRequests] });
    const tokens = await oidc.clientCredentialsGrant(configuration, { audience: `store/${shopId}` });
    const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`)), { issuer: t.url, audience: `store/${shopId}` });
    expect(payload.aud).toEqual([`store/${shopId}`]);
  });

  it('openid-client surfaces RFC 6749 errors from psif', async () => {
    const vendor = await t.createClient({ kind: 'vendor', name: 'limited' });
    const configuration = await oidc.discovery(new URL(t.url), vendor.clientId, vendor.clientSecret, oidc.ClientSecretBasic(vendor.clientSecret), { execute: [oidc.allowInsecureRequests] });
    await expect(oidc.clientCredentialsGrant(configuration, { scope: 'admin' })).rejects.toMatchObject({ error: 'invalid_scope' });
  });
});

describe('discovery documents (RFC 8414)', () => {
  it('serves the same metadata at both well-known locations, with an exact issuer', async () => {
    const a = (await (await fetch(`${t.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    const b = (await (await fetch(`${t.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(a).toEqual(b);
    expect(a).toMatchObject({
      issuer: t.url,
      token_endpoint: `${t.url}/oauth2/token`,
      jwks_uri: `${t.url}/.well-known/jwks.json`,
      introspection_endpoint: `${t.url}/oauth2/introspect`,
      revocation_endpoint: `${t.url}/oauth2/revoke`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    });
  });

  it('publishes every JWK with kid, alg and use (php-jwt needs alg) and no private part', async () => {
    const response = await fetch(`${t.url}/.well-known/jwks.json`);
    expect(response.headers.get('cache-control')).toMatch(/max-age/);
    const { keys } = (await response.json()) as { keys: Record<string, unknown>[] };
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).toMatchObject({ kid: expect.any(String), alg: 'ES256', use: 'sig', kty: 'EC', crv: 'P-256' });
      expect(key).not.toHaveProperty('d');
    }
  });
});
