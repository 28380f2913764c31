import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { AuthModule } from '../../auth/auth-module.js';
import { requireSameShop, requireShop } from '../../auth/routes/require-shop.js';
import type { App } from '../../platform/http/server.js';
import { ApiErrorBody, errorResponses } from '../../platform/http/schemas.js';
import type { ShopsModule } from '../shops-module.js';
import { ConsentName, Languages, ModuleConsentsView, ModuleName, ShopId, ShopUrl, ShopView, consentsView, shopView } from './schemas.js';

const errors = errorResponses(400, 401, 403, 404);
const security = [{ bearerToken: [] }];
const tags = ['cloudsync'];
const ShopParams = Type.Object({ shopId: ShopId });
const ModuleParams = Type.Object({ shopId: ShopId, moduleName: ModuleName });

/**
 * What a shop manages itself with its shop token (admins may act for any shop): its registration and
 * its consents, through the modern REST API and the historical `POST /sync-api/consent/{shopId}`.
 */
export async function shopSelfServiceRoutes(app: App, { auth, shops }: { auth: AuthModule; shops: ShopsModule }): Promise<void> {
  app.addHook('onRequest', requireShop(auth, { admin: true }));
  app.addHook('preHandler', async (request) => {
    requireSameShop(request.principal, (request.params as { shopId: string }).shopId);
  });

  app.get('/sync/v1/shops/:shopId', {
    schema: { tags, operationId: 'getShop', summary: 'Read a shop registration', security, params: ShopParams, response: { 200: Type.Ref(ShopView), ...errors } },
  }, async (request) => shopView(await shops.shops.get(request.params.shopId)));

  app.put('/sync/v1/shops/:shopId', {
    schema: {
      tags, operationId: 'putShop', summary: 'Register or update a shop', security, params: ShopParams,
      description: 'A shop holding a token of a trusted issuer (PrestaShop Accounts) registers itself here: 201 the first time, 200 after.',
      body: Type.Object({ url: ShopUrl, languages: Type.Optional(Languages) }, { additionalProperties: false, examples: [{ url: 'https://shop.example', languages: ['en', 'fr'] }] }),
      response: { 200: Type.Ref(ShopView), 201: Type.Ref(ShopView), ...errors },
    },
  }, async (request, reply) => {
    const { shop, created } = await shops.shops.upsert(request.params.shopId, request.body);
    if (created) request.log.info({ shopId: shop.shopId, by: request.principal?.clientId }, 'shop registered itself');
    return reply.code(created ? 201 : 200).send(shopView(shop));
  });

  app.patch('/sync/v1/shops/:shopId', {
    schema: {
      tags, operationId: 'patchShop', summary: 'Change the URL or languages of a shop', security, params: ShopParams,
      body: Type.Object({ url: Type.Optional(ShopUrl), languages: Type.Optional(Languages) }, { additionalProperties: false, minProperties: 1, examples: [{ languages: ['en', 'fr'] }] }),
      response: { 200: Type.Ref(ShopView), ...errors },
    },
  }, async (request) => shopView(await shops.shops.update(request.params.shopId, request.body)));

  app.get('/sync/v1/shops/:shopId/consents', {
    schema: {
      tags, operationId: 'listShopConsents', summary: 'Consents of a shop, per module', security, params: ShopParams,
      response: { 200: Type.Object({ shopId: Type.String(), items: Type.Array(Type.Ref(ModuleConsentsView)) }), ...errors },
    },
  }, async (request) => {
    const { shopId } = request.params;
    return { shopId, items: (await shops.consents.list(shopId)).map((entry) => consentsView(shopId, entry)) };
  });

  app.get('/sync/v1/shops/:shopId/consents/:moduleName', {
    schema: { tags, operationId: 'getShopConsents', summary: 'Consents of a shop to one module', security, params: ModuleParams, response: { 200: Type.Ref(ModuleConsentsView), ...errors } },
  }, async (request) => consentsView(request.params.shopId, await shops.consents.get(request.params.shopId, request.params.moduleName)));

  app.put('/sync/v1/shops/:shopId/consents/:moduleName', {
    schema: {
      tags, operationId: 'putShopConsents', summary: 'Replace the consents of a shop to a module', security, params: ModuleParams,
      description: '"info" is added to any non-empty set. An empty list revokes everything. Revocations apply to the very next Raw API request.',
      body: Type.Object({ consents: Type.Array(ConsentName, { maxItems: 20, uniqueItems: true }) }, { additionalProperties: false, examples: [{ consents: ['products', 'categories', 'orders'] }] }),
      response: { 200: Type.Ref(ModuleConsentsView), ...errors },
    },
  }, async (request) => {
    const { shopId, moduleName } = request.params;
    return consentsView(shopId, await shops.consents.replace(shopId, moduleName, request.body.consents, 'sync/v1'));
  });

  app.delete('/sync/v1/shops/:shopId/consents/:moduleName', {
    schema: { tags, operationId: 'deleteShopConsents', summary: 'Revoke every consent of a shop to a module', security, params: ModuleParams, response: { 204: Type.Null(), ...errors } },
  }, async (request, reply) => {
    await shops.consents.replace(request.params.shopId, request.params.moduleName, [], 'sync/v1');
    return (reply as FastifyReply).code(204).send();
  });

  app.post('/sync-api/consent/:shopId', {
    schema: {
      tags, operationId: 'postConsentHistorical', summary: 'Change consents (historical sync API body)', security, params: ShopParams,
      description: 'The body of ps_eventbus 1.x. Consent names are checked against the catalog and the module must be registered; "info" is added to any non-empty set and can only be revoked with everything else. Answers 201 with the resulting set.',
      body: Type.Object({
        moduleName: ModuleName,
        shopConsentAccepted: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 20 }),
        shopConsentRevoked: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 20 }),
      }, { additionalProperties: true, examples: [{ moduleName: 'ps_mymodule', shopConsentAccepted: ['products', 'orders'], shopConsentRevoked: [] }] }),
      response: { 201: Type.Ref(ModuleConsentsView), ...errors },
    },
  }, async (request, reply) => {
    const { shopId } = request.params;
    const { moduleName, shopConsentAccepted, shopConsentRevoked } = request.body;
    const result = await shops.consents.change(shopId, moduleName, { accepted: shopConsentAccepted, revoked: shopConsentRevoked }, 'sync-api');
    return reply.code(201).send(consentsView(shopId, result));
  });
}
