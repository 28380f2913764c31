import { type ClientCredentials, TokenRequestError } from '../client/psif-client.js';

/**
 * A token source for a psif shop client. Shop clients authenticate with client_secret_post, as
 * ps_accounts does (psifClient's own token source sends HTTP Basic, which they are not registered for).
 * The token is kept until 30 s before it expires.
 */
export function shopToken(baseUrl: string, credentials: ClientCredentials): () => Promise<string> {
  let cached: { token: string; expiresAt: number } | undefined;
  return async () => {
    if (cached && Date.now() < cached.expiresAt - 30_000) return cached.token;
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: credentials.clientId, client_secret: credentials.clientSecret });
    const response = await fetch(`${baseUrl.replace(/\/$/, '')}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const answer = (await response.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
    if (!response.ok || !answer.access_token) throw new TokenRequestError(response.status, answer.error ?? 'invalid_response', answer.error_description);
    cached = { token: answer.access_token, expiresAt: Date.now() + (answer.expires_in ?? 60) * 1000 };
    return cached.token;
  };
}
