import { type JWTPayload, type JWTVerifyGetKey, createRemoteJWKSet, jwtVerify } from 'jose';
import type { ExternalIssuer } from '../../platform/config/config.js';
import type { Principal } from '../model.js';

const STORE_AUDIENCE = /^store\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/**
 * Shop tokens from trusted external issuers, such as PrestaShop Accounts' Ory Hydra: a shop that already has
 * one needs no psif client. Their keys come from each issuer's JWKS (cached, refetched on an unknown kid at
 * most every 30 s). Hydra writes `typ: JWT`, so `typ` is not required here; the shop is the single
 * `store/<uuid>` audience (auth.md §3.4), never `sub`, which is the shop's OAuth client id.
 */
export class ExternalShopTokens {
  private readonly keySets = new Map<string, JWTVerifyGetKey>();

  constructor(
    issuers: readonly ExternalIssuer[],
    private readonly clockLeewaySeconds: number,
  ) {
    for (const { issuer, jwksUri } of issuers) {
      this.keySets.set(issuer, createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 600_000 }));
    }
  }

  trusts(issuer: unknown): issuer is string {
    return typeof issuer === 'string' && this.keySets.has(issuer);
  }

  /** Throws jose errors or an Error with a reason; the caller maps both to invalid_token. */
  async verify(token: string, issuer: string): Promise<{ principal: Principal; payload: JWTPayload }> {
    const keys = this.keySets.get(issuer);
    if (!keys) throw new Error(`issuer ${issuer} is not trusted`);
    const { payload } = await jwtVerify(token, keys, {
      algorithms: ['RS256', 'ES256'],
      issuer,
      clockTolerance: this.clockLeewaySeconds,
      requiredClaims: ['exp', 'iat', 'sub'],
    });
    const audiences = Array.isArray(payload.aud) ? payload.aud : typeof payload.aud === 'string' ? [payload.aud] : [];
    const shops = audiences.map((aud) => STORE_AUDIENCE.exec(aud)?.[1]?.toLowerCase()).filter((id): id is string => id !== undefined);
    if (shops.length !== 1) throw new Error('an external shop token must carry exactly one store/<shop uuid> audience');
    const scopes = Array.isArray(payload.scp) ? payload.scp.filter((s): s is string => typeof s === 'string') : typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
    const shopId = shops[0]!;
    return {
      payload,
      principal: {
        clientId: payload.sub!,
        kind: 'shop',
        name: shopId,
        shopId,
        scopes,
        audiences,
        tokenId: typeof payload.jti === 'string' ? payload.jti : '',
        expiresAt: payload.exp!,
      },
    };
  }
}
