import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingErrorTable } from '../../src/billing/billing-errors.js';
import { TEST_CARDS } from '../../src/billing/gateway/sandbox-gateway.js';
import { documentedAnswers } from '../support/openapi.js';
import { type BillingRig, CARDS, type Vendor, advance, customer, eventually, flatProduct, invoicesOf, ok, startBillingRig, webhookReceiver } from './rig.js';

/**
 * The Billing API's contract: precise errors for bad input (and nothing changed), answers that match the
 * published OpenAPI document, addons, future starts, pauses, estimates, and customer events.
 */
let rig: BillingRig;
let vendor: Vendor;
let answers: ReturnType<typeof documentedAnswers>;

beforeAll(async () => {
  rig = await startBillingRig();
  vendor = await rig.createVendor('contract');
  answers = documentedAnswers(rig.ts.url, 'billing');
  await ok(vendor.api.call('POST', '/products', { id: 'contract_module', name: 'Contract' }), 201);
  await ok(vendor.api.call('POST', '/products/contract_module/components', { id: 'seat-addon', componentType: 'addon', pricingModel: 'per_unit', price: 300 }), 201);
  await ok(vendor.api.call('POST', '/products/contract_module/components', { id: 'support-addon', componentType: 'addon', pricingModel: 'flat_fee', price: 500 }), 201);
  await ok(vendor.api.call('POST', '/products/contract_module/components', { id: 'contract-plan', componentType: 'plan', pricingModel: 'flat_fee', price: 2000, billingPeriodUnit: 'month', mandatoryComponentIds: ['support-addon'] }), 201);
  await ok(vendor.api.call('POST', '/products/contract_module/components', { id: 'contract-big', componentType: 'plan', pricingModel: 'flat_fee', price: 9000, billingPeriodUnit: 'month', trialPeriodValue: 1, trialPeriodUnit: 'month' }), 201);
});
afterAll(async () => rig?.close());

describe('bad input', () => {
  it('gets {statusCode, errorCode, message} naming the problem, and creates nothing', async () => {
    const cases: [string, string, unknown, number, string, RegExp][] = [
      ['POST', '/products', { id: 'bad id!', name: 'x' }, 400, 'VALIDATION_FAILED', /body\.id/],
      ['POST', '/products', { id: 'ok_id', name: 'x', extra: 1 }, 400, 'VALIDATION_FAILED', /unknown parameter "extra"/],
      ['POST', '/products/contract_module/components', { id: 'p2', componentType: 'plan', pricingModel: 'flat_fee', price: 100 }, 400, 'VALIDATION_FAILED', /billingPeriodUnit is required/],
      ['POST', '/products/contract_module/components', { id: 'p3', componentType: 'plan', pricingModel: 'stairstep', billingPeriodUnit: 'month', tiers: [{ startingUnit: 1, endingUnit: 5, price: 1 }, { startingUnit: 7, price: 2 }] }, 400, 'INVALID_TIERS', /start at unit 6/],
      ['POST', '/products/contract_module/components', { id: 'p4', componentType: 'plan', pricingModel: 'flat_fee', price: -1, billingPeriodUnit: 'month' }, 400, 'VALIDATION_FAILED', /price/],
      ['POST', '/products/contract_module/components', { id: 'contract-plan', componentType: 'addon', pricingModel: 'flat_fee', price: 1 }, 409, 'COMPONENT_ALREADY_EXISTS', /exists/],
      ['POST', '/products', { id: 'contract_module', name: 'again' }, 409, 'PRODUCT_ALREADY_EXISTS', /exists/],
      ['GET', '/products/nope_module/components', undefined, 404, 'PRODUCT_NOT_FOUND', /nope_module/],
      ['GET', '/subscriptions/sub_doesnotexist0', undefined, 404, 'SUBSCRIPTION_NOT_FOUND', /sub_doesnotexist0/],
      ['GET', '/invoices?limit=1000', undefined, 400, 'VALIDATION_FAILED', /limit/],
      ['GET', '/nothing/here', undefined, 404, 'ROUTE_NOT_FOUND', /no route/],
      ['POST', '/estimates', { componentId: 'contract-plan', customerId: 'nobody', productId: 'contract_module', coupon: { couponCode: 'WELCOME', isCurrentlyApplied: false } }, 400, 'COUPON_NOT_FOUND', /WELCOME/],
    ];
    for (const [method, path, body, status, errorCode, message] of cases) {
      const answer = await vendor.api.call(method, path, body);
      expect(answer.body, `${method} ${path}`).toMatchObject({ statusCode: status, errorCode });
      expect(answer.body.message, `${method} ${path}`).toMatch(message);
      expect(Object.keys(answer.body).sort()).toEqual(['errorCode', 'message', 'statusCode']);
    }
    const raw = await fetch(`${rig.ts.url}/billing/v1/products`, { method: 'POST', headers: { authorization: `Bearer ${vendor.api.token}`, 'content-type': 'application/json', sandbox: 'true' }, body: '{"id": ' });
    expect(await raw.json()).toMatchObject({ statusCode: 400, errorCode: 'VALIDATION_FAILED' });
    expect((await ok(vendor.api.call('GET', '/products'))).items.map((p: { id: string }) => p.id)).toEqual(['contract_module']);
    expect((await ok(vendor.api.call('GET', '/products/contract_module/components'))).total).toBe(4);
  });

  it('refuses subscriptions to unknown, archived or foreign plans and a second subscription', async () => {
    const shop = await customer(vendor, { country: 'FR' });
    expect((await vendor.api.call('POST', `/customers/${shop}/subscriptions`, { productId: 'contract_module', planId: 'seat-addon' })).body.errorCode).toBe('INVALID_COMPONENT');
    expect((await vendor.api.call('POST', `/customers/${shop}/subscriptions`, { productId: 'contract_module', planId: 'missing-plan' })).body.errorCode).toBe('COMPONENT_NOT_FOUND');
    expect((await vendor.api.call('POST', `/customers/${shop}/subscriptions`, { productId: 'contract_module', planId: 'contract-plan', addons: [{ componentId: 'contract-big' }] })).body.errorCode).toBe('INVALID_COMPONENT');
    await ok(vendor.api.call('POST', `/customers/${shop}/subscriptions`, { productId: 'contract_module', planId: 'contract-plan' }), 201);
    expect((await vendor.api.call('POST', `/customers/${shop}/subscriptions`, { productId: 'contract_module', planId: 'contract-big' })).body).toMatchObject({ statusCode: 409, errorCode: 'SUBSCRIPTION_ALREADY_EXISTS' });
    await ok(vendor.api.call('PATCH', '/products/contract_module/components/contract-big', { status: 'archived' }));
    const other = await customer(vendor);
    expect((await vendor.api.call('POST', `/customers/${other}/subscriptions`, { productId: 'contract_module', planId: 'contract-big' })).body.errorCode).toBe('INVALID_COMPONENT');
    await ok(vendor.api.call('PATCH', '/products/contract_module/components/contract-big', { status: 'active' }));
    expect((await vendor.api.call('POST', `/customers/${other}/test-clock/advance`, { seconds: -5 })).body.errorCode).toBe('VALIDATION_FAILED');
    expect((await vendor.api.call('POST', `/customers/${other}/test-clock/advance`, { to: '2020-01-01T00:00:00Z' })).body.errorCode).toBe('TEST_CLOCK_BACKWARDS');
    expect((await vendor.api.call('PUT', `/customers/${other}/payment-method`, { number: '4111111111111112', expiryMonth: 1, expiryYear: 2099, cvc: '1' })).body.errorCode).toBe('VALIDATION_FAILED');
    expect((await vendor.api.call('PUT', `/customers/${other}/payment-method`, { number: CARDS.declinedOnAttach, expiryMonth: 1, expiryYear: 2099, cvc: '123' })).body).toMatchObject({ statusCode: 402, errorCode: 'PAYMENT_DECLINED' });
  });
});

describe('addons, future starts, pauses and estimates', () => {
  it('bills mandatory and chosen addons with the plan', async () => {
    const shop = await customer(vendor, { country: 'IT' });
    const sub = await ok(vendor.api.call('POST', `/customers/${shop}/subscriptions`, { productId: 'contract_module', planId: 'contract-plan', addons: [{ componentId: 'seat-addon', quantity: 4 }] }), 201);
    await answers.expectDocumented('/billing/v1/customers/{customerId}/subscriptions/{productId}', await ok(vendor.api.call('GET', `/customers/${shop}/subscriptions/contract_module`)));
    expect(sub.subscription_items.map((i: any) => [i.item_price_id, i.item_type, i.quantity, i.amount])).toEqual([['contract-plan', 'plan', 1, 2000], ['support-addon', 'addon', 1, 500], ['seat-addon', 'addon', 4, 1200]]);
    expect(sub.mrr).toBe(3700);
    const [invoice] = await invoicesOf(vendor, sub.id);
    expect(invoice).toMatchObject({ subTotal: 3700, taxRate: 22, taxAmount: 440 + 110 + 264, amountTotal: 3700 + 814 });
    await ok(vendor.api.call('PUT', `/subscriptions/${sub.id}/items/seat-addon/quantity`, { quantity: 10 }));
    await advance(vendor, shop, { months: 1 });
    expect((await invoicesOf(vendor, sub.id))[1]).toMatchObject({ subTotal: 2000 + 500 + 3000 });
    await answers.expectDocumented('/billing/v1/invoices', await ok(vendor.api.call('GET', `/invoices?id=${sub.id}`)));
  });

  it('starts a future subscription on its date and pauses and resumes one', async () => {
    const shop = await customer(vendor, { country: 'FR' });
    const start = new Date(Date.now() + 10 * 86_400_000);
    start.setUTCMilliseconds(0);
    const future = await ok(vendor.api.call('POST', `/customers/${shop}/subscriptions`, { productId: 'contract_module', planId: 'contract-plan', startDate: start.toISOString() }), 201);
    expect(future).toMatchObject({ status: 'future', start_date: start.getTime() / 1000, current_term_start: null });
    expect(await invoicesOf(vendor, future.id)).toHaveLength(0);
    await advance(vendor, shop, { to: start.toISOString() });
    const started = await ok(vendor.api.call('GET', `/subscriptions/${future.id}`));
    expect(started).toMatchObject({ status: 'active', activated_at: start.getTime() / 1000, current_term_start: start.getTime() / 1000 });
    expect((await invoicesOf(vendor, future.id))[0]).toMatchObject({ reason: 'creation', subTotal: 2500, amountTotal: 3000 });

    const paused = (await ok(vendor.api.call('POST', `/subscriptions/${future.id}/pause`))).item;
    expect(paused).toMatchObject({ status: 'paused', next_billing_at: null });
    await advance(vendor, shop, { months: 3 });
    expect(await invoicesOf(vendor, future.id)).toHaveLength(1);
    expect((await vendor.api.call('POST', `/subscriptions/${future.id}/pause`)).body.errorCode).toBe('INVALID_STATUS_TRANSITION');
    const resumed = (await ok(vendor.api.call('POST', `/subscriptions/${future.id}/resume`))).item;
    expect(resumed.status).toBe('active');
    expect((await invoicesOf(vendor, future.id))[1]).toMatchObject({ reason: 'activation', periodStart: resumed.current_term_start, amountTotal: 3000 });
    await answers.expectDocumented('/billing/v1/subscriptions/{subscriptionId}', await ok(vendor.api.call('GET', `/subscriptions/${future.id}`)));
  });

  it('estimates a new subscription, a trial, an upgrade and a downgrade', async () => {
    const shop = await customer(vendor, { country: 'FR' });
    const fresh = (await ok(vendor.api.call('POST', '/estimates', { componentId: 'contract-plan', customerId: shop, productId: 'contract_module' }), 201)).item;
    expect(fresh.invoiceEstimate).toMatchObject({ subTotal: 2000, total: 2400, amountDue: 2400, nextBillingPeriodAmountDue: 2400, taxes: [{ name: 'VAT FR', amount: 400 }], lineItemTaxes: [{ taxJurisName: 'FR', taxRate: 20 }] });
    const trial = (await ok(vendor.api.call('POST', '/estimates', { componentId: 'contract-big', customerId: shop, productId: 'contract_module' }), 201)).item;
    expect(trial.invoiceEstimate).toMatchObject({ amountDue: 0, nextBillingPeriodAmountDue: 10800 });
    const sub = await ok(vendor.api.call('POST', `/customers/${shop}/subscriptions`, { productId: 'contract_module', planId: 'contract-plan' }), 201);
    const up = (await ok(vendor.api.call('POST', '/estimates', { componentId: 'contract-big', customerId: shop, productId: 'contract_module', subscriptionId: sub.id }), 201)).item;
    const term = sub.current_term_end - sub.current_term_start;
    // Estimated at the customer's now (the start of the term): the whole difference.
    expect(up.invoiceEstimate.subTotal).toBe(Math.round((7000 * term) / term));
    expect(up.invoiceEstimate).toMatchObject({ total: 8400, nextBillingPeriodAmountDue: 10800 });
    const changed = (await ok(vendor.api.call('PATCH', `/subscriptions/${sub.id}`, { subscriptionItemId: 'contract-big' }))).item;
    expect((await invoicesOf(vendor, changed.id))[1]).toMatchObject({ reason: 'upgrade', amountTotal: up.invoiceEstimate.total });
    const down = (await ok(vendor.api.call('POST', '/estimates', { componentId: 'contract-plan', customerId: shop, productId: 'contract_module', subscriptionId: sub.id }), 201)).item;
    expect(down.invoiceEstimate).toMatchObject({ amountDue: 0, nextBillingPeriodAmountDue: 2400 });
  });
});

describe('invoice search', () => {
  it('filters by subscription, customer, status and date, and pages with limit and offset', async () => {
    const shop = await customer(vendor, { country: 'FR' });
    const sub = await ok(vendor.api.call('POST', `/customers/${shop}/subscriptions`, { productId: 'contract_module', planId: 'contract-plan' }), 201);
    await advance(vendor, shop, { months: 5 });
    const all = await invoicesOf(vendor, sub.id);
    expect(all.map((i) => i.reason)).toEqual(['creation', 'renewal', 'renewal', 'renewal', 'renewal', 'renewal']);
    const page = await ok(vendor.api.call('GET', `/invoices?id=${sub.id}&limit=2&offset=2&order=asc`));
    expect(page.total).toBe(6);
    expect(page.items.map((i: { invoiceId: string }) => i.invoiceId)).toEqual([all[2].invoiceId, all[3].invoiceId]);
    const newest = await ok(vendor.api.call('GET', `/invoices?type=customer&id=${shop}&limit=1`));
    expect(newest.items[0].invoiceId).toBe(all[5].invoiceId);
    const window = `from=${new Date(all[1].invoiceDate * 1000).toISOString()}&to=${new Date(all[3].invoiceDate * 1000).toISOString()}`;
    expect((await ok(vendor.api.call('GET', `/invoices?id=${sub.id}&order=asc&${window}`))).items.map((i: { invoiceId: string }) => i.invoiceId)).toEqual([all[1].invoiceId, all[2].invoiceId]);
    expect((await ok(vendor.api.call('GET', `/invoices?id=${sub.id}&status=payment_due`))).total).toBe(0);
    expect((await ok(vendor.api.call('GET', `/invoices?id=${sub.id}&status=paid&productId=contract_module`))).total).toBe(6);
    expect((await ok(vendor.api.call('GET', `/invoices?id=${sub.id}&productId=other_module`))).total).toBe(0);
    await answers.expectDocumented('/billing/v1/invoices/{invoiceId}', await ok(vendor.api.call('GET', `/invoices/${all[0].invoiceId}`)));
  });
});

describe('customer events', () => {
  it('sends customer.created with the first subscription, then updates and address changes', async () => {
    const hooks = await webhookReceiver(rig, vendor, { eventTypes: ['customer.created', 'customer.updated', 'customer-billing-address.updated'] });
    try {
      const shop = crypto.randomUUID();
      const shopApi = (await import('./rig.js')).caller(rig.ts.url, await rig.shopToken(shop));
      await ok(shopApi.call('POST', `/customers/${shop}/subscriptions`, { productId: 'contract_module', planId: 'contract-big', customer: { email: 'owner@shop.test', locale: 'de', parentId: 'owner-1' } }), 201);
      await ok(shopApi.call('PUT', `/customers/${shop}/billing-address`, { billingAddress: { country: 'de', city: 'Berlin' }, vatNumber: 'DE123456789' }));
      await ok(shopApi.call('PATCH', `/customers/${shop}`, { email: 'new@shop.test' }));
      const customerView = await ok(shopApi.call('GET', `/customers/${shop}`));
      await answers.expectDocumented('/billing/v1/customers/{customerId}', customerView);
      expect(customerView).toMatchObject({ type: 'shop', email: 'new@shop.test', locale: 'de', vat_number: 'DE123456789', billing_address: { country: 'DE', city: 'Berlin' }, relationship: { parent_id: 'owner-1', payment_owner_id: shop } });
      await eventually(() => expect(hooks.ordered((e) => e.data.customer?.id === shop).map((e) => e.type)).toEqual(['customer.created', 'customer-billing-address.updated', 'customer.updated']));
      const [created, address] = hooks.ordered((e) => e.data.customer?.id === shop);
      expect(created!.data).toMatchObject({ shopId: shop, chargebeeCustomerId: shop, customer: { email: 'owner@shop.test' } });
      expect(address!.data).toMatchObject({ billingAddress: { country: 'DE', object: 'billing_address' }, vatNumber: 'DE123456789' });
    } finally {
      await hooks.close();
    }
  });
});

describe('documentation', () => {
  it('docs/billing.md carries the error table and the test cards as the code defines them', () => {
    const doc = readFileSync(new URL('../../docs/billing.md', import.meta.url), 'utf8');
    expect(doc).toContain(billingErrorTable());
    for (const [number, card] of Object.entries(TEST_CARDS)) expect(doc).toContain(`| \`${number}\` | ${card.brand} | ${card.description} |`);
  });

  it('the billing OpenAPI document lists every errorCode', async () => {
    const document = (await (await fetch(`${rig.ts.url}/openapi/billing.json`)).json()) as { info: { description: string } };
    expect(document.info.description).toContain(billingErrorTable());
  });
});
