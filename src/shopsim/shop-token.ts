/** How the simulated shop authenticates: a fixed token, or the client credentials of a psif `shop` client. */
export type ShopCredentials = { token: string } | { tokenUrl: string; clientId: string; clientSecret: string };

/** A token, or '' with the reason it could not be obtained (the module then answers 452). */
export interface TokenResult {
  token: string;
  error?: string;
}

/** Renew this long before expiry, as ps_accounts refreshes its token ahead of time. */
const RENEW_BEFORE_MS = 60_000;
const TOKEN_TIMEOUT_MS = 5_000;

/**
 * PsAccountsService::getShopToken as the simulator plays it: client_credentials with client_secret_post
 * (client_id and client_secret in the form body, as ps_accounts does), cached and renewed before expiry.
 */
export class ShopTokenProvider {
  private cached: { token: string; renewAt: number } | undefined;
  private pending: Promise<TokenResult> | undefined;

  constructor(
    private credentials: ShopCredentials | undefined,
    private readonly onFetch: (ok: boolean) => void = () => undefined,
  ) {}

  use(credentials: ShopCredentials | undefined): void {
    this.credentials = credentials;
    this.cached = undefined;
  }

  async get(): Promise<TokenResult> {
    const credentials = this.credentials;
    if (!credentials) return { token: '', error: 'Invalid token' };
    if ('token' in credentials) return { token: credentials.token };
    if (this.cached && Date.now() < this.cached.renewAt) return { token: this.cached.token };
    this.pending ??= this.fetch(credentials).finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async fetch(credentials: Extract<ShopCredentials, { clientId: string }>): Promise<TokenResult> {
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: credentials.clientId, client_secret: credentials.clientSecret });
    try {
      const response = await fetch(credentials.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
      });
      const json = (await response.json()) as { access_token?: string; expires_in?: number; error?: string };
      if (response.status !== 200 || !json.access_token) throw new Error(`token endpoint answered ${response.status} ${json.error ?? ''}`.trim());
      const lifetimeMs = (json.expires_in ?? 3600) * 1000;
      this.cached = { token: json.access_token, renewAt: Date.now() + Math.max(lifetimeMs - RENEW_BEFORE_MS, lifetimeMs / 2) };
      this.onFetch(true);
      return { token: json.access_token };
    } catch (error) {
      this.onFetch(false);
      return { token: '', error: (error as Error).message };
    }
  }
}
