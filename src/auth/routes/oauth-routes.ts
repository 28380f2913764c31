import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { RateLimiter } from '../../platform/http/rate-limiter.js';
import type { Metrics } from '../../platform/observability/metrics.js';
import type { App } from '../../platform/http/server.js';
import type { AuthModule } from '../auth-module.js';
import type { Client } from '../model.js';
import { OAuthError } from '../oauth-error.js';
import { isAudienceAllowed } from '../services/audiences.js';
import { authenticateClient, readClientCredentials } from '../services/authenticate-client.js';
import { issueAccessToken } from '../services/issue-token.js';
import { isScopeAllowed, splitSpaceList } from '../services/scopes.js';
import { InvalidTokenError } from '../services/verify-access-token.js';
import { IntrospectionResponse, OAuthErrorBody, TokenOnlyRequest, TokenRequest, TokenResponse } from './schemas.js';

type Form = Map<string, string>;
declare module 'fastify' {
  interface FastifyRequest {
    oauthForm?: Form;
  }
}

const FORM_BODY_LIMIT = 64 * 1024;
/** RFC 6749 §3.2 forbids repeated parameters; Hydra accepts a repeated `audience` as a list, so do we. */
const REPEATABLE = new Set(['audience']);
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };
const errorResponses = { 400: Type.Ref(OAuthErrorBody), 401: Type.Ref(OAuthErrorBody), 413: Type.Ref(OAuthErrorBody), 429: Type.Ref(OAuthErrorBody) };

/**
 * The token, introspection and revocation endpoints (RFC 6749 §4.4, RFC 7662, RFC 7009). Everything here
 * answers with RFC 6749 §5.2 errors and `Cache-Control: no-store`, including parser and limit errors.
 */
export async function oauthRoutes(app: App, { auth, metrics }: { auth: AuthModule; metrics: Metrics }): Promise<void> {
  const { config } = auth;
  const realm = config.publicUrl;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (request, body, done) => {
    try {
      const { fields, form } = parseForm(body as string);
      // The Map the handlers read comes from the same pass; `fields` is what the route schema validates
      // (never changed by validation: no defaults, no coercion of bodies).
      request.oauthForm = form;
      done(null, fields);
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  // Any other media type reaches the handler as an error the client can act on, not a bare 415.
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (request, _body, done) => {
    done(new OAuthError('invalid_request', `Content-Type must be application/x-www-form-urlencoded, not ${request.headers['content-type'] ?? 'missing'}`), undefined);
  });

  // The hooks are callback style, not async: an async hook costs every request a promise and a microtask turn.
  app.addHook('onRequest', (request, reply, done) => {
    void reply.headers(NO_STORE);
    // RFC 6749 §2.3.1: credentials MUST NOT be in the URI; refusing any query keeps them out of logs too.
    if (request.url.includes('?')) {
      done(new OAuthError('invalid_request', 'parameters must be sent in the form-encoded request body, not in the query string'));
      return;
    }
    done();
  });

  app.addHook('preValidation', (request, _reply, done) => {
    if (request.body === undefined || request.body === null || request.oauthForm === undefined) {
      done(new OAuthError('invalid_request', 'the request body must be form-encoded parameters'));
      return;
    }
    done();
  });

  app.setErrorHandler((error: FastifyError | OAuthError, request, reply) => {
    const oauthError = toOAuthError(error);
    metrics.oauthErrors.inc({ endpoint: request.routeOptions.url ?? 'unknown', error: oauthError.error });
    if (oauthError.statusCode >= 500) request.log.error({ err: error }, 'oauth endpoint failed');
    else request.log.info({ error: oauthError.error, description: oauthError.description }, 'oauth request rejected');
    const status = (error as FastifyError).statusCode === 413 ? 413 : oauthError.statusCode;
    void reply.code(status).headers({ ...NO_STORE, ...oauthError.headers }).send(oauthError.toJSON());
  });

  registerRateLimits(app, auth);

  app.post('/oauth2/token', {
    schema: {
      tags: ['auth'],
      operationId: 'issueToken',
      summary: 'Issue an access token (client_credentials)',
      description:
        'RFC 6749 §4.4. Authenticate with client_secret_basic (default) or client_secret_post, as registered for the client. ' +
        'Returns a JWT access token (typ at+jwt, ES256 by default) whose claims match Ory Hydra\'s (scp and aud arrays) plus RFC 9068\'s scope string.',
      consumes: ['application/x-www-form-urlencoded'],
      security: [{ clientSecretBasic: [] }, {}],
      body: TokenRequest,
      response: { 200: Type.Ref(TokenResponse), ...errorResponses },
    },
  }, async (request, reply) => {
    const form = request.oauthForm as Form;
    const credentials = readClientCredentials(request.headers.authorization, form, realm);
    const client = await authenticateClient(credentials, auth.state, auth.hasher, realm);
    const grantType = form.get('grant_type');
    if (grantType === undefined) throw new OAuthError('invalid_request', 'grant_type is required');
    if (grantType !== 'client_credentials') throw new OAuthError('unsupported_grant_type', `grant_type "${grantType}" is not supported; use client_credentials`);
    if (!client.grantTypes.includes('client_credentials')) throw new OAuthError('unauthorized_client', 'this client may not use the client_credentials grant');
    const grant = { scopes: grantScopes(client, form.get('scope')), audiences: grantAudiences(client, form.get('audience'), config.auth.audienceMatching) };
    const token = issueAccessToken(auth.keys, config.publicUrl, client, grant, config.auth.accessTokenTtlSeconds);
    metrics.tokensIssued.inc({ kind: client.kind });
    return reply.send({ access_token: token.accessToken, token_type: 'bearer', expires_in: token.expiresIn, scope: token.scope });
  });

  app.post('/oauth2/introspect', {
    schema: {
      tags: ['auth'],
      operationId: 'introspectToken',
      summary: 'Introspect an access token (RFC 7662)',
      description: 'Only admin and resource_server clients may introspect. An invalid, expired, revoked or foreign token, or one whose client is disabled, answers {"active": false}.',
      consumes: ['application/x-www-form-urlencoded'],
      security: [{ clientSecretBasic: [] }, {}],
      body: TokenOnlyRequest,
      response: { 200: Type.Ref(IntrospectionResponse), 403: Type.Ref(OAuthErrorBody), ...errorResponses },
    },
  }, async (request) => {
    const form = request.oauthForm as Form;
    const caller = await authenticateClient(readClientCredentials(request.headers.authorization, form, realm), auth.state, auth.hasher, realm);
    if (caller.kind !== 'admin' && caller.kind !== 'resource_server') {
      throw new OAuthError('access_denied', 'only admin and resource_server clients may introspect tokens');
    }
    const token = form.get('token');
    if (token === undefined) throw new OAuthError('invalid_request', 'token is required');
    try {
      const claims = await auth.verifier.verifySignedClaims(token);
      if (await auth.state.isRevoked(claims.jti)) return { active: false };
      const client = await auth.state.activeClient(claims.clientId);
      if (!client) return { active: false };
      const p = claims.payload;
      return {
        active: true,
        client_id: claims.clientId,
        sub: p.sub,
        scope: claims.scopes.join(' '),
        scp: claims.scopes,
        aud: claims.audiences,
        iss: p.iss,
        exp: p.exp,
        iat: p.iat,
        nbf: p.nbf,
        jti: claims.jti,
        token_type: 'Bearer',
        token_use: 'access_token',
        client_kind: client.kind,
        ext: {},
      };
    } catch (error) {
      if (error instanceof InvalidTokenError) return { active: false };
      throw error;
    }
  });

  app.post('/oauth2/revoke', {
    schema: {
      tags: ['auth'],
      operationId: 'revokeToken',
      summary: 'Revoke an access token (RFC 7009)',
      description: 'The client that obtained the token may revoke it. Unknown, invalid or foreign tokens also answer 200 and change nothing (RFC 7009 §2.2). Revocation is seen by psif\'s own APIs at once in this process and within PSIF_AUTH_CACHE_MS in others.',
      consumes: ['application/x-www-form-urlencoded'],
      security: [{ clientSecretBasic: [] }, {}],
      body: TokenOnlyRequest,
      response: { 200: Type.Null({ description: 'Revoked, or nothing to revoke' }), ...errorResponses },
    },
  }, async (request, reply) => {
    const form = request.oauthForm as Form;
    const caller = await authenticateClient(readClientCredentials(request.headers.authorization, form, realm), auth.state, auth.hasher, realm);
    const token = form.get('token');
    if (token === undefined) throw new OAuthError('invalid_request', 'token is required');
    try {
      const claims = await auth.verifier.verifySignedClaims(token);
      if (claims.clientId === caller.clientId) await auth.state.revoke(claims.jti, claims.clientId, claims.exp * 1000);
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error;
    }
    // RFC 7009 §2.2: 200 with an empty body.
    return (reply as FastifyReply).code(200).send();
  });
}

/** Counted before authentication, so failed guesses spend the budget of the IP and the client they target. */
function registerRateLimits(app: App, auth: AuthModule): void {
  const { rateLimitPerIp, rateLimitPerClient } = auth.config.auth;
  const perIp = rateLimitPerIp > 0 ? new RateLimiter(rateLimitPerIp, 60_000) : undefined;
  const perClient = rateLimitPerClient > 0 ? new RateLimiter(rateLimitPerClient, 60_000) : undefined;
  if (!perIp && !perClient) return; // both disabled (0): nothing to count
  app.addHook('preHandler', (request, reply, done) => {
    const waitIp = perIp ? perIp.hit(request.ip) : 0;
    // Decoding the claimed id costs a base64 decode; only pay it when a per-client limit exists.
    const clientId = perClient ? claimedClientId(request) : undefined;
    const waitClient = perClient && clientId !== undefined ? perClient.hit(clientId) : 0;
    const wait = Math.max(waitIp, waitClient);
    if (wait > 0) {
      void reply.header('retry-after', String(wait));
      done(new OAuthError('too_many_requests', `rate limit exceeded for this ${waitClient > 0 ? 'client' : 'IP address'}: retry in ${wait} s`, { 'retry-after': String(wait) }));
      return;
    }
    done();
  });
}

/** The client id the request claims to be, read without authenticating (for rate limiting only). */
function claimedClientId(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header && /^Basic /i.test(header)) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    return decoded.split(':', 1)[0] || undefined;
  }
  return request.oauthForm?.get('client_id');
}

function grantScopes(client: Client, requested: string | undefined): string[] {
  const scopes = splitSpaceList(requested);
  for (const scope of scopes) {
    if (!isScopeAllowed(scope, client.scopes)) throw new OAuthError('invalid_scope', `The OAuth 2.0 Client is not allowed to request scope '${scope}'.`);
  }
  return scopes;
}

/** Without an `audience` parameter the token gets every allowed audience (Hydra would give none, a useless token). */
function grantAudiences(client: Client, requested: string | undefined, matching: 'exact' | 'prefix'): string[] {
  const audiences = splitSpaceList(requested);
  if (audiences.length === 0) return client.audiences;
  for (const audience of audiences) {
    if (!isAudienceAllowed(audience, client.audiences, matching)) {
      throw new OAuthError('invalid_request', `Requested audience '${audience}' has not been whitelisted by the OAuth 2.0 Client.`);
    }
  }
  return audiences;
}

/** The body as an object for schema validation, and as a Map where a repeated `audience` is one space-separated value. */
function parseForm(body: string): { fields: Record<string, string | string[]>; form: Form } {
  const fields: Record<string, string | string[]> = {};
  const form: Form = new Map();
  for (const [key, value] of new URLSearchParams(body)) {
    if (value === '') continue; // RFC 6749 §3.2: a parameter sent without a value is treated as omitted
    const existing = fields[key];
    if (existing === undefined) {
      fields[key] = value;
      form.set(key, value);
    } else if (REPEATABLE.has(key)) {
      fields[key] = [...(Array.isArray(existing) ? existing : [existing]), value];
      form.set(key, `${form.get(key) as string} ${value}`);
    } else {
      throw new OAuthError('invalid_request', `parameter ${key} must not be repeated`);
    }
  }
  return { fields, form };
}

function toOAuthError(error: FastifyError | OAuthError): OAuthError {
  if (error instanceof OAuthError) return error;
  if (error.validation) return new OAuthError('invalid_request', `invalid parameter: ${error.message}`);
  if (error.statusCode === 413) return new OAuthError('invalid_request', `request body is larger than ${FORM_BODY_LIMIT} bytes`);
  if (error.statusCode === 429) return new OAuthError('too_many_requests', error.message);
  if (error.statusCode && error.statusCode < 500) return new OAuthError('invalid_request', error.message);
  return new OAuthError('server_error', 'internal server error');
}
