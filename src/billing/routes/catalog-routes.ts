import { Type } from '@sinclair/typebox';
import type { App } from '../../platform/http/server.js';
import { type Actor, authorize } from '../billing-access.js';
import type { BillingProductTable } from '../../platform/db/schema.js';
import { componentView } from '../views.js';
import type { BillingRouteOptions } from './billing-plugin.js';
import { ComponentInput, ComponentPatch, ComponentView, Identifier, Item, Items, NoQuery, ProductId, ProductInput, ProductPatch, ProductView, SandboxHeader, billingErrors, query, stringEnum } from './schemas.js';

const tags = ['billing'];
const security = [{ bearerToken: [] }];
const ProductParams = Type.Object({ productId: ProductId });

function productView(row: BillingProductTable) {
  return { id: row.product_id, name: row.name, description: row.description, status: row.status, createdAt: Math.floor(row.created_at / 1000), updatedAt: Math.floor(row.updated_at / 1000) };
}

/** Products and components: the public price list (A1) and vendors' management of their catalog. */
export async function catalogRoutes(app: App, { billing, bearer }: BillingRouteOptions): Promise<void> {
  const { catalog } = billing;

  app.get('/products/:productId/components', {
    schema: {
      tags, security: [], operationId: 'getProductComponents', summary: 'A product\'s components: plans, addons and charges (A1)',
      description: 'Public, like a price list: no token needed. `productId` is the module technical name. Filters are optional.',
      params: ProductParams,
      querystring: query({
        filter_status: Type.Optional(stringEnum(['active', 'archived', 'deleted'])),
        filter_component_type: Type.Optional(stringEnum(['plan', 'addon', 'charge'])),
        filter_period_unit: Type.Optional(stringEnum(['day', 'month', 'year'])),
        lang_iso_code: Type.Optional(stringEnum(['de', 'en', 'es', 'fr', 'it', 'nl', 'pl', 'pt', 'ro'], { description: 'Accepted for compatibility; labels are the module\'s own' })),
      }),
      headers: SandboxHeader,
      response: { 200: Items(ComponentView), ...billingErrors(400, 404) },
    },
  }, async (request) => {
    const q = request.query;
    const rows = await catalog.components(request.billingEnv, request.params.productId, { status: q.filter_status as 'active' | undefined, componentType: q.filter_component_type as 'plan' | undefined, periodUnit: q.filter_period_unit as 'month' | undefined });
    return { items: rows.map(componentView), total: rows.length };
  });

  app.post('/products', {
    onRequest: bearer,
    schema: {
      tags, security, operationId: 'createProduct', summary: 'Create a product (a module you sell)',
      description: 'Scope `product.write`. The id is the module technical name; ids are unique per environment.',
      querystring: NoQuery, headers: SandboxHeader, body: ProductInput,
      response: { 201: Item(ProductView), ...billingErrors(400, 401, 403, 409) },
    },
  }, async (request, reply) => {
    const actor = authorize(request.principal, 'product.write', { shops: false });
    const row = await catalog.createProduct(request.billingEnv, actor.clientId, request.body);
    return reply.code(201).send({ item: productView(row) });
  });

  app.get('/products', {
    onRequest: bearer,
    schema: {
      tags, security, operationId: 'listProducts', summary: 'Your products',
      description: 'Scope `product.read`.',
      querystring: NoQuery, headers: SandboxHeader,
      response: { 200: Items(ProductView), ...billingErrors(400, 401, 403) },
    },
  }, async (request) => {
    const actor = authorize(request.principal, 'product.read', { shops: false });
    const rows = await catalog.products(request.billingEnv, actor.clientId);
    return { items: rows.map(productView), total: rows.length };
  });

  app.get('/products/:productId', {
    onRequest: bearer,
    schema: {
      tags, security, operationId: 'getProduct', summary: 'One of your products',
      description: 'Scope `product.read`.',
      params: ProductParams, querystring: NoQuery, headers: SandboxHeader,
      response: { 200: Item(ProductView), ...billingErrors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const actor = authorize(request.principal, 'product.read', { shops: false });
    return { item: productView(actor.kind === 'admin' ? await catalog.product(request.billingEnv, request.params.productId) : await catalog.ownedProduct(request.billingEnv, actor.clientId, request.params.productId)) };
  });

  app.patch('/products/:productId', {
    onRequest: bearer,
    schema: {
      tags, security, operationId: 'updateProduct', summary: 'Rename, describe or archive a product',
      description: 'Scope `product.write`.',
      params: ProductParams, querystring: NoQuery, headers: SandboxHeader, body: ProductPatch,
      response: { 200: Item(ProductView), ...billingErrors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const actor = authorize(request.principal, 'product.write', { shops: false });
    const owner = await ownerOf(request.billingEnv, actor, request.params.productId);
    return { item: productView(await catalog.updateProduct(request.billingEnv, owner, request.params.productId, request.body as { name?: string })) };
  });

  app.post('/products/:productId/components', {
    onRequest: bearer,
    schema: {
      tags, security, operationId: 'createComponent', summary: 'Add a plan, addon or charge to a product',
      description: 'Scope `product.write`. Plans need `billingPeriodUnit`; flat_fee and per_unit need `price`; stairstep needs `tiers` (starting at 1, contiguous, only the last open). Prices are immutable: to change one, create a new component and archive the old one.',
      params: ProductParams, querystring: NoQuery, headers: SandboxHeader, body: ComponentInput,
      response: { 201: Item(ComponentView), ...billingErrors(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const actor = authorize(request.principal, 'product.write', { shops: false });
    const body = request.body;
    const row = await billing.catalog.createComponent(request.billingEnv, await ownerOf(request.billingEnv, actor, request.params.productId), request.params.productId, {
      ...body,
      componentType: body.componentType as 'plan',
      pricingModel: body.pricingModel as 'flat_fee',
      billingPeriodUnit: body.billingPeriodUnit as 'month' | undefined,
      trialPeriodUnit: body.trialPeriodUnit as 'day' | undefined,
      tiers: body.tiers?.map((tier) => ({ startingUnit: tier.startingUnit, endingUnit: tier.endingUnit ?? undefined, price: tier.price })),
    });
    return reply.code(201).send({ item: componentView(row) });
  });

  app.patch('/products/:productId/components/:componentId', {
    onRequest: bearer,
    schema: {
      tags, security, operationId: 'updateComponent', summary: 'Archive a component or change its unit label',
      description: 'Scope `product.write`. Archived components can no longer be chosen; existing subscriptions keep them.',
      params: Type.Object({ productId: ProductId, componentId: Identifier }), querystring: NoQuery, headers: SandboxHeader, body: ComponentPatch,
      response: { 200: Item(ComponentView), ...billingErrors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const actor = authorize(request.principal, 'product.write', { shops: false });
    const owner = await ownerOf(request.billingEnv, actor, request.params.productId);
    return { item: componentView(await catalog.updateComponent(request.billingEnv, owner, request.params.productId, request.params.componentId, request.body as { status?: 'active' })) };
  });

  /** The vendor acting on a product: the caller, or for an admin the product's owner. */
  async function ownerOf(env: 'live' | 'sandbox', actor: Actor, productId: string): Promise<string> {
    return actor.kind === 'admin' ? (await catalog.product(env, productId)).vendor_client_id : actor.clientId;
  }
}
