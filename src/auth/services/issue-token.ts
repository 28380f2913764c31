import { randomUUID } from 'node:crypto';
import type { Client } from '../model.js';
import type { KeyStore } from './signing-keys.js';

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
  scope: string;
  jti: string;
}

/**
 * A JWT access token that pleases both RFC 9068 consumers (`typ: at+jwt`, `scope` string, `client_id`)
 * and PrestaShop's PHP validators, which read `scp` and `aud` only when they are arrays (auth.md §2).
 * `ext` mirrors Ory Hydra's claim set so existing parsers find what they expect.
 */
export function issueAccessToken(
  keys: KeyStore,
  issuer: string,
  client: Client,
  grant: { scopes: string[]; audiences: string[] },
  defaultTtlSeconds: number,
): IssuedToken {
  const key = keys.signingKey();
  const ttl = client.accessTokenTtl ?? defaultTtlSeconds;
  const now = Math.floor(Date.now() / 1000);
  const jti = randomUUID();
  const scope = grant.scopes.join(' ');
  const claims = {
    iss: issuer,
    sub: client.clientId,
    aud: grant.audiences,
    exp: now + ttl,
    iat: now,
    nbf: now,
    jti,
    client_id: client.clientId,
    scp: grant.scopes,
    scope,
    ext: {},
  };
  return { accessToken: key.signer.sign(claims), expiresIn: ttl, scope, jti };
}
