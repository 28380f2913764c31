import { TokenRequestError, psifClient, requestToken, type PsifClient } from '../../client/psif-client.js';

export type ConsoleKind = 'admin' | 'vendor';

/** What the console keeps between reloads of the tab: the token and who it is, never the secret. */
export interface Session {
  token: string;
  clientId: string;
  kind: ConsoleKind;
  name: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

const KEY = 'psif.console.session';

/** A psif API error (`{statusCode, code, message}`), or an OAuth error of the token endpoint. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiProblem';
  }
}

export const EXPIRED = 'Your session expired. Sign in again to continue.';

/** The tab's session; an expired one is forgotten, and `expired` says so for the sign-in page. */
export function loadSession(): { session?: Session; expired: boolean } {
  const stored = sessionStorage.getItem(KEY);
  if (!stored) return { expired: false };
  const session = JSON.parse(stored) as Session;
  if (session.expiresAt > Date.now()) return { session, expired: false };
  sessionStorage.removeItem(KEY);
  return { expired: true };
}

export function saveSession(session: Session | undefined): void {
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
}

/**
 * The console sends no cookies, only its bearer token. Omitting credentials also keeps the browser from
 * prompting for a password when the token endpoint answers 401 with `WWW-Authenticate: Basic`.
 */
const withoutCredentials: typeof fetch = (input, init) => fetch(input, { ...init, credentials: 'omit' });

export function client(session: Session): PsifClient {
  return psifClient({ baseUrl: location.origin, token: session.token, fetch: withoutCredentials });
}

function claims(token: string): { sub: string; exp: number; aud: string[] } {
  const payload = token.split('.')[1] ?? '';
  const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as { sub: string; exp: number; aud: string[] };
}

/**
 * Client credentials → a session. psif's tokens carry no client kind claim: a vendor token names its
 * vendor in the `tech-vendor/<name>` audience; any other caller is an admin only if the admin API
 * lets it read its own client record.
 */
export async function signIn(clientId: string, clientSecret: string): Promise<Session> {
  let answer;
  try {
    answer = await requestToken(location.origin, { clientId, clientSecret }, withoutCredentials);
  } catch (error) {
    if (error instanceof TokenRequestError) throw new ApiProblem(error.status, error.error, error.message);
    throw error;
  }
  const { sub, exp, aud } = claims(answer.access_token);
  const base = { token: answer.access_token, clientId: sub, expiresAt: exp * 1000 };
  const vendor = aud.find((a) => a.startsWith('tech-vendor/'));
  if (vendor) return { ...base, kind: 'vendor', name: vendor.slice('tech-vendor/'.length) };
  const self = await client({ ...base, kind: 'admin', name: '' }).GET('/admin/v1/clients/{clientId}', { params: { path: { clientId: sub } } });
  if (self.data?.kind === 'admin') return { ...base, kind: 'admin', name: self.data.name };
  throw new ApiProblem(403, 'unsupported_client', 'The console is for admin and vendor clients; this client is neither.');
}
