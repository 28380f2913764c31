import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './openapi.js';

/**
 * The typed psif client: openapi-fetch over the generated `paths`, plus OAuth2 client credentials. Runs in
 * browsers (the console) and in Node (tests, scripts): only `fetch`, `btoa` and `URLSearchParams`.
 *
 *   const psif = psifClient({ baseUrl, credentials: { clientId, clientSecret } });
 *   const { data, error } = await psif.GET('/raw/v1/{shopId}/products', { params: { path: { shopId } } });
 */
export type PsifClient = Client<paths>;
export type { paths };

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  /** Space-separated audiences; the client's defaults when omitted. */
  audience?: string;
  scope?: string;
}

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope?: string;
}

export interface PsifClientOptions {
  baseUrl: string;
  /** A token, or where to get one: client credentials, fetched and refreshed by the client. */
  token?: string | (() => Promise<string>);
  credentials?: ClientCredentials;
  /** Sent on every request (e.g. `{ sandbox: 'true' }` for billing sandbox data). */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

/** An OAuth2 error answer of the token endpoint (RFC 6749 §5.2). */
export class TokenRequestError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string | undefined,
  ) {
    super(description ? `${error}: ${description}` : error);
    this.name = 'TokenRequestError';
  }
}

/** RFC 6749 §2.3.1: each part form-encoded, then Basic-encoded. */
function basicCredentials({ clientId, clientSecret }: ClientCredentials): string {
  const formEncode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`;
}

/** POST /oauth2/token with the client credentials grant. */
export async function requestToken(baseUrl: string, credentials: ClientCredentials, fetchImpl: typeof fetch = fetch): Promise<TokenResponse> {
  const body = new URLSearchParams({ grant_type: 'client_credentials' });
  if (credentials.audience) body.set('audience', credentials.audience);
  if (credentials.scope) body.set('scope', credentials.scope);
  const response = await fetchImpl(`${baseUrl.replace(/\/$/, '')}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: basicCredentials(credentials), 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const answer = (await response.json().catch(() => ({}))) as Partial<TokenResponse> & { error?: string; error_description?: string };
  if (!response.ok || !answer.access_token) throw new TokenRequestError(response.status, answer.error ?? 'invalid_response', answer.error_description);
  return answer as TokenResponse;
}

/** A token source that keeps a client-credentials token and fetches a new one 30 s before it expires. */
export function clientCredentialsToken(baseUrl: string, credentials: ClientCredentials, fetchImpl: typeof fetch = fetch): () => Promise<string> {
  let cached: { token: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;
  return () => {
    if (cached && Date.now() < cached.expiresAt - 30_000) return Promise.resolve(cached.token);
    pending ??= requestToken(baseUrl, credentials, fetchImpl)
      .then((answer) => {
        cached = { token: answer.access_token, expiresAt: Date.now() + answer.expires_in * 1000 };
        return answer.access_token;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

export function psifClient(options: PsifClientOptions): PsifClient {
  const fetchImpl = options.fetch ?? ((input: Request) => fetch(input));
  const client = createClient<paths>({ baseUrl: options.baseUrl.replace(/\/$/, ''), fetch: fetchImpl, headers: options.headers });
  const given = options.token;
  const token =
    typeof given === 'string' ? () => Promise.resolve(given)
    : given ?? (options.credentials ? clientCredentialsToken(options.baseUrl, options.credentials, options.fetch) : undefined);
  if (token) {
    const bearer: Middleware = {
      async onRequest({ request }) {
        if (!request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${await token()}`);
        return request;
      },
    };
    client.use(bearer);
  }
  return client;
}
