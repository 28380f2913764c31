import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { type CryptoKey, SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, freePort, startTestServer } from '../support/server.js';

/**
 * A stand-in for PrestaShop Accounts' Ory Hydra: a real JWKS endpoint on loopback and Hydra-shaped shop
 * tokens (typ JWT, aud [store/<uuid>, accounts API], scp array, sub = the shop's OAuth client id).
 */
let t: TestServer;
let jwksServer: Server;
let issuer: string;
let signingKey: CryptoKey;
const kid = 'hydra-key-1';
const shopId = '5b1e0a9c-2d3f-4e5a-9b8c-7d6e5f4a3b2c';

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  signingKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' };
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  jwksServer = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(req.url === '/.well-known/jwks.json' ? JSON.stringify({ keys: [jwk] }) : '{}');
  });
  await new Promise<void>((resolve) => jwksServer.listen(port, '127.0.0.1', resolve));
  t = await startTestServer({ PSIF_SHOP_TOKEN_ISSUERS: `${issuer}|${issuer}/.well-known/jwks.json` });
});
afterAll(async () => {
  await t.close();
  await new Promise((resolve) => jwksServer.close(resolve));
});

function hydraToken(claims: Record<string, unknown> = {}, key: CryptoKey = signingKey, header: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ client_id: 'shop-oauth-client', scp: ['shop.verified'], ext: {}, aud: [`store/${shopId}`, 'https://accounts-api.distribution.prestashop.net'], ...claims })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT', ...header })
    .setIssuer(issuer)
    .setSubject('shop-oauth-client')
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime((claims.exp as number | undefined) ?? now + 3600)
    .setJti(randomUUID())
    .sign(key);
}

const verify = (token: string, options = { acceptExternalShopTokens: true, audiences: [] as string[] }) => t.server.core.auth.verifier.verify(token, options);

describe('shop tokens of trusted external issuers', () => {
  it('identifies the shop by its store/<uuid> audience, not by sub', async () => {
    const principal = await verify(await hydraToken());
    expect(principal).toMatchObject({ kind: 'shop', shopId, name: shopId, clientId: 'shop-oauth-client', scopes: ['shop.verified'] });
  });

  it('can require the shop audience of the route', async () => {
    const token = await hydraToken();
    await expect(verify(token, { acceptExternalShopTokens: true, audiences: [`store/${shopId}`] })).resolves.toBeDefined();
    await expect(verify(token, { acceptExternalShopTokens: true, audiences: [`store/${randomUUID()}`] })).rejects.toThrow(/audience/);
  });

  it('is refused on routes that do not accept external shop tokens', async () => {
    await expect(verify(await hydraToken(), { acceptExternalShopTokens: false, audiences: [] })).rejects.toThrow(/iss|unknown key/);
  });

  it('refuses a token signed by another key with the same kid, an expired one, and one naming two shops', async () => {
    const attacker = await generateKeyPair('RS256');
    await expect(verify(await hydraToken({}, attacker.privateKey))).rejects.toThrow(/signature/);
    const now = Math.floor(Date.now() / 1000);
    await expect(verify(await hydraToken({ iat: now - 7200, exp: now - 3600 }))).rejects.toThrow(/expired/);
    await expect(verify(await hydraToken({ aud: [`store/${shopId}`, `store/${randomUUID()}`] }))).rejects.toThrow(/exactly one store/);
  });

  it('refuses an unknown kid and an HS256 token', async () => {
    await expect(verify(await hydraToken({}, signingKey, { kid: 'other' }))).rejects.toThrow(/unknown key/);
    const hs = await new SignJWT({ aud: [`store/${shopId}`] }).setProtectedHeader({ alg: 'HS256', kid }).setIssuer(issuer).setSubject('x').setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode('k'.repeat(32)));
    await expect(verify(hs)).rejects.toThrow(/algorithm/);
  });

  it('refuses the configuration of an external JWKS over plain http outside loopback', async () => {
    const { loadConfig } = await import('../../src/platform/config/config.js');
    expect(() => loadConfig({ PSIF_SHOP_TOKEN_ISSUERS: 'https://idp.example|http://idp.example/jwks' })).toThrow(/^PSIF_SHOP_TOKEN_ISSUERS: .*https/);
    expect(() => loadConfig({ PSIF_SHOP_TOKEN_ISSUERS: 'just-one-part' })).toThrow(/issuer\|jwks_url/);
  });
});
