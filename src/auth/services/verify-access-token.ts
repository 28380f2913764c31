import { type JWTPayload, type JWTVerifyGetKey, decodeJwt, errors, jwtVerify } from 'jose';
import type { Principal } from '../model.js';
import type { ExternalShopTokens } from './external-shop-tokens.js';
import type { KeyStore } from './signing-keys.js';
import type { TokenState } from './token-state.js';

/** Tokens psif issues are well under 2 KB; anything far larger is refused before any parsing. */
export const MAX_TOKEN_LENGTH = 8192;
export const ACCEPTED_ALGORITHMS = ['ES256', 'RS256'] as const;

export class InvalidTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidTokenError';
  }
}

export interface VerifyOptions {
  /** The token must carry every one of these audiences (all-of, as PrestaShop's validators do). */
  audiences?: readonly string[];
  /** Shop-facing routes also accept shop tokens of the trusted external issuers (PSIF_SHOP_TOKEN_ISSUERS). */
  acceptExternalShopTokens?: boolean;
}

interface VerifiedClaims {
  clientId: string;
  jti: string;
  exp: number;
  nbf: number | undefined;
  scopes: string[];
  audiences: string[];
  payload: JWTPayload;
}

/**
 * The one verifier behind every psif resource route and introspection. Signature (local key set,
 * algorithm allow-list), `typ`, exact `iss`, `exp`/`nbf` with leeway, then what a signature cannot say:
 * revocation and the client's current status. Signature checks are cached per token until it expires,
 * because clients reuse one token for its whole life and an ES256 check through jose costs ~200 µs.
 */
export class AccessTokenVerifier {
  private readonly verified = new Map<string, VerifiedClaims>();
  private readonly externalVerified = new Map<string, Principal>();
  private readonly getKey: JWTVerifyGetKey;

  constructor(
    private readonly keys: KeyStore,
    private readonly state: TokenState,
    private readonly options: { issuer: string; clockLeewaySeconds: number; cacheSize?: number; external?: ExternalShopTokens },
  ) {
    this.getKey = async (header) => {
      if (typeof header.kid !== 'string' || header.kid.length === 0 || header.kid.length > 128) {
        throw new InvalidTokenError('token has no usable kid');
      }
      const key = await this.keys.verificationKey(header.kid);
      if (!key) throw new InvalidTokenError('token was signed by an unknown key');
      return key;
    };
  }

  async verify(token: string, options: VerifyOptions = {}): Promise<Principal> {
    if (options.acceptExternalShopTokens && this.options.external) {
      const issuer = unverifiedIssuer(token);
      if (issuer !== this.options.issuer && this.options.external.trusts(issuer)) return this.verifyExternal(token, issuer, options);
    }
    const claims = await this.verifySignedClaims(token);
    requireAudiences(claims.audiences, options.audiences);
    if (await this.state.isRevoked(claims.jti)) throw new InvalidTokenError('token has been revoked');
    const client = await this.state.activeClient(claims.clientId);
    if (!client) throw new InvalidTokenError('the client of this token is disabled or no longer exists');
    return {
      clientId: client.clientId,
      kind: client.kind,
      name: client.name,
      shopId: client.shopId,
      scopes: claims.scopes,
      audiences: claims.audiences,
      tokenId: claims.jti,
      expiresAt: claims.exp,
    };
  }

  private async verifyExternal(token: string, issuer: string, options: VerifyOptions): Promise<Principal> {
    if (token.length > MAX_TOKEN_LENGTH) throw new InvalidTokenError(`token is longer than ${MAX_TOKEN_LENGTH} characters`);
    let principal = this.externalVerified.get(token);
    if (principal && principal.expiresAt <= Math.floor(Date.now() / 1000) - this.options.clockLeewaySeconds) {
      this.externalVerified.delete(token);
      throw new InvalidTokenError('token has expired');
    }
    if (!principal) {
      try {
        principal = (await this.options.external!.verify(token, issuer)).principal;
      } catch (error) {
        throw new InvalidTokenError(describe(error));
      }
      if (this.externalVerified.size >= (this.options.cacheSize ?? 10_000)) this.externalVerified.clear();
      this.externalVerified.set(token, principal);
    }
    requireAudiences(principal.audiences, options.audiences);
    return principal;
  }

  /** Signature and time checks only, with the full payload (introspection reports every claim). */
  async verifySignedClaims(token: string): Promise<VerifiedClaims> {
    if (token.length > MAX_TOKEN_LENGTH) throw new InvalidTokenError(`token is longer than ${MAX_TOKEN_LENGTH} characters`);
    const now = Math.floor(Date.now() / 1000);
    const cached = this.verified.get(token);
    if (cached) {
      if (cached.exp <= now - this.options.clockLeewaySeconds) {
        this.verified.delete(token);
        throw new InvalidTokenError('token has expired');
      }
      return cached;
    }
    const claims = await this.verifySignature(token);
    // Only tokens already valid are cached, so a cached token can only have become expired since.
    if (this.verified.size >= (this.options.cacheSize ?? 10_000)) this.verified.clear();
    this.verified.set(token, claims);
    return claims;
  }

  private async verifySignature(token: string): Promise<VerifiedClaims> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.getKey, {
        algorithms: [...ACCEPTED_ALGORITHMS],
        issuer: this.options.issuer,
        typ: 'at+jwt',
        clockTolerance: this.options.clockLeewaySeconds,
        requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id'],
      }));
    } catch (error) {
      throw new InvalidTokenError(describe(error));
    }
    const clientId = payload.client_id;
    if (typeof clientId !== 'string' || clientId !== payload.sub) throw new InvalidTokenError('token client_id must equal sub');
    if (typeof payload.jti !== 'string') throw new InvalidTokenError('token jti must be a string');
    return {
      clientId,
      jti: payload.jti,
      exp: payload.exp as number,
      nbf: payload.nbf,
      scopes: stringList(payload.scp) ?? (typeof payload.scope === 'string' && payload.scope ? payload.scope.split(' ') : []),
      audiences: stringList(payload.aud) ?? (typeof payload.aud === 'string' ? [payload.aud] : []),
      payload,
    };
  }
}

function requireAudiences(granted: readonly string[], required: readonly string[] | undefined): void {
  const missing = required?.find((aud) => !granted.includes(aud));
  if (missing !== undefined) throw new InvalidTokenError(`token audience does not include "${missing}"`);
}

/** Only to route the token to the right key set; nothing is trusted before the signature check. */
function unverifiedIssuer(token: string): unknown {
  try {
    return decodeJwt(token).iss;
  } catch {
    return undefined;
  }
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
}

function describe(error: unknown): string {
  if (error instanceof InvalidTokenError) return error.message;
  if (error instanceof errors.JWTExpired) return 'token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `token claim "${error.claim}" is invalid: ${error.reason}`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'token algorithm is not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'token signature is invalid';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'token is malformed';
  if (error instanceof errors.JWKSNoMatchingKey) return 'token was signed by an unknown key';
  if (error instanceof errors.JOSEError) return `token is invalid (${error.code})`;
  if (error instanceof Error && error.message) return error.message;
  return 'token is invalid';
}
