import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../../platform/http/api-error.js';
import type { ClientKind, Principal } from '../model.js';
import { InvalidTokenError, MAX_TOKEN_LENGTH, type AccessTokenVerifier } from '../services/verify-access-token.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export interface PrincipalRequirement {
  kinds: readonly ClientKind[];
  /** Every one of these audiences must be in the token (e.g. the API audience). */
  audiences?: readonly string[];
  /** At least one of these scopes must be granted, when given. */
  anyScope?: readonly string[];
  /** Accept shop tokens of trusted external issuers (shop-facing routes only). */
  acceptExternalShopTokens?: boolean;
}

const REALM = 'psif';

/**
 * The hook (onRequest) every psif resource route uses: a bearer token in the Authorization header only
 * (RFC 6750 §2.1; RFC 9700 §4.3.2 forbids tokens in URLs), verified by the shared verifier, then the
 * route's requirements on the caller. Errors carry RFC 6750 challenges.
 */
export function requirePrincipal(verifier: AccessTokenVerifier, requirement: PrincipalRequirement) {
  return async function checkPrincipal(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    if (hasQueryToken(request.url)) {
      throw challenge(400, 'invalid_request', 'access tokens are not accepted in the query string; send Authorization: Bearer <token>');
    }
    const header = request.headers.authorization;
    if (!header) throw new ApiError(401, 'unauthorized', 'an access token is required: Authorization: Bearer <token>', undefined, { 'www-authenticate': `Bearer realm="${REALM}"` });
    const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(header);
    if (!match?.[1]) throw challenge(401, 'invalid_token', 'the Authorization header must be "Bearer <token>"');
    if (match[1].length > MAX_TOKEN_LENGTH) throw challenge(401, 'invalid_token', 'token is too long');
    let principal: Principal;
    try {
      principal = await verifier.verify(match[1], { audiences: requirement.audiences ?? [], acceptExternalShopTokens: requirement.acceptExternalShopTokens ?? false });
    } catch (error) {
      if (error instanceof InvalidTokenError) throw challenge(401, 'invalid_token', error.message);
      throw error;
    }
    if (!requirement.kinds.includes(principal.kind)) {
      throw new ApiError(403, 'forbidden', `this route is for ${requirement.kinds.join(' or ')} clients, not ${principal.kind} clients`);
    }
    if (requirement.anyScope && !requirement.anyScope.some((scope) => principal.scopes.includes(scope))) {
      throw challenge(403, 'insufficient_scope', `this route needs one of the scopes: ${requirement.anyScope.join(', ')}`);
    }
    request.principal = principal;
  };
}

function challenge(status: number, error: string, description: string): ApiError {
  return new ApiError(status, error, description, undefined, {
    'www-authenticate': `Bearer realm="${REALM}", error="${error}", error_description="${description.replace(/"/g, "'")}"`,
  });
}

function hasQueryToken(url: string): boolean {
  const query = url.indexOf('?');
  return query !== -1 && new URLSearchParams(url.slice(query + 1)).has('access_token');
}
