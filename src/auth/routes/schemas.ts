import { Type } from '@sinclair/typebox';
import { ApiErrorBody } from '../../platform/http/schemas.js';
import { CLIENT_KINDS, AUTH_METHODS } from '../model.js';

export { ApiErrorBody };

export const OAuthErrorBody = Type.Object(
  {
    error: Type.String({ description: 'RFC 6749 §5.2 error code', enum: ['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'unsupported_token_type', 'access_denied', 'too_many_requests', 'server_error'] }),
    error_description: Type.String(),
  },
  { $id: 'OAuthError', description: 'RFC 6749 §5.2 error response' },
);

export const TokenRequest = Type.Object(
  {
    grant_type: Type.Optional(Type.String({ description: 'Must be client_credentials' })),
    scope: Type.Optional(Type.String({ description: 'Space-separated scopes; each must be allowed for the client (a.* allows a.b)' })),
    audience: Type.Optional(
      Type.Union([Type.String(), Type.Array(Type.String())], { description: 'Space-separated (or repeated) audiences; each must be allowed for the client. Omitted: every allowed audience.' }),
    ),
    client_id: Type.Optional(Type.String({ description: 'Required with client_secret_post; with Basic it must match the Basic user' })),
    client_secret: Type.Optional(Type.String({ description: 'Only for clients registered with client_secret_post' })),
  },
  { additionalProperties: true, examples: [{ grant_type: 'client_credentials' }] },
);

export const TokenResponse = Type.Object(
  {
    access_token: Type.String({ description: 'JWT (typ at+jwt)' }),
    token_type: Type.Literal('bearer'),
    expires_in: Type.Integer(),
    scope: Type.String({ description: 'Granted scopes, space-separated; may be empty' }),
  },
  { $id: 'TokenResponse' },
);

export const TokenOnlyRequest = Type.Object(
  {
    token: Type.Optional(Type.String()),
    token_type_hint: Type.Optional(Type.String({ description: 'access_token (psif issues no refresh tokens)' })),
    client_id: Type.Optional(Type.String()),
    client_secret: Type.Optional(Type.String()),
  },
  { additionalProperties: true, examples: [{ token: 'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJhY21lIn0.c2lnbmF0dXJl', token_type_hint: 'access_token' }] },
);

export const IntrospectionResponse = Type.Object(
  {
    active: Type.Boolean(),
    client_id: Type.Optional(Type.String()),
    sub: Type.Optional(Type.String()),
    scope: Type.Optional(Type.String()),
    scp: Type.Optional(Type.Array(Type.String())),
    aud: Type.Optional(Type.Array(Type.String())),
    iss: Type.Optional(Type.String()),
    exp: Type.Optional(Type.Integer()),
    iat: Type.Optional(Type.Integer()),
    nbf: Type.Optional(Type.Integer()),
    jti: Type.Optional(Type.String()),
    token_type: Type.Optional(Type.String()),
    token_use: Type.Optional(Type.String()),
    client_kind: Type.Optional(Type.String({ description: 'psif extension: vendor, shop, admin or resource_server' })),
    ext: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { $id: 'IntrospectionResponse' },
);

export const ServerMetadata = Type.Object(
  {
    issuer: Type.String(),
    token_endpoint: Type.String(),
    jwks_uri: Type.String(),
    introspection_endpoint: Type.String(),
    revocation_endpoint: Type.String(),
    grant_types_supported: Type.Array(Type.String()),
    response_types_supported: Type.Array(Type.String()),
    token_endpoint_auth_methods_supported: Type.Array(Type.String()),
    introspection_endpoint_auth_methods_supported: Type.Array(Type.String()),
    revocation_endpoint_auth_methods_supported: Type.Array(Type.String()),
    service_documentation: Type.String(),
  },
  { $id: 'ServerMetadata', additionalProperties: true },
);

export const Jwk = Type.Object(
  {
    kty: Type.String(),
    kid: Type.String(),
    alg: Type.String(),
    use: Type.String(),
    crv: Type.Optional(Type.String()),
    x: Type.Optional(Type.String()),
    y: Type.Optional(Type.String()),
    n: Type.Optional(Type.String()),
    e: Type.Optional(Type.String()),
  },
  { $id: 'Jwk' },
);

export const Jwks = Type.Object({ keys: Type.Array(Type.Ref(Jwk)) }, { $id: 'Jwks' });


export const ClientView = Type.Object(
  {
    clientId: Type.String(),
    kind: Type.Union(CLIENT_KINDS.map((k) => Type.Literal(k))),
    name: Type.String(),
    shopId: Type.Union([Type.String(), Type.Null()]),
    tokenEndpointAuthMethod: Type.Union(AUTH_METHODS.map((m) => Type.Literal(m))),
    grantTypes: Type.Array(Type.String()),
    scopes: Type.Array(Type.String()),
    audiences: Type.Array(Type.String()),
    accessTokenTtl: Type.Union([Type.Integer(), Type.Null()]),
    status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    disabledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'Client' },
);

export const ClientWithSecretView = Type.Object(
  {
    client: Type.Ref(ClientView),
    clientSecret: Type.String({ description: 'Shown once; psif keeps only a keyed hash' }),
    previousSecretExpiresAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { $id: 'ClientWithSecret' },
);

export const SigningKeyView = Type.Object(
  {
    kid: Type.String(),
    alg: Type.String(),
    status: Type.Union([Type.Literal('active'), Type.Literal('retired')]),
    createdAt: Type.String({ format: 'date-time' }),
    retiredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    unpublishAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'SigningKey' },
);

export const SHARED_SCHEMAS = [OAuthErrorBody, TokenResponse, IntrospectionResponse, ServerMetadata, Jwk, Jwks, ApiErrorBody, ClientView, ClientWithSecretView, SigningKeyView];
