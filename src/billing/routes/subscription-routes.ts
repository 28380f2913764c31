import { Type } from '@sinclair/typebox';
import type { App } from '../../platform/http/server.js';
import { authorize, canReachCustomer, subscriptionGuard } from '../billing-access.js';
import { billingError } from '../billing-errors.js';
import { findCustomer } from '../storage/billing-repository.js';
import { subscriptionDto, subscriptionView } from '../views.js';
import type { BillingRouteOptions } from './billing-plugin.js';
import { EstimateInput, EstimateView, Identifier, Item, NoQuery, ObjectId, SandboxHeader, SubscriptionDto, SubscriptionView, billingErrors } from './schemas.js';

const tags = ['billing'];
const security = [{ bearerToken: [] }];
const SubscriptionParams = Type.Object({ subscriptionId: ObjectId });
const ItemParams = Type.Object({ subscriptionId: ObjectId, subscriptionItemId: Identifier });
const SHOP_OR_VENDOR = 'The shop itself, or vendors with `subscription.write` for their products.';

/** Subscriptions: the gateway routes A2–A6 and the lifecycle actions (cancel, reactivate, pause, resume). */
export async function subscriptionRoutes(app: App, { billing, bearer }: BillingRouteOptions): Promise<void> {
  const { subscriptions } = billing;

  app.get('/subscriptions/:subscriptionId', {
    onRequest: bearer,
    schema: {
      tags, security, operationId: 'getSubscription', summary: 'A subscription',
      description: 'The shop itself, or vendors with `subscription.read` for their products.',
      params: SubscriptionParams, querystring: NoQuery, headers: SandboxHeader,
      response: { 200: SubscriptionView, ...billingErrors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const actor = authorize(request.principal, 'subscription.read', { shops: true });
    return subscriptionView((await subscriptions.get(request.billingEnv, request.params.subscriptionId, subscriptionGuard(actor))).snapshot);
  });

  app.patch('/subscriptions/:subscriptionId', {
    onRequest: bearer,
    schema: {
      tags, security, operationId: 'updateSubscription', summary: 'Change the plan or billing period (A5)',
      description: `\`subscriptionItemId\` is the new plan component. An upgrade (a higher price per term) applies now, with an invoice for the prorated difference that must be paid (402 otherwise, nothing changes); a downgrade, or a billing-period change within the plan group, is scheduled for the end of the term (\`has_scheduled_changes\`). In trial, the plan changes at once. Plan and period cannot change together. ${SHOP_OR_VENDOR}`,
      params: SubscriptionParams, querystring: NoQuery, headers: SandboxHeader,
      body: Type.Object({ subscriptionItemId: Identifier, couponCode: Type.Optional(Type.String({ maxLength: 100 })) }, { additionalProperties: false, examples: [{ subscriptionItemId: 'rbm-advanced-EUR-Yearly' }] }),
      response: { 200: Item(SubscriptionDto), ...billingErrors(400, 401, 402, 403, 404, 409) },
    },
  }, async (request) => {
    const actor = authorize(request.principal, 'subscription.write', { shops: true });
    const { snapshot } = await subscriptions.changePlan(request.billingEnv, request.params.subscriptionId, subscriptionGuard(actor), request.body.subscriptionItemId, request.body.couponCode);
    return { item: subscriptionDto(snapshot) };
  });

  const lifecycle = [
    ['cancel', 'cancelSubscription', 'Cancel a subscription', 'By default at the end of the term: `non_renewing` (in trial the status stays `in_trial`) until then, then `cancelled`. `endOfTerm: false` cancels now; the term\'s usage and charges are invoiced, nothing is refunded.'],
    ['reactivate', 'reactivateSubscription', 'Undo a scheduled cancellation, or restart a cancelled subscription', 'A scheduled cancellation is removed. A cancelled subscription starts a new term now, invoiced and paid at once (402 otherwise, nothing changes).'],
    ['pause', 'pauseSubscription', 'Pause an active subscription', 'No renewal while paused; resume starts a new term.'],
    ['resume', 'resumeSubscription', 'Resume a paused subscription', 'A new term starts now, invoiced and paid at once (402 otherwise, nothing changes).'],
  ] as const;
  for (const [action, operationId, summary, description] of lifecycle) {
    app.post(`/subscriptions/:subscriptionId/${action}`, {
      onRequest: bearer,
      schema: {
        tags, security, operationId, summary, description: `${description} Sends \`subscription.status-updated\`. ${SHOP_OR_VENDOR}`,
        params: SubscriptionParams, querystring: NoQuery, headers: SandboxHeader,
        ...(action === 'cancel' ? { body: Type.Optional(Type.Object({ endOfTerm: Type.Optional(Type.Boolean({ default: true })) }, { additionalProperties: false, examples: [{ endOfTerm: true }] })) } : {}),
        response: { 200: Item(SubscriptionView), ...billingErrors(400, 401, 402, 403, 404, 409) },
      },
    }, async (request) => {
      const actor = authorize(request.principal, 'subscription.write', { shops: true });
      const guard = subscriptionGuard(actor);
      const env = request.billingEnv;
      const id = (request.params as { subscriptionId: string }).subscriptionId;
      const result =
        action === 'cancel'
          ? await subscriptions.cancel(env, id, guard, (request.body as { endOfTerm?: boolean } | undefined)?.endOfTerm ?? true)
          : action === 'reactivate'
            ? await subscriptions.reactivate(env, id, guard)
            : action === 'pause'
              ? await subscriptions.pause(env, id, guard)
              : await subscriptions.resume(env, id, guard);
      return { item: subscriptionView(result.snapshot) };
    });
  }

  app.delete('/subscriptions/:subscriptionId/scheduled-changes', {
    onRequest: bearer,
    schema: {
      tags, security, operationId: 'removeScheduledChanges', summary: 'Drop a scheduled downgrade and scheduled quantities',
      description: SHOP_OR_VENDOR,
      params: SubscriptionParams, querystring: NoQuery, headers: SandboxHeader,
      response: { 200: Item(SubscriptionView), ...billingErrors(400, 401, 403, 404, 409) },
    },
  }, async (request) => {
    const actor = authorize(request.principal, 'subscription.write', { shops: true });
    return { item: subscriptionView((await subscriptions.removeScheduledChanges(request.billingEnv, request.params.subscriptionId, subscriptionGuard(actor))).snapshot) };
  });

  app.put('/subscriptions/:subscriptionId/items/:subscriptionItemId/quantity', {
    onRequest: bearer,
    schema: {
      tags, security, operationId: 'setSubscriptionItemQuantity', summary: 'Set an item\'s quantity (A2)',
      description: 'Scope `subscription.write.quantity`. An absolute value (SET), kept from term to term, used from the next invoice on; a stairstep item is billed the step the quantity falls in. `subscriptionItemId` is the plan or addon component id. Usage-based items take usage instead (400 `NOT_USAGE_BASED`).',
      params: ItemParams, querystring: NoQuery, headers: SandboxHeader,
      body: Type.Object({ quantity: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }) }, { additionalProperties: false, examples: [{ quantity: 3 }] }),
      response: { 200: Item(Type.Object({ quantity: Type.Integer() })), ...billingErrors(400, 401, 403, 404, 409) },
    },
  }, async (request) => {
    const actor = authorize(request.principal, 'subscription.write.quantity', { shops: false });
    const result = await subscriptions.setQuantity(request.billingEnv, request.params.subscriptionId, subscriptionGuard(actor), request.params.subscriptionItemId, { action: 'SET', quantity: request.body.quantity });
    return { item: { quantity: result.quantity } };
  });

  app.post('/subscriptions/:subscriptionId/items/:subscriptionItemId/usage', {
    onRequest: bearer,
    schema: {
      tags, security, operationId: 'setSubscriptionItemUsage', summary: 'Report usage of a metered item (A3)',
      description: 'Scope `subscription.write.usage`. `usageQuantity` is added to the term\'s usage, billed at the end of the term and reset then; the answer gives the term\'s total. Usage during a trial is free.',
      params: ItemParams, querystring: NoQuery, headers: SandboxHeader,
      body: Type.Object({ usageQuantity: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }) }, { additionalProperties: false, examples: [{ usageQuantity: 120 }] }),
      response: { 201: Item(Type.Object({ usageQuantity: Type.Integer({ description: 'The usage of the current term, this report included' }) })), ...billingErrors(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const actor = authorize(request.principal, 'subscription.write.usage', { shops: false });
    const result = await subscriptions.addUsage(request.billingEnv, request.params.subscriptionId, subscriptionGuard(actor), request.params.subscriptionItemId, request.body.usageQuantity);
    return reply.code(201).send({ item: { usageQuantity: result.usage } });
  });

  app.post('/subscriptions/:subscriptionId/charge_at_term', {
    onRequest: bearer,
    schema: {
      tags, security, operationId: 'addSubscriptionChargeAtTerm', summary: 'Add a charge to the next invoice (A4)',
      description: 'Scope `subscription.write.charge_at_term`. Several per term; the subscription must be `active` or `non_renewing` (a cancellation bills them in its last invoice).',
      params: SubscriptionParams, querystring: NoQuery, headers: SandboxHeader,
      body: Type.Object({ amount: Type.Integer({ minimum: 1, maximum: 1_000_000_000, description: 'Minor units' }), description: Type.String({ minLength: 1, maxLength: 250 }) }, { additionalProperties: false, examples: [{ amount: 1500, description: 'Onboarding session' }] }),
      response: { 201: Item(Type.Object({ amount: Type.Integer(), description: Type.String() })), ...billingErrors(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const actor = authorize(request.principal, 'subscription.write.charge_at_term', { shops: false });
    await subscriptions.addChargeAtTerm(request.billingEnv, request.params.subscriptionId, subscriptionGuard(actor), request.body.amount, request.body.description);
    return reply.code(201).send({ item: { amount: request.body.amount, description: request.body.description } });
  });

  app.post('/estimates', {
    onRequest: bearer,
    schema: {
      tags, security, operationId: 'addSubscriptionEstimateForCustomer', summary: 'Preview the price of a plan (A6)',
      description: 'Scope `customer.write.estimate` (or the shop itself). Without `subscriptionId`: what a new subscription costs now (0 with a trial) and at the next billing. With it: what a change to `componentId` costs now (a prorated upgrade; 0 for a downgrade) and per term after. Taxes follow the customer\'s billing country.',
      querystring: NoQuery, headers: SandboxHeader, body: EstimateInput,
      response: { 201: Item(EstimateView), ...billingErrors(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    const actor = authorize(request.principal, 'customer.write.estimate', { shops: true });
    const body = request.body;
    if (body.coupon) throw billingError('COUPON_NOT_FOUND', `no coupon "${body.coupon.couponCode}"`);
    const customer = await findCustomer(billing.engine.db.kysely, request.billingEnv, body.customerId);
    if (!customer || !(await canReachCustomer(billing.engine.db.kysely, request.billingEnv, actor, customer))) throw billingError('CUSTOMER_NOT_FOUND', `no customer "${body.customerId}"`);
    if (actor.kind === 'vendor') {
      const product = await billing.catalog.findProduct(request.billingEnv, body.productId);
      if (!product || product.vendor_client_id !== actor.clientId) throw billingError('PRODUCT_NOT_FOUND', `no product "${body.productId}"`);
    }
    const estimate = await subscriptions.estimate(request.billingEnv, body, subscriptionGuard(actor));
    return reply.code(201).send({ item: estimate });
  });
}
