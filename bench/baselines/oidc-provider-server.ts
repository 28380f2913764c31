// Baseline for the token benchmark: panva's oidc-provider (v9) configured to do
// only what psif's token endpoint does — client_credentials, client_secret_basic,
// ES256-signed JWT access tokens for one audience. Runs as a child process of
// bench/token.ts so the two servers never share an event loop with autocannon.
//
//   PORT=4000 CLIENT_ID=c CLIENT_SECRET=s node --import tsx bench/baselines/oidc-provider-server.ts
//
// Prints exactly one line `READY <port>` on stdout once listening.

import { createServer } from 'node:http';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';

const AUDIENCE = 'https://api.example.test';
const SCOPE = 'read';

function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`missing env ${name}`);
  }
  return value;
}

const port = Number(requireEnv('PORT'));
const clientId = requireEnv('CLIENT_ID');
const clientSecret = requireEnv('CLIENT_SECRET');
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  throw new Error(`invalid PORT ${String(process.env.PORT)}`);
}

// oidc-provider writes its notices with console.info/console.warn, and some of
// them fire at import time (e.g. "Unsupported runtime" on Node 20). Mute those
// channels *before* the dynamic import below; a static import would be hoisted
// above this assignment. console.error stays, so real crashes are still visible.
const mute = (): void => {};
console.info = mute;
console.warn = mute;
console.log = mute;

const { default: Provider, errors } = await import('oidc-provider');

// A fresh EC P-256 key per run; the kid is its RFC 7638 thumbprint, the same
// convention psif uses, so both servers emit comparable JWT headers.
const { privateKey } = await generateKeyPair('ES256', { extractable: true });
const jwk = await exportJWK(privateKey);
const kid = await calculateJwkThumbprint(jwk);

const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: SCOPE,
    },
  ],
  // The client default id_token_signed_response_alg is RS256. Client metadata
  // is validated lazily (at the first /token call), and fails with
  // invalid_client_metadata "id_token_signed_response_alg must be 'ES256'"
  // when the keystore holds no RSA key, even though no ID token is ever issued.
  // It is also the fallback alg for JWT access tokens.
  clientDefaults: { id_token_signed_response_alg: 'ES256' },
  jwks: { keys: [{ ...jwk, kid, alg: 'ES256', use: 'sig' }] },
  // Registering the scope makes oidc-provider enforce the client's `scope`
  // allow-list (unregistered scopes skip that check entirely).
  scopes: [SCOPE],
  features: {
    clientCredentials: { enabled: true },
    // Default is enabled; psif has no interactive flows, so keep it out.
    devInteractions: { enabled: false },
    // RFC 8707: the token's audience comes from the `resource` parameter.
    // Without this callback the default throws invalid_target, and without
    // accessTokenFormat 'jwt' client_credentials tokens are opaque (and stored
    // in the adapter instead of signed).
    resourceIndicators: {
      enabled: true,
      getResourceServerInfo: (_ctx: unknown, resource: string) => {
        if (resource !== AUDIENCE) {
          throw new errors.InvalidTarget();
        }
        return {
          scope: SCOPE,
          audience: AUDIENCE,
          accessTokenTTL: 3600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        };
      },
    },
  },
});

const server = createServer(provider.callback());
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`READY ${port}\n`);
});

// Exit promptly when the parent sends SIGTERM; keep-alive sockets from the
// load generator would otherwise hold server.close() open.
const shutdown = (): void => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
