import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { App } from '../../platform/http/server.js';
import type { AuthModule } from '../auth-module.js';
import { AUTH_METHODS, CLIENT_KINDS, type Client } from '../model.js';
import type { PublishedKey } from '../services/signing-keys.js';
import { requirePrincipal } from './require-principal.js';
import { ApiErrorBody, ClientView, ClientWithSecretView, SigningKeyView } from './schemas.js';

const ClientId = Type.Object({ clientId: Type.String({ maxLength: 64 }) });
const errors = { 400: Type.Ref(ApiErrorBody), 401: Type.Ref(ApiErrorBody), 403: Type.Ref(ApiErrorBody) };
const withNotFound = { ...errors, 404: Type.Ref(ApiErrorBody) };
const Kind = Type.Union(CLIENT_KINDS.map((k) => Type.Literal(k)));
const AuthMethod = Type.Union(AUTH_METHODS.map((m) => Type.Literal(m)));
const Strings = (description: string) => Type.Array(Type.String({ minLength: 1, maxLength: 512 }), { maxItems: 100, description });

/** Operator API over the same ClientService and KeyStore the CLI uses; admin tokens only. */
export async function adminAuthRoutes(app: App, { auth }: { auth: AuthModule }): Promise<void> {
  // onRequest: callers are authenticated before their input is validated, so strangers learn nothing of the API.
  app.addHook('onRequest', requirePrincipal(auth.verifier, { kinds: ['admin'], audiences: [auth.config.apiAudience] }));
  // Action routes (rotate, disable...) take an optional JSON body; no body means "no options".
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.method === 'POST') request.body = {};
  });
  const security = [{ bearerToken: [] }];

  app.get('/clients', {
    schema: {
      tags: ['admin'], operationId: 'listClients', summary: 'List clients', security,
      querystring: Type.Object({
        kind: Type.Optional(Kind),
        status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
        limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        offset: Type.Integer({ minimum: 0, default: 0 }),
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({ items: Type.Array(Type.Ref(ClientView)), total: Type.Integer(), pagination: Type.Object({ offset: Type.Integer(), limit: Type.Integer() }) }),
        ...errors,
      },
    },
  }, async (request) => {
    const { items, total } = await auth.clients.list(request.query);
    return { items: items.map(clientView), total, pagination: { offset: request.query.offset, limit: request.query.limit } };
  });

  app.post('/clients', {
    schema: {
      tags: ['admin'], operationId: 'createClient', summary: 'Create a client', security,
      description: 'Returns the client secret once. Vendors get the audiences tech-vendor/<name> and the API audience; shops store/<shopId> and the API audience (and client_secret_post, as ps_accounts uses).',
      body: Type.Object({
        kind: Kind,
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        shopId: Type.Optional(Type.String({ format: 'uuid' })),
        scopes: Type.Optional(Strings('Scopes the client may request; "a.*" allows "a.b"')),
        audiences: Type.Optional(Strings('Audiences allowed beyond the defaults of the kind')),
        tokenEndpointAuthMethod: Type.Optional(AuthMethod),
        grantTypes: Type.Optional(Strings('Default ["client_credentials"]; [] for an introspection-only resource server')),
        accessTokenTtl: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 2_592_000 }), Type.Null()])),
      }, { additionalProperties: false, examples: [{ kind: 'vendor', name: 'newco', scopes: ['product.read', 'subscription.read'] }] }),
      response: { 201: Type.Ref(ClientWithSecretView), ...errors, 409: Type.Ref(ApiErrorBody) },
    },
  }, async (request, reply) => {
    const created = await auth.clients.create(request.body);
    request.log.info({ clientId: created.client.clientId, kind: created.client.kind, by: request.principal?.clientId }, 'client created');
    return reply.code(201).send({ client: clientView(created.client), clientSecret: created.clientSecret });
  });

  app.get('/clients/:clientId', {
    schema: { tags: ['admin'], operationId: 'getClient', summary: 'Get a client', security, params: ClientId, response: { 200: Type.Ref(ClientView), ...withNotFound } },
  }, async (request) => clientView(await auth.clients.get(request.params.clientId)));

  app.patch('/clients/:clientId', {
    schema: {
      tags: ['admin'], operationId: 'updateClient', summary: 'Change what a client may request', security, params: ClientId,
      description: 'Lists replace the current ones. Tokens already issued keep their claims until they expire.',
      body: Type.Object({
        scopes: Type.Optional(Strings('Allowed scopes')),
        audiences: Type.Optional(Strings('Allowed audiences (the whole list)')),
        tokenEndpointAuthMethod: Type.Optional(AuthMethod),
        grantTypes: Type.Optional(Strings('Allowed grant types')),
        accessTokenTtl: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 2_592_000 }), Type.Null()])),
      }, { additionalProperties: false, minProperties: 1, examples: [{ scopes: ['product.read', 'product.write', 'subscription.read'] }] }),
      response: { 200: Type.Ref(ClientView), ...withNotFound },
    },
  }, async (request) => clientView(await auth.clients.update(request.params.clientId, request.body)));

  app.post('/clients/:clientId/rotate-secret', {
    schema: {
      tags: ['admin'], operationId: 'rotateClientSecret', summary: 'Rotate a client secret', security, params: ClientId,
      description: 'The previous secret keeps working until previousSecretExpiresAt (PSIF_SECRET_GRACE, or graceSeconds).',
      body: Type.Object({ graceSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 31_536_000 })) }, { additionalProperties: false, examples: [{ graceSeconds: 3600 }] }),
      response: { 200: Type.Ref(ClientWithSecretView), ...withNotFound },
    },
  }, async (request) => {
    const rotated = await auth.clients.rotateSecret(request.params.clientId, request.body.graceSeconds);
    request.log.info({ clientId: rotated.client.clientId, by: request.principal?.clientId }, 'client secret rotated');
    return { client: clientView(rotated.client), clientSecret: rotated.clientSecret, previousSecretExpiresAt: rotated.previousSecretExpiresAt.toISOString() };
  });

  for (const action of ['disable', 'enable'] as const) {
    app.post(`/clients/:clientId/${action}`, {
      schema: {
        tags: ['admin'], operationId: `${action}Client`, security, params: ClientId,
        summary: action === 'disable' ? 'Disable a client: its tokens stop working everywhere' : 'Enable a disabled client',
        response: { 200: Type.Ref(ClientView), ...withNotFound },
      },
    }, async (request) => {
      const client = await auth.clients[action](request.params.clientId);
      request.log.info({ clientId: client.clientId, by: request.principal?.clientId }, `client ${action}d`);
      return clientView(client);
    });
  }

  app.delete('/clients/:clientId', {
    schema: { tags: ['admin'], operationId: 'deleteClient', summary: 'Delete a client and its secrets', security, params: ClientId, response: { 204: Type.Null(), ...withNotFound } },
  }, async (request, reply) => {
    await auth.clients.delete(request.params.clientId);
    request.log.info({ clientId: request.params.clientId, by: request.principal?.clientId }, 'client deleted');
    return (reply as FastifyReply).code(204).send();
  });

  app.get('/keys', {
    schema: { tags: ['admin'], operationId: 'listSigningKeys', summary: 'List published signing keys', security, response: { 200: Type.Object({ items: Type.Array(Type.Ref(SigningKeyView)) }), ...errors } },
  }, async () => ({ items: auth.keys.published().map(keyView) }));

  app.post('/keys/rotate', {
    schema: {
      tags: ['admin'], operationId: 'rotateSigningKey', summary: 'Rotate the signing key', security,
      description: 'A new key signs from now on; the previous one stays in the JWKS until every token it signed has expired.',
      body: Type.Object({ alg: Type.Optional(Type.Union([Type.Literal('ES256'), Type.Literal('RS256')])) }, { additionalProperties: false, examples: [{ alg: 'ES256' }] }),
      response: { 201: Type.Ref(SigningKeyView), ...errors },
    },
  }, async (request, reply) => {
    const key = await auth.keys.rotate(request.body.alg);
    request.log.info({ kid: key.kid, by: request.principal?.clientId }, 'signing key rotated');
    return reply.code(201).send(keyView(key));
  });
}

export function clientView(client: Client) {
  return {
    ...client,
    createdAt: client.createdAt.toISOString(),
    updatedAt: client.updatedAt.toISOString(),
    disabledAt: client.disabledAt?.toISOString() ?? null,
  };
}

export function keyView(key: PublishedKey) {
  return {
    kid: key.kid,
    alg: key.alg,
    status: key.status,
    createdAt: key.createdAt.toISOString(),
    retiredAt: key.retiredAt?.toISOString() ?? null,
    unpublishAt: key.unpublishAt?.toISOString() ?? null,
  };
}
