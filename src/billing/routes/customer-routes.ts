import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { App } from '../../platform/http/server.js';
import { type Actor, authorize, canReachCustomer, subscriptionGuard } from '../billing-access.js';
import { billingError } from '../billing-errors.js';
import type { Customer } from '../model.js';
import { findCustomer } from '../storage/billing-repository.js';
import { addPeriod } from '../periods.js';
import { customerView, subscriptionView } from '../views.js';
import type { BillingRouteOptions } from './billing-plugin.js';
import {
  BillingAddressInput,
  CardInput,
  ClockAdvanceInput,
  ClockView,
  CustomerId,
  CustomerInput,
  CustomerPatch,
  CustomerView,
  Item,
  NoQuery,
  ProductId,
  SandboxHeader,
  SubscriptionInput,
  SubscriptionView,
  billingErrors,
} from './schemas.js';

const tags = ['billing'];
const security = [{ bearerToken: [] }];
const CustomerParams = Type.Object({ customerId: CustomerId });

/**
 * Customers (billing.md §2.1): a shop manages its own; a vendor reaches the customers it created or that
 * subscribe to its products. Card details and billing addresses of live customers come only from the shop.
 */
export async function customerRoutes(app: App, { billing, bearer }: BillingRouteOptions): Promise<void> {
  const { customers, subscriptions, clock } = billing;
  const db = billing.engine.db.kysely;

  /** The customer, if the caller may reach it (404 otherwise, whether it exists or not). */
  async function reachable(request: FastifyRequest, actor: Actor, customerId: string): Promise<Customer> {
    const customer = await findCustomer(db, request.billingEnv, customerId);
    if (!customer || !(await canReachCustomer(db, request.billingEnv, actor, customer))) throw billingError('CUSTOMER_NOT_FOUND', `no customer "${customerId}"`);
    return customer;
  }
  /** Live card details and addresses are the merchant's: only its shop token may set them. */
  function liveShopOnly(request: FastifyRequest, actor: Actor, what: string): void {
    if (request.billingEnv === 'live' && actor.kind === 'vendor') throw billingError('FORBIDDEN', `in live data only the shop sets its ${what}; vendors may set it in sandbox`);
  }

  app.post('/customers', {
    onRequest: bearer,
    schema: {
      tags, security, operationId: 'addCustomer', summary: 'Create a customer (A7)',
      description: 'A shop token creates its own customer (`id` = its shop UUID). Vendors need `customer.write`. 409 when it exists.',
      querystring: NoQuery, headers: SandboxHeader, body: CustomerInput,
      response: { 201: Item(CustomerView), ...billingErrors(400, 401, 403, 409) },
    },
  }, async (request, reply) => {
    const actor = authorize(request.principal, 'customer.write', { shops: true });
    const body = request.body;
    if (actor.kind === 'shop' && (body.id !== actor.shopId || (body.type ?? 'shop') !== 'shop')) throw billingError('FORBIDDEN', 'a shop token creates only its own shop customer');
    const customer = await customers.create(request.billingEnv, { id: body.id, type: (body.type ?? 'shop') as 'shop', email: body.email, locale: body.locale as string | undefined, parentId: body.parentId, createdFromIp: request.ip, createdBy: actor.clientId });
    return reply.code(201).send({ item: customerView(customer) });
  });

  app.get('/customers/:customerId', {
    onRequest: bearer,
    schema: {
      tags, security, operationId: 'getCustomer', summary: 'A customer (B1)',
      description: 'The shop itself, or vendors with `customer.read`.',
      params: CustomerParams, querystring: NoQuery, headers: SandboxHeader,
      response: { 200: CustomerView, ...billingErrors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const actor = authorize(request.principal, 'customer.read', { shops: true });
    return customerView(await reachable(request, actor, request.params.customerId));
  });

  app.patch('/customers/:customerId', {
    onRequest: bearer,
    schema: {
      tags, security, operationId: 'updateCustomer', summary: 'Change a customer\'s email, locale or owner',
      description: 'The shop itself, or vendors with `customer.write`. Sends `customer.updated`.',
      params: CustomerParams, querystring: NoQuery, headers: SandboxHeader, body: CustomerPatch,
      response: { 200: Item(CustomerView), ...billingErrors(400, 401, 403, 404, 409) },
    },
  }, async (request) => {
    const actor = authorize(request.principal, 'customer.write', { shops: true });
    await reachable(request, actor, request.params.customerId);
    return { item: customerView(await customers.update(request.billingEnv, request.params.customerId, request.body as { email?: string })) };
  });

  app.put('/customers/:customerId/billing-address', {
    onRequest: bearer,
    schema: {
      tags, security, operationId: 'setBillingAddress', summary: 'Set the billing address (and VAT number)',
      description: 'The country decides the VAT rate of the next invoices. Live: the shop only; sandbox: also vendors with `customer.write`. Sends `customer-billing-address.updated`.',
      params: CustomerParams, querystring: NoQuery, headers: SandboxHeader, body: BillingAddressInput,
      response: { 200: Item(CustomerView), ...billingErrors(400, 401, 403, 404, 409) },
    },
  }, async (request) => {
    const actor = authorize(request.principal, 'customer.write', { shops: true });
    liveShopOnly(request, actor, 'billing address');
    await reachable(request, actor, request.params.customerId);
    const { billingAddress, vatNumber } = request.body;
    return { item: customerView(await customers.setBillingAddress(request.billingEnv, request.params.customerId, billingAddress, vatNumber)) };
  });

  app.put('/customers/:customerId/payment-method', {
    onRequest: bearer,
    schema: {
      tags, security, operationId: 'setPaymentMethod', summary: 'Set the card that pays the invoices',
      description: 'The card goes to the gateway; psif keeps only its brand, last 4 digits and expiry. Due invoices are retried with it at once. Live: the shop only (and a gateway must be configured: 503 `GATEWAY_NOT_CONFIGURED`); sandbox: also vendors with `customer.write`, with the test cards of docs/billing.md.',
      params: CustomerParams, querystring: NoQuery, headers: SandboxHeader, body: CardInput,
      response: { 200: Item(CustomerView), ...billingErrors(400, 401, 402, 403, 404, 409, 503) },
    },
  }, async (request) => {
    const actor = authorize(request.principal, 'customer.write', { shops: true });
    liveShopOnly(request, actor, 'payment method');
    await reachable(request, actor, request.params.customerId);
    return { item: customerView(await customers.setPaymentMethod(request.billingEnv, request.params.customerId, request.body)) };
  });

  app.get('/customers/:customerId/subscriptions/:productId', {
    onRequest: bearer,
    schema: {
      tags, security, operationId: 'getCustomerSubscription', summary: 'The customer\'s subscription to a product (B2)',
      description: 'The one that is not cancelled, else the latest; 404 `SUBSCRIPTION_NOT_FOUND` when there is none (show your plan selection). The shop itself, or vendors with `subscription.read` for their products.',
      params: Type.Object({ customerId: CustomerId, productId: ProductId }), querystring: NoQuery, headers: SandboxHeader,
      response: { 200: SubscriptionView, ...billingErrors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const actor = authorize(request.principal, 'subscription.read', { shops: true });
    const { snapshot } = await subscriptions.ofCustomer(request.billingEnv, request.params.customerId, request.params.productId, subscriptionGuard(actor));
    return subscriptionView(snapshot);
  });

  app.post('/customers/:customerId/subscriptions', {
    onRequest: bearer,
    schema: {
      tags, security, operationId: 'createSubscription', summary: 'Subscribe a customer to a plan',
      description: 'A shop subscribes itself; vendors need `subscription.write` and subscribe customers to their own products. The customer is created if needed. With a trial (once per customer and product): `in_trial`. With a later `startDate`: `future`. Otherwise `active`, and the first term is invoiced and charged now: without a payment method 402 `PAYMENT_METHOD_REQUIRED`, declined 402 `PAYMENT_DECLINED`, and nothing is created. One subscription per customer and product (409).',
      params: CustomerParams, querystring: NoQuery, headers: SandboxHeader, body: SubscriptionInput,
      response: { 201: SubscriptionView, ...billingErrors(400, 401, 402, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const actor = authorize(request.principal, 'subscription.write', { shops: true });
    const { customerId } = request.params;
    if (actor.kind === 'shop' && customerId !== actor.shopId) throw billingError('CUSTOMER_NOT_FOUND', `no customer "${customerId}"`);
    const existing = await findCustomer(db, request.billingEnv, customerId);
    if (existing && actor.kind === 'vendor' && existing.created_by !== actor.clientId && existing.created_by !== null && !(await canReachCustomer(db, request.billingEnv, actor, existing)) && request.billingEnv === 'sandbox') {
      // Sandbox customers another vendor created are that vendor's test data.
      throw billingError('CUSTOMER_NOT_FOUND', `no customer "${customerId}"`);
    }
    const body = request.body;
    const { snapshot } = await subscriptions.create(
      request.billingEnv,
      { customerId, productId: body.productId, planId: body.planId, quantity: body.quantity, addons: body.addons, startDate: body.startDate ? Date.parse(body.startDate) : undefined, customer: { ...body.customer, locale: body.customer?.locale as string | undefined, createdFromIp: request.ip } },
      (product) => {
        if (actor.kind === 'vendor' && product.vendor_client_id !== actor.clientId) throw billingError('PRODUCT_NOT_FOUND', `no product "${product.product_id}"`);
      },
    );
    return reply.code(201).send(subscriptionView(snapshot));
  });

  app.get('/customers/:customerId/test-clock', {
    onRequest: bearer,
    schema: {
      tags, security, operationId: 'getTestClock', summary: 'Sandbox: the customer\'s test clock',
      description: 'Sandbox only. Before its first advance the clock follows real time.',
      params: CustomerParams, querystring: NoQuery, headers: SandboxHeader,
      response: { 200: ClockView, ...billingErrors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const actor = authorize(request.principal, 'subscription.write', { shops: true });
    if (request.billingEnv !== 'sandbox') throw billingError('TEST_CLOCK_SANDBOX_ONLY');
    const customer = await reachable(request, actor, request.params.customerId);
    return { customerId: customer.customer_id, now: new Date(billing.engine.now(customer)).toISOString(), frozen: customer.clock_at !== null };
  });

  app.post('/customers/:customerId/test-clock/advance', {
    onRequest: bearer,
    schema: {
      tags, security, operationId: 'advanceTestClock', summary: 'Sandbox: move the customer\'s time forward',
      description: 'Sandbox only; the shop itself or vendors with `subscription.write`. Give exactly one of `to`, `seconds` or `months`. Every renewal, trial end, scheduled change and payment retry due by then runs, in order and each at its own date, before the answer; webhooks follow. From the first advance on, the customer\'s time moves only through this route.',
      params: CustomerParams, querystring: NoQuery, headers: SandboxHeader, body: ClockAdvanceInput,
      response: { 200: ClockView, ...billingErrors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const actor = authorize(request.principal, 'subscription.write', { shops: true });
    if (request.billingEnv !== 'sandbox') throw billingError('TEST_CLOCK_SANDBOX_ONLY');
    const customer = await reachable(request, actor, request.params.customerId);
    const from = billing.engine.now(customer);
    const { to, seconds, months } = request.body;
    const target = to !== undefined ? Math.floor(Date.parse(to) / 1000) * 1000 : seconds !== undefined ? from + seconds * 1000 : addPeriod(from, months as number, 'month');
    const result = await clock.advanceTestClock(request.billingEnv, customer.customer_id, target);
    return { customerId: customer.customer_id, now: new Date(result.now).toISOString(), frozen: true, transitions: result.transitions };
  });
}
