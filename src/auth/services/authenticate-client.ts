import type { Client } from '../model.js';
import { OAuthError } from '../oauth-error.js';
import type { ClientSecretHasher } from './client-secrets.js';
import type { TokenState } from './token-state.js';

export interface ClientCredentials {
  method: 'client_secret_basic' | 'client_secret_post';
  clientId: string;
  clientSecret: string;
}

/**
 * Reads the client's credentials from exactly one place (RFC 6749 §2.3): the Basic header, whose parts
 * are form-decoded per §2.3.1, or `client_id` + `client_secret` in the body. A body `client_id` next to
 * Basic must name the same client (Hydra ignores a mismatch; we refuse it, as oidc-provider does).
 */
export function readClientCredentials(authorization: string | undefined, form: Map<string, string>, realm: string): ClientCredentials {
  const bodyId = form.get('client_id');
  const bodySecret = form.get('client_secret');
  if (authorization !== undefined) {
    const match = /^Basic ([A-Za-z0-9+/=]*)$/i.exec(authorization.trim());
    if (!match) throw invalidClient(realm, 'the Authorization header must use the Basic scheme');
    const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 1) throw invalidClient(realm, 'the Basic credentials must be client_id:client_secret');
    const clientId = formDecode(decoded.slice(0, colon), 'client_id');
    const clientSecret = formDecode(decoded.slice(colon + 1), 'client_secret');
    if (bodySecret !== undefined) {
      throw new OAuthError('invalid_request', 'use one client authentication method: the Basic header or client_secret in the body, not both');
    }
    if (bodyId !== undefined && bodyId !== clientId) throw new OAuthError('invalid_request', 'client_id in the body does not match the Basic credentials');
    return { method: 'client_secret_basic', clientId, clientSecret };
  }
  if (bodyId !== undefined && bodySecret !== undefined) return { method: 'client_secret_post', clientId: bodyId, clientSecret: bodySecret };
  throw invalidClient(realm, 'client authentication is required (Basic header or client_id and client_secret in the body)');
}

export async function authenticateClient(
  credentials: ClientCredentials,
  state: TokenState,
  hasher: ClientSecretHasher,
  realm: string,
): Promise<Client> {
  const found = await state.clientCredentials(credentials.clientId);
  // The hash is computed whether or not the client exists, so response time says nothing about client ids.
  const secretMatches = hasher.verify(credentials.clientSecret, found?.secrets.map((s) => s.secretHash) ?? []);
  if (!found || !secretMatches || found.client.status !== 'active') {
    throw invalidClient(realm, 'client authentication failed (unknown client, wrong secret or disabled client)');
  }
  if (found.client.tokenEndpointAuthMethod !== credentials.method) {
    throw invalidClient(realm, `this client is registered for ${found.client.tokenEndpointAuthMethod}, not ${credentials.method}`);
  }
  return found.client;
}

function formDecode(value: string, name: string): string {
  // Generated ids and secrets are URL-safe, so the usual value has nothing to decode.
  if (!value.includes('%') && !value.includes('+')) return value;
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    throw new OAuthError('invalid_request', `the Basic ${name} is not valid form-encoding`);
  }
}

/** RFC 6749 §5.2: 401 with a Basic challenge, the scheme every client may use. */
function invalidClient(realm: string, description: string): OAuthError {
  const challenge = `Basic realm="${realm}", error="invalid_client", error_description="${description.replace(/"/g, "'")}"`;
  return new OAuthError('invalid_client', description, { 'www-authenticate': challenge });
}
