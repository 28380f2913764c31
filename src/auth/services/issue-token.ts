import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
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
export async function issueAccessToken(
  keys: KeyStore,
  issuer: string,
  client: Client,
  grant: { scopes: string[]; audiences: string[] },
  defaultTtlSeconds: number,
): Promise<IssuedToken> {
  const key = keys.signingKey();
  const ttl = client.accessTokenTtl ?? defaultTtlSeconds;
  const now = Math.floor(Date.now() / 1000);
  const jti = randomUUID();
  const scope = grant.scopes.join(' ');
  const accessToken = await new SignJWT({
    client_id: client.clientId,
    scp: grant.scopes,
    scope,
    ext: {},
    aud: grant.audiences,
  })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
    .setIssuer(issuer)
    .setSubject(client.clientId)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + ttl)
    .setJti(jti)
    .sign(key.privateKey);
  return { accessToken, expiresIn: ttl, scope, jti };
}
