import { decodeJwt } from 'jose';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../../platform/http/api-error.js';
import type { AuthModule } from '../auth-module.js';
import type { ClientKind, Principal } from '../model.js';
import { MAX_TOKEN_LENGTH } from '../services/verify-access-token.js';
import { requirePrincipal } from './require-principal.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STORE_AUDIENCE = /^store\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/**
 * The onRequest hook of shop-facing routes (ps_eventbus and shop self-service): psif shop tokens and those
 * of trusted external issuers, plus admin tokens where `admin` is set. In PSIF_SHOP_TOKEN_INSECURE mode a
 * token that fails verification is decoded without it, for test rigs such as ps_accounts_mock whose token
 * is expired and unverifiable; every such use is logged as a warning.
 */
export function requireShop(auth: AuthModule, options: { admin?: boolean } = {}) {
  const kinds: ClientKind[] = options.admin ? ['shop', 'admin'] : ['shop'];
  const verified = requirePrincipal(auth.verifier, { kinds, acceptExternalShopTokens: true });
  if (!auth.config.auth.insecureShopTokens) return verified;
  return async function checkShopInsecurely(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    try {
      await verified(request, reply);
    } catch (error) {
      if (!(error instanceof ApiError) || error.statusCode !== 401 || error.code !== 'invalid_token') throw error;
      const principal = unverifiedShop(request.headers.authorization);
      if (!principal) throw error;
      request.log.warn({ shopId: principal.shopId, reason: error.message }, 'INSECURE: accepted an unverified shop token (PSIF_SHOP_TOKEN_INSECURE=true)');
      request.principal = principal;
    }
  };
}

/** The shop a token names, read without any check: a store/<uuid> audience, or a UUID sub / user_id (Firebase). */
function unverifiedShop(header: string | undefined): Principal | undefined {
  const token = /^Bearer +(\S+)$/i.exec(header ?? '')?.[1];
  if (!token || token.length > MAX_TOKEN_LENGTH) return undefined;
  let claims: Record<string, unknown>;
  try {
    claims = decodeJwt(token);
  } catch {
    return undefined;
  }
  const audiences = Array.isArray(claims.aud) ? claims.aud.filter((a): a is string => typeof a === 'string') : typeof claims.aud === 'string' ? [claims.aud] : [];
  const fromAudience = audiences.map((a) => STORE_AUDIENCE.exec(a)?.[1]).find((id) => id !== undefined);
  const fromSubject = [claims.sub, claims.user_id].find((v): v is string => typeof v === 'string' && UUID.test(v));
  const shopId = (fromAudience ?? fromSubject)?.toLowerCase();
  if (!shopId) return undefined;
  return {
    clientId: typeof claims.sub === 'string' ? claims.sub : shopId,
    kind: 'shop',
    name: shopId,
    shopId,
    scopes: [],
    audiences,
    tokenId: typeof claims.jti === 'string' ? claims.jti : '',
    expiresAt: typeof claims.exp === 'number' ? claims.exp : 0,
    unverified: true,
  };
}

/** A shop may act only on itself; admins on any shop. */
export function requireSameShop(principal: Principal | undefined, shopId: string): void {
  if (!principal) throw new ApiError(401, 'unauthorized', 'an access token is required');
  if (principal.kind === 'admin') return;
  if (principal.shopId !== shopId) throw new ApiError(403, 'shop_mismatch', `this token belongs to shop ${principal.shopId ?? '(none)'}, not ${shopId}`);
}
