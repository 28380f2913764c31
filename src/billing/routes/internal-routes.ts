import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { App } from '../../platform/http/server.js';
import { billingError } from '../billing-errors.js';
import { componentAmount, unitPrice } from '../pricing.js';
import type { Subscription } from '../model.js';
import type { BillingRouteOptions } from './billing-plugin.js';
import { CustomerId, NoQuery, ProductId, SandboxHeader, billingErrors, stringEnum } from './schemas.js';

const tags = ['billing'];
const security = [{ billingApiKey: [] }];
const Params = Type.Object({ customerId: CustomerId, productId: ProductId });
const KeyHeader = Type.Object({ 'x-billing-api-key': Type.Optional(Type.String({ description: 'Your billing API key (psif billing api-keys create)' })), sandbox: SandboxHeader.properties.sandbox });

/**
 * The internal quantity routes (billing.md §1.4 B4, B5), authenticated by a vendor's API key in
 * `X-BILLING-API-KEY`. PrestaShop also took `?api_key=`; psif refuses keys in URLs, which end up in logs.
 */
export async function internalRoutes(app: App, { billing }: BillingRouteOptions): Promise<void> {
  const { subscriptions, apiKeys } = billing;
  const vendorGuard = async (request: FastifyRequest) => {
    if (new URLSearchParams(request.url.split('?')[1] ?? '').has('api_key')) throw billingError('INVALID_API_KEY', 'send the key in the X-BILLING-API-KEY header; keys in URLs are refused');
    const header = request.headers['x-billing-api-key'];
    const vendorClientId = await apiKeys.authenticate(typeof header === 'string' ? header : undefined);
    return (sub: Subscription) => {
      if (sub.vendor_client_id !== vendorClientId) throw billingError('SUBSCRIPTION_NOT_FOUND', `no subscription of this customer to this product`);
    };
  };

  app.patch('/customers/:customerId/subscriptions/:productId/quantity', {
    schema: {
      tags, security, operationId: 'updateSubscriptionQuantity', summary: 'Change the plan quantity (internal, B4)',
      description: '`X-BILLING-API-KEY` of the product\'s vendor. `UPDATE` adds `quantity` (negative to remove) to the scheduled (else current) quantity; `SET` replaces it. The result, at least 1, applies from the next renewal (`scheduledQuantity`).',
      params: Params, querystring: NoQuery, headers: KeyHeader,
      body: Type.Object({ action: stringEnum(['UPDATE', 'SET']), quantity: Type.Integer({ minimum: -1_000_000_000, maximum: 1_000_000_000 }) }, { additionalProperties: false, examples: [{ action: 'SET', quantity: 3 }] }),
      response: { 200: Type.Object({ item_type: Type.Literal('plan'), quantity: Type.Integer(), unit_price: Type.Integer(), amount: Type.Integer(), item_price_id: Type.String() }), ...billingErrors(400, 403, 404, 409) },
    },
  }, async (request) => {
    const guard = await vendorGuard(request);
    const { customerId, productId } = request.params;
    const { snapshot } = await subscriptions.ofCustomer(request.billingEnv, customerId, productId, guard);
    const { action, quantity } = request.body;
    if (action === 'SET' && quantity < 1) throw billingError('INVALID_QUANTITY', 'SET needs a quantity of at least 1');
    const result = await subscriptions.setQuantity(request.billingEnv, snapshot.sub.subscription_id, guard, null, { action: action as 'SET', quantity });
    const plan = result.snapshot.plan;
    return { item_type: 'plan' as const, quantity: result.quantity, unit_price: unitPrice(plan, result.quantity), amount: componentAmount(plan, result.quantity), item_price_id: plan.component_id };
  });

  app.get('/customers/:customerId/subscriptions/:productId/quantity', {
    schema: {
      tags, security, operationId: 'getSubscriptionQuantity', summary: 'The plan quantity (internal, B5)',
      description: '`X-BILLING-API-KEY` of the product\'s vendor. `scheduledQuantity` is present when a change waits for the next renewal.',
      params: Params, querystring: NoQuery, headers: KeyHeader,
      response: { 200: Type.Object({ currentQuantity: Type.Integer(), scheduledQuantity: Type.Optional(Type.Integer()) }), ...billingErrors(400, 403, 404) },
    },
  }, async (request) => {
    const guard = await vendorGuard(request);
    const { snapshot } = await subscriptions.ofCustomer(request.billingEnv, request.params.customerId, request.params.productId, guard);
    const { sub } = snapshot;
    return { currentQuantity: sub.quantity, ...(sub.scheduled_quantity !== null ? { scheduledQuantity: sub.scheduled_quantity } : {}) };
  });
}
