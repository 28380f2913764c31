import { Type } from '@sinclair/typebox';
import type { App } from '../../platform/http/server.js';
import type { AuthModule } from '../auth-module.js';
import { AUTH_METHODS } from '../model.js';
import { Jwks, ServerMetadata } from './schemas.js';

/**
 * RFC 8414 metadata (also served as OpenID discovery, which ps_accounts and openid-client read) and the
 * JWKS. Cacheable: the JWKS changes only on rotation, and verifiers refetch on an unknown kid.
 */
export async function discoveryRoutes(app: App, { auth }: { auth: AuthModule }): Promise<void> {
  const base = auth.config.publicUrl;
  const metadata = {
    issuer: base,
    token_endpoint: `${base}/oauth2/token`,
    jwks_uri: `${base}/.well-known/jwks.json`,
    introspection_endpoint: `${base}/oauth2/introspect`,
    revocation_endpoint: `${base}/oauth2/revoke`,
    grant_types_supported: ['client_credentials'],
    // Required by RFC 8414; this server has no authorization endpoint, so no response type applies.
    response_types_supported: [],
    token_endpoint_auth_methods_supported: [...AUTH_METHODS],
    introspection_endpoint_auth_methods_supported: [...AUTH_METHODS],
    revocation_endpoint_auth_methods_supported: [...AUTH_METHODS],
    service_documentation: `${base}/docs`,
  };

  for (const [path, operationId] of [
    ['/.well-known/oauth-authorization-server', 'getAuthorizationServerMetadata'],
    ['/.well-known/openid-configuration', 'getOpenIdConfiguration'],
  ] as const) {
    app.get(path, {
      schema: {
        tags: ['auth'],
        operationId,
        security: [],
        summary: path.endsWith('openid-configuration') ? 'Discovery document (OpenID Connect location)' : 'Authorization server metadata (RFC 8414)',
        response: { 200: Type.Ref(ServerMetadata) },
      },
    }, async (_request, reply) => {
      void reply.header('cache-control', 'public, max-age=3600').header('access-control-allow-origin', '*');
      return metadata;
    });
  }

  app.get('/.well-known/jwks.json', {
    schema: {
      tags: ['auth'],
      operationId: 'getJwks',
      security: [],
      summary: 'Public signing keys (JWK Set)',
      description: 'Every key that may have signed a still-valid token: the active key and retired keys until their last token expires. Each JWK has kid, alg and use.',
      response: { 200: Type.Ref(Jwks) },
    },
  }, async (_request, reply) => {
    void reply.header('cache-control', 'public, max-age=300').header('access-control-allow-origin', '*');
    return auth.keys.jwks();
  });
}
