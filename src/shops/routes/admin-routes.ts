import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { AuthModule } from '../../auth/auth-module.js';
import { requirePrincipal } from '../../auth/routes/require-principal.js';
import type { App } from '../../platform/http/server.js';
import { ApiErrorBody, errorResponses } from '../../platform/http/schemas.js';
import type { ShopsModule } from '../shops-module.js';
import { Languages, ModuleName, ModuleView, ShopId, ShopUrl, ShopView, moduleView, shopView } from './schemas.js';

const errors = errorResponses(400, 401, 403, 404);
const security = [{ bearerToken: [] }];
const tags = ['admin'];

/** Operator API for shops and modules: the same services as `psif shops` and `psif modules`. */
export async function adminShopRoutes(app: App, { auth, shops }: { auth: AuthModule; shops: ShopsModule }): Promise<void> {
  app.addHook('onRequest', requirePrincipal(auth.verifier, { kinds: ['admin'], audiences: [auth.config.apiAudience] }));

  app.post('/shops', {
    schema: {
      tags, operationId: 'registerShop', summary: 'Register a shop and create its shop client', security,
      description: 'Returns the shop client secret once. The shop gets tokens with client_secret_post and the audience store/<shopId>, as ps_accounts does.',
      body: Type.Object({ shopId: ShopId, url: ShopUrl, languages: Type.Optional(Languages) }, { additionalProperties: false, examples: [{ shopId: '3f2c1b1e-0000-4000-8000-000000000001', url: 'https://shop.example', languages: ['en', 'fr'] }] }),
      response: {
        201: Type.Object({ shop: Type.Ref(ShopView), clientId: Type.String(), clientSecret: Type.String() }),
        ...errors,
        409: Type.Ref(ApiErrorBody),
      },
    },
  }, async (request, reply) => {
    const { shopId, ...input } = request.body;
    const registered = await shops.shops.register(shopId, input);
    request.log.info({ shopId, clientId: registered.clientId, by: request.principal?.clientId }, 'shop registered');
    return reply.code(201).send({ shop: shopView(registered.shop), clientId: registered.clientId, clientSecret: registered.clientSecret });
  });

  app.get('/shops', {
    schema: {
      tags, operationId: 'listShops', summary: 'List shops', security,
      querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }), offset: Type.Integer({ minimum: 0, default: 0 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(Type.Ref(ShopView)), total: Type.Integer(), pagination: Type.Object({ offset: Type.Integer(), limit: Type.Integer() }) }), ...errors },
    },
  }, async (request) => {
    const { items, total } = await shops.shops.list(request.query.limit, request.query.offset);
    return { items: items.map(shopView), total, pagination: { offset: request.query.offset, limit: request.query.limit } };
  });

  app.get('/shops/:shopId', {
    schema: { tags, operationId: 'adminGetShop', summary: 'Get a shop', security, params: Type.Object({ shopId: ShopId }), response: { 200: Type.Ref(ShopView), ...errors } },
  }, async (request) => shopView(await shops.shops.get(request.params.shopId)));

  app.delete('/shops/:shopId', {
    schema: {
      tags, operationId: 'deleteShop', summary: 'Delete a shop and all its data', security, params: Type.Object({ shopId: ShopId }),
      description: 'Removes the shop, its consents, jobs, upload log, every synced row and its shop client.',
      response: { 204: Type.Null(), ...errors },
    },
  }, async (request, reply) => {
    await shops.shops.delete(request.params.shopId);
    request.log.info({ shopId: request.params.shopId, by: request.principal?.clientId }, 'shop deleted');
    return (reply as FastifyReply).code(204).send();
  });

  app.post('/modules', {
    schema: {
      tags, operationId: 'createModule', summary: "Register a vendor's module", security,
      body: Type.Object({ name: ModuleName, vendor: Type.String({ minLength: 1, maxLength: 64, description: 'Name of an existing vendor client' }) }, { additionalProperties: false, examples: [{ name: 'ps_mymodule', vendor: 'acme' }] }),
      response: { 201: Type.Ref(ModuleView), ...errors, 409: Type.Ref(ApiErrorBody) },
    },
  }, async (request, reply) => reply.code(201).send(moduleView(await shops.modules.create(request.body.name, request.body.vendor))));

  app.get('/modules', {
    schema: {
      tags, operationId: 'listModules', summary: 'List modules', security,
      querystring: Type.Object({ vendor: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(Type.Ref(ModuleView)) }), ...errors },
    },
  }, async (request) => ({ items: (await shops.modules.list({ vendorName: request.query.vendor })).map(moduleView) }));

  app.get('/modules/:name', {
    schema: { tags, operationId: 'getModule', summary: 'Get a module', security, params: Type.Object({ name: ModuleName }), response: { 200: Type.Ref(ModuleView), ...errors } },
  }, async (request) => moduleView(await shops.modules.get(request.params.name)));

  app.delete('/modules/:name', {
    schema: {
      tags, operationId: 'deleteModule', summary: 'Delete a module and every consent given to it', security, params: Type.Object({ name: ModuleName }),
      response: { 204: Type.Null(), ...errors },
    },
  }, async (request, reply) => {
    await shops.modules.delete(request.params.name);
    return (reply as FastifyReply).code(204).send();
  });
}
