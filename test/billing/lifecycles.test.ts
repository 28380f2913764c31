import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BillingRig, CARDS, type Vendor, advance, customer, eventually, flatProduct, invoicesOf, ok, startBillingRig, webhookReceiver } from './rig.js';

/**
 * Every lifecycle of billing.md §3.3 and §4 driven through the HTTP API with sandbox test clocks, with
 * invoice amounts checked to the cent, and the webhooks each one sends received by a real endpoint that
 * verifies signatures with the standardwebhooks package and fails twice before accepting each event.
 */
let rig: BillingRig;
let vendor: Vendor;
let receiver: Awaited<ReturnType<typeof webhookReceiver>>;

beforeAll(async () => {
  rig = await startBillingRig();
  vendor = await rig.createVendor('lifecycles');
  receiver = await webhookReceiver(rig, vendor, { failFirst: 2 });
});
afterAll(async () => {
  await receiver?.close();
  await rig?.close();
});

const sub = (customerId: string, productId: string) => ok(vendor.api.call('GET', `/customers/${customerId}/subscriptions/${productId}`));
const subscribe = (customerId: string, body: Record<string, unknown>, status = 201) => ok(vendor.api.call('POST', `/customers/${customerId}/subscriptions`, body), status);
/** Events about one subscription, in resource_version order, as a receiver that stores the latest version sees them. */
const eventsOf = (subscriptionId: string) => receiver.ordered((e) => e.data.subscription?.id === subscriptionId || e.data.invoice?.subscriptionId === subscriptionId);
const vat = (amount: number, rate: number) => Math.round((amount * rate) / 100);

describe('trial to active, then renewals', () => {
  it('bills nothing during the trial, the first term at its end, then every month', async () => {
    await flatProduct(vendor, 'trial_module', [{ id: 'trial-basic-EUR-Monthly', price: 2000, trialDays: 14 }]);
    const shop = await customer(vendor, { country: 'FR' });
    const created = await subscribe(shop, { productId: 'trial_module', planId: 'trial-basic-EUR-Monthly' });
    expect(created.status).toBe('in_trial');
    expect(created.trial_end - created.trial_start).toBe(14 * 86_400);
    expect(created.next_billing_at).toBe(created.trial_end);

    await advance(vendor, shop, { days: 13 });
    expect((await sub(shop, 'trial_module')).status).toBe('in_trial');
    expect(await invoicesOf(vendor, created.id)).toHaveLength(0);

    await advance(vendor, shop, { days: 1 });
    const active = await sub(shop, 'trial_module');
    expect(active.status).toBe('active');
    expect(active.activated_at).toBe(created.trial_end);
    expect(active.current_term_start).toBe(created.trial_end);
    const [first] = await invoicesOf(vendor, created.id);
    expect(first).toMatchObject({ reason: 'trial_end', status: 'paid', subTotal: 2000, taxRate: 20, taxAmount: 400, amountTotal: 2400, amountPaid: 2400, amountDue: 0, invoiceDate: created.trial_end });
    expect(first.lineItems).toHaveLength(1);
    expect(first.lineItems[0]).toMatchObject({ componentId: 'trial-basic-EUR-Monthly', entityType: 'plan_item_price', amount: 2000, taxAmount: 400 });

    await advance(vendor, shop, { months: 2 });
    const invoices = await invoicesOf(vendor, created.id);
    expect(invoices.map((i) => [i.reason, i.amountTotal, i.status])).toEqual([['trial_end', 2400, 'paid'], ['renewal', 2400, 'paid'], ['renewal', 2400, 'paid']]);
    // Terms follow each other without gap or overlap, each a calendar month long.
    for (let i = 1; i < invoices.length; i++) expect(invoices[i].periodStart).toBe(invoices[i - 1].periodEnd);
    for (const invoice of invoices) expect((invoice.periodEnd - invoice.periodStart) / 86_400).toBeGreaterThanOrEqual(28);

    await eventually(() => {
      const subscriptionEvents = eventsOf(created.id).filter((e) => e.type.startsWith('subscription.')).map((e) => `${e.type}:${e.data.subscription.status}`);
      expect(subscriptionEvents).toEqual(['subscription.created:in_trial', 'subscription.status-updated:active', 'subscription.updated:active', 'subscription.updated:active']);
      expect(eventsOf(created.id).filter((e) => e.type === 'payment.succeeded')).toHaveLength(3);
    });
    // The status event carries the term; each renewal's update carries the new next_billing_at.
    const updates = eventsOf(created.id).filter((e) => e.type === 'subscription.updated');
    expect(updates[1]!.data.subscription.next_billing_at).toBeGreaterThan(updates[0]!.data.subscription.next_billing_at);
  });
});

describe('cancellation during the trial', () => {
  it('stays in_trial with the cancellation scheduled, then is cancelled at the trial end without an invoice', async () => {
    await flatProduct(vendor, 'trial_cancel', [{ id: 'tc-plan', price: 1500, trialDays: 30 }]);
    const shop = await customer(vendor, { country: 'FR' });
    const created = await subscribe(shop, { productId: 'trial_cancel', planId: 'tc-plan' });
    // The clock follows real time until its first advance, so five days from "now" is read back from the answer.
    const { now } = await advance(vendor, shop, { days: 5 });
    const cancelled = (await ok(vendor.api.call('POST', `/subscriptions/${created.id}/cancel`, {}))).item;
    expect(cancelled).toMatchObject({ status: 'in_trial', remaining_billing_cycles: 0, cancelled_at: created.trial_end, next_billing_at: null });
    expect(cancelled.cancel_schedule_created_at).toBe(Date.parse(now) / 1000);
    expect(cancelled.cancel_schedule_created_at - created.trial_start).toBeGreaterThanOrEqual(5 * 86_400);

    await advance(vendor, shop, { days: 26 });
    const ended = await sub(shop, 'trial_cancel');
    expect(ended).toMatchObject({ status: 'cancelled', cancelled_at: created.trial_end, remaining_billing_cycles: null });
    expect(await invoicesOf(vendor, created.id)).toHaveLength(0);
    await eventually(() => expect(eventsOf(created.id).map((e) => `${e.type}:${e.data.subscription.status}`)).toEqual(['subscription.created:in_trial', 'subscription.status-updated:in_trial', 'subscription.status-updated:cancelled']));
    // A second subscription gets no second trial.
    const again = await subscribe(shop, { productId: 'trial_cancel', planId: 'tc-plan' });
    expect(again.status).toBe('active');
    expect((await invoicesOf(vendor, again.id))[0]).toMatchObject({ reason: 'creation', amountTotal: 1800 });
  });
});

describe('plan changes', () => {
  it('upgrades at once with a prorated invoice and downgrades at the end of the term', async () => {
    await flatProduct(vendor, 'plans_module', [
      { id: 'pm-basic', price: 1000, group: 'basic' },
      { id: 'pm-pro', price: 3000, group: 'pro' },
      { id: 'pm-pro-yearly', price: 30000, group: 'pro', period: 'year' },
      { id: 'pm-basic-yearly', price: 10000, group: 'basic', period: 'year' },
    ]);
    const shop = await customer(vendor, { country: 'FR' });
    const created = await subscribe(shop, { productId: 'plans_module', planId: 'pm-basic' });
    expect((await invoicesOf(vendor, created.id))[0]).toMatchObject({ reason: 'creation', subTotal: 1000, taxAmount: 200, amountTotal: 1200 });

    const { now } = await advance(vendor, shop, { days: 10 });
    const upgraded = (await ok(vendor.api.call('PATCH', `/subscriptions/${created.id}`, { subscriptionItemId: 'pm-pro' }))).item;
    expect(upgraded).toMatchObject({ id: created.id, status: 'active', hasScheduledChanges: false, currentTermStart: created.current_term_start, currentTermEnd: created.current_term_end });
    expect(upgraded.subscriptionItems[0]).toMatchObject({ id: 'pm-pro', amount: 3000 });
    const term = created.current_term_end - created.current_term_start;
    const remaining = created.current_term_end - Date.parse(now) / 1000;
    const prorated = Math.round((2000 * remaining) / term);
    const upgradeInvoice = (await invoicesOf(vendor, created.id))[1];
    expect(upgradeInvoice).toMatchObject({ reason: 'upgrade', status: 'paid', subTotal: prorated, taxAmount: vat(prorated, 20), amountTotal: prorated + vat(prorated, 20), periodEnd: created.current_term_end });

    // A plan and period change together is refused; a lower price waits for the term end.
    expect((await vendor.api.call('PATCH', `/subscriptions/${created.id}`, { subscriptionItemId: 'pm-basic-yearly' })).body.errorCode).toBe('PLAN_AND_PERIOD_CHANGE_NOT_SUPPORTED');
    const downgraded = (await ok(vendor.api.call('PATCH', `/subscriptions/${created.id}`, { subscriptionItemId: 'pm-basic' }))).item;
    expect(downgraded).toMatchObject({ hasScheduledChanges: true, subscriptionWithScheduledChanges: { componentId: 'pm-basic', unitPrice: 1000 } });
    expect(downgraded.subscriptionItems[0].id).toBe('pm-pro');
    expect(await invoicesOf(vendor, created.id)).toHaveLength(2);

    await advance(vendor, shop, { to: new Date(created.current_term_end * 1000).toISOString() });
    const renewed = await sub(shop, 'plans_module');
    expect(renewed).toMatchObject({ plan_id: 'pm-basic', plan_amount: 1000, has_scheduled_changes: false, current_term_start: created.current_term_end });
    expect((await invoicesOf(vendor, created.id))[2]).toMatchObject({ reason: 'renewal', subTotal: 1000, amountTotal: 1200, periodStart: created.current_term_end });

    // A billing-period change within the group is scheduled too, and restarts the terms as yearly ones.
    await ok(vendor.api.call('PATCH', `/subscriptions/${created.id}`, { subscriptionItemId: 'pm-basic-yearly' }));
    await advance(vendor, shop, { months: 1 });
    const yearly = await sub(shop, 'plans_module');
    expect(yearly).toMatchObject({ plan_id: 'pm-basic-yearly', billing_period_unit: 'year' });
    expect((yearly.current_term_end - yearly.current_term_start) / 86_400).toBeGreaterThanOrEqual(365);
    expect((await invoicesOf(vendor, created.id))[3]).toMatchObject({ reason: 'renewal', subTotal: 10000, amountTotal: 12000 });

    await eventually(() => {
      const updates = eventsOf(created.id).filter((e) => e.type === 'subscription.updated').map((e) => [e.data.subscription.plan_id, e.data.subscription.has_scheduled_changes]);
      expect(updates.slice(0, 3)).toEqual([['pm-pro', false], ['pm-pro', true], ['pm-basic', false]]);
    });
  });
});

describe('stairstep quantities', () => {
  it('bills the step of the quantity set before each renewal, up and down', async () => {
    await ok(vendor.api.call('POST', '/products', { id: 'stairs_module', name: 'Stairs' }), 201);
    await ok(vendor.api.call('POST', '/products/stairs_module/components', {
      id: 'stairs-EUR-Monthly', componentType: 'plan', pricingModel: 'stairstep', billingPeriodUnit: 'month', unitDescription: 'orders',
      tiers: [{ startingUnit: 1, endingUnit: 10, price: 1000 }, { startingUnit: 11, endingUnit: 100, price: 1500 }, { startingUnit: 101, endingUnit: 1000, price: 2000 }, { startingUnit: 1001, price: 5000 }],
    }), 201);
    const shop = await customer(vendor, { country: 'DE' });
    const created = await subscribe(shop, { productId: 'stairs_module', planId: 'stairs-EUR-Monthly', quantity: 5 });
    expect((await invoicesOf(vendor, created.id))[0]).toMatchObject({ subTotal: 1000, taxRate: 19, taxAmount: 190, amountTotal: 1190 });

    expect(await ok(vendor.api.call('PUT', `/subscriptions/${created.id}/items/stairs-EUR-Monthly/quantity`, { quantity: 45 }))).toEqual({ item: { quantity: 45 } });
    expect(await sub(shop, 'stairs_module')).toMatchObject({ plan_quantity: 5, has_scheduled_changes: true, subscription_scheduled_changes: { quantity: 45, unit_price: 1500 } });
    await advance(vendor, shop, { months: 1 });
    expect((await invoicesOf(vendor, created.id))[1]).toMatchObject({ reason: 'renewal', subTotal: 1500, taxAmount: 285, amountTotal: 1785 });
    expect(await sub(shop, 'stairs_module')).toMatchObject({ plan_quantity: 45, plan_amount: 1500, has_scheduled_changes: false });

    // The internal quantity route (X-BILLING-API-KEY): UPDATE adds to the quantity, here back to step 1.
    const keyAnswer = await fetch(`${rig.ts.url}/admin/v1/billing/api-keys`, { method: 'POST', headers: { authorization: `Bearer ${rig.admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ vendor: vendor.name }) });
    const { key } = (await keyAnswer.json()) as { key: string };
    const internal = { 'x-billing-api-key': key };
    expect(await ok(vendor.api.call('PATCH', `/customers/${shop}/subscriptions/stairs_module/quantity`, { action: 'UPDATE', quantity: -40 }, { headers: internal }))).toEqual({ item_type: 'plan', quantity: 5, unit_price: 1000, amount: 1000, item_price_id: 'stairs-EUR-Monthly' });
    expect(await ok(vendor.api.call('GET', `/customers/${shop}/subscriptions/stairs_module/quantity`, undefined, { headers: internal }))).toEqual({ currentQuantity: 45, scheduledQuantity: 5 });
    expect((await vendor.api.call('PATCH', `/customers/${shop}/subscriptions/stairs_module/quantity`, { action: 'UPDATE', quantity: -5 }, { headers: internal })).body.errorCode).toBe('INVALID_QUANTITY');
    await advance(vendor, shop, { months: 1 });
    expect((await invoicesOf(vendor, created.id))[2]).toMatchObject({ subTotal: 1000, amountTotal: 1190 });

    await ok(vendor.api.call('PATCH', `/customers/${shop}/subscriptions/stairs_module/quantity`, { action: 'SET', quantity: 2500 }, { headers: internal }));
    await advance(vendor, shop, { months: 1 });
    expect((await invoicesOf(vendor, created.id))[3]).toMatchObject({ subTotal: 5000, taxAmount: 950, amountTotal: 5950 });
    expect(await ok(vendor.api.call('GET', `/customers/${shop}/subscriptions/stairs_module/quantity`, undefined, { headers: internal }))).toEqual({ currentQuantity: 2500 });
  });
});

describe('usage-based billing', () => {
  it('bills a term\'s usage above the free quantity at its end, then starts again from zero', async () => {
    await ok(vendor.api.call('POST', '/products', { id: 'usage_module', name: 'Usage' }), 201);
    await ok(vendor.api.call('POST', '/products/usage_module/components', { id: 'usage-minutes', componentType: 'plan', pricingModel: 'per_unit', isUsageBased: true, price: 5, freeQuantity: 100, billingPeriodUnit: 'month' }), 201);
    const shop = await customer(vendor, { country: 'US' });
    const created = await subscribe(shop, { productId: 'usage_module', planId: 'usage-minutes' });
    expect((await invoicesOf(vendor, created.id))[0]).toMatchObject({ reason: 'creation', amountTotal: 0, status: 'paid', lineItems: [] });

    expect(await ok(vendor.api.call('POST', `/subscriptions/${created.id}/items/usage-minutes/usage`, { usageQuantity: 300 }), 201)).toEqual({ item: { usageQuantity: 300 } });
    expect(await ok(vendor.api.call('POST', `/subscriptions/${created.id}/items/usage-minutes/usage`, { usageQuantity: 200 }), 201)).toEqual({ item: { usageQuantity: 500 } });
    expect((await vendor.api.call('PUT', `/subscriptions/${created.id}/items/usage-minutes/quantity`, { quantity: 3 })).body.errorCode).toBe('NOT_USAGE_BASED');
    await advance(vendor, shop, { months: 1 });
    const [, first] = await invoicesOf(vendor, created.id);
    expect(first).toMatchObject({ reason: 'renewal', subTotal: 2000, taxAmount: 0, amountTotal: 2000 });
    expect(first.lineItems).toEqual([expect.objectContaining({ entityType: 'plan_item_price', quantity: 500, unitAmount: 5, amount: 2000, dateFrom: created.current_term_start, dateTo: created.current_term_end })]);
    expect((await sub(shop, 'usage_module')).subscription_items[0]).toMatchObject({ usage: 0 });

    await ok(vendor.api.call('POST', `/subscriptions/${created.id}/items/usage-minutes/usage`, { usageQuantity: 50 }), 201);
    await advance(vendor, shop, { months: 1 });
    expect((await invoicesOf(vendor, created.id))[2]).toMatchObject({ subTotal: 0, amountTotal: 0, status: 'paid' });
  });
});

describe('charges at term', () => {
  it('adds each charge to the next invoice only, with its description', async () => {
    await flatProduct(vendor, 'charges_module', [{ id: 'charges-plan', price: 1000 }]);
    const shop = await customer(vendor, { country: 'FR' });
    const created = await subscribe(shop, { productId: 'charges_module', planId: 'charges-plan' });
    expect(await ok(vendor.api.call('POST', `/subscriptions/${created.id}/charge_at_term`, { amount: 555, description: 'Extra SMS pack' }), 201)).toEqual({ item: { amount: 555, description: 'Extra SMS pack' } });
    await ok(vendor.api.call('POST', `/subscriptions/${created.id}/charge_at_term`, { amount: 125, description: 'Setup' }), 201);
    await advance(vendor, shop, { months: 1 });
    const renewal = (await invoicesOf(vendor, created.id))[1];
    // Tax is computed per line and rounded half up: 111 + 25 + 200.
    expect(renewal).toMatchObject({ subTotal: 1680, taxAmount: 336, amountTotal: 2016 });
    expect(renewal.lineItems.map((l: any) => [l.entityType, l.description, l.amount, l.taxAmount])).toEqual([
      ['adhoc', 'Extra SMS pack', 555, 111],
      ['adhoc', 'Setup', 125, 25],
      ['plan_item_price', expect.stringContaining('charges-plan'), 1000, 200],
    ]);
    await advance(vendor, shop, { months: 1 });
    expect((await invoicesOf(vendor, created.id))[2]).toMatchObject({ subTotal: 1000, amountTotal: 1200 });

    await ok(vendor.api.call('POST', `/subscriptions/${created.id}/cancel`, { endOfTerm: false }));
    expect((await vendor.api.call('POST', `/subscriptions/${created.id}/charge_at_term`, { amount: 1, description: 'late' })).body.errorCode).toBe('INVALID_STATUS_TRANSITION');
  });
});

describe('cancel and reactivate', () => {
  it('schedules a cancellation at the term end, undoes it, cancels, and restarts a cancelled subscription', async () => {
    await flatProduct(vendor, 'cancel_module', [{ id: 'cancel-plan', price: 1000 }]);
    const shop = await customer(vendor, { country: 'FR' });
    const created = await subscribe(shop, { productId: 'cancel_module', planId: 'cancel-plan' });
    expect((await vendor.api.call('POST', `/subscriptions/${created.id}/reactivate`)).body.errorCode).toBe('INVALID_STATUS_TRANSITION');

    const scheduled = (await ok(vendor.api.call('POST', `/subscriptions/${created.id}/cancel`, {}))).item;
    expect(scheduled).toMatchObject({ status: 'non_renewing', cancelled_at: created.current_term_end, remaining_billing_cycles: 0, next_billing_at: null });
    const reactivated = (await ok(vendor.api.call('POST', `/subscriptions/${created.id}/reactivate`))).item;
    expect(reactivated).toMatchObject({ status: 'active', cancelled_at: null, remaining_billing_cycles: null, next_billing_at: created.current_term_end });

    await ok(vendor.api.call('POST', `/subscriptions/${created.id}/cancel`, { endOfTerm: true }));
    await advance(vendor, shop, { months: 2 });
    const ended = await sub(shop, 'cancel_module');
    expect(ended).toMatchObject({ status: 'cancelled', cancelled_at: created.current_term_end });
    expect((await invoicesOf(vendor, created.id)).map((i) => i.reason)).toEqual(['creation']);

    const restarted = (await ok(vendor.api.call('POST', `/subscriptions/${created.id}/reactivate`))).item;
    expect(restarted.status).toBe('active');
    expect(restarted.current_term_start).toBeGreaterThan(created.current_term_end);
    expect((await invoicesOf(vendor, created.id))[1]).toMatchObject({ reason: 'activation', amountTotal: 1200, status: 'paid', periodStart: restarted.current_term_start });

    const now = (await ok(vendor.api.call('POST', `/subscriptions/${created.id}/cancel`, { endOfTerm: false }))).item;
    expect(now).toMatchObject({ status: 'cancelled', cancelled_at: restarted.current_term_start });
    await eventually(() => {
      const statuses = eventsOf(created.id).filter((e) => e.type === 'subscription.status-updated').map((e) => e.data.subscription.status);
      expect(statuses).toEqual(['non_renewing', 'active', 'non_renewing', 'cancelled', 'active', 'cancelled']);
    });
  });
});

describe('payment failure and dunning', () => {
  it('retries after 1, 3 and 7 days, then cancels and leaves the invoice unpaid', async () => {
    await flatProduct(vendor, 'dunning_module', [{ id: 'dunning-plan', price: 1000, trialDays: 7 }]);
    const shop = await customer(vendor, { country: 'FR', card: CARDS.chargesFail });
    const created = await subscribe(shop, { productId: 'dunning_module', planId: 'dunning-plan' });
    await advance(vendor, shop, { days: 7 });
    const due = await sub(shop, 'dunning_module');
    expect(due).toMatchObject({ status: 'active', due_invoices_count: 1, total_dues: 1200, due_since: created.trial_end });
    expect((await invoicesOf(vendor, created.id))[0]).toMatchObject({ reason: 'trial_end', status: 'payment_due', amountDue: 1200, amountPaid: 0 });

    await advance(vendor, shop, { days: 1 });
    await advance(vendor, shop, { days: 2 });
    expect(await sub(shop, 'dunning_module')).toMatchObject({ status: 'active', due_invoices_count: 1 });
    await advance(vendor, shop, { days: 4 });
    const cancelled = await sub(shop, 'dunning_module');
    expect(cancelled).toMatchObject({ status: 'cancelled', cancel_reason: 'not_paid', cancelled_at: created.trial_end + 7 * 86_400, due_invoices_count: 0 });
    expect((await invoicesOf(vendor, created.id)).map((i) => [i.status, i.amountDue])).toEqual([['not_paid', 1200]]);

    await eventually(() => {
      const failures = eventsOf(created.id).filter((e) => e.type === 'payment.failed');
      expect(failures.map((e) => [e.data.transaction.attempt, e.data.transaction.error_code, e.data.transaction.date - created.trial_end])).toEqual([
        [1, 'card_declined', 0],
        [2, 'card_declined', 86_400],
        [3, 'card_declined', 3 * 86_400],
        [4, 'card_declined', 7 * 86_400],
      ]);
      expect(eventsOf(created.id).filter((e) => e.type === 'subscription.status-updated').map((e) => e.data.subscription.status)).toEqual(['active', 'cancelled']);
    });
  });

  it('collects the due invoice at once when the customer fixes the card', async () => {
    await flatProduct(vendor, 'recovery_module', [{ id: 'recovery-plan', price: 1000, trialDays: 3 }]);
    const shop = await customer(vendor, { country: 'FR', card: CARDS.noFunds });
    const created = await subscribe(shop, { productId: 'recovery_module', planId: 'recovery-plan' });
    await advance(vendor, shop, { days: 3 });
    expect((await sub(shop, 'recovery_module')).due_invoices_count).toBe(1);
    await ok(vendor.api.call('PUT', `/customers/${shop}/payment-method`, { number: CARDS.ok, expiryMonth: 1, expiryYear: 2099, cvc: '999' }));
    expect(await sub(shop, 'recovery_module')).toMatchObject({ status: 'active', due_invoices_count: 0, total_dues: 0, due_since: null });
    expect((await invoicesOf(vendor, created.id))[0]).toMatchObject({ status: 'paid', amountPaid: 1200, amountDue: 0 });
    await eventually(() => expect(eventsOf(created.id).filter((e) => e.type.startsWith('payment.')).map((e) => [e.type, e.data.transaction.error_code])).toEqual([['payment.failed', 'insufficient_funds'], ['payment.succeeded', null]]));
  });

  it('refuses to start a paid plan without a trial when the card is declined, and keeps nothing', async () => {
    await flatProduct(vendor, 'declined_module', [{ id: 'declined-plan', price: 1000 }]);
    const shop = await customer(vendor, { card: CARDS.chargesFail });
    expect((await vendor.api.call('POST', `/customers/${shop}/subscriptions`, { productId: 'declined_module', planId: 'declined-plan' })).body).toMatchObject({ statusCode: 402, errorCode: 'PAYMENT_DECLINED' });
    expect((await vendor.api.call('GET', `/customers/${shop}/subscriptions/declined_module`)).status).toBe(404);
    const bare = await customer(vendor, { card: null });
    expect((await vendor.api.call('POST', `/customers/${bare}/subscriptions`, { productId: 'declined_module', planId: 'declined-plan' })).body.errorCode).toBe('PAYMENT_METHOD_REQUIRED');
    expect((await ok(vendor.api.call('GET', '/invoices?type=customer&id=' + shop))).total).toBe(0);
  });
});

describe('webhook delivery across the lifecycles', () => {
  it('delivered every event exactly once although the receiver failed twice each time', async () => {
    await eventually(async () => {
      const pending = await rig.ts.server.core.db.kysely.selectFrom('billing_webhook_deliveries').select('delivery_id').where('status', '<>', 'succeeded').execute();
      expect(pending).toHaveLength(0);
    });
    const events = await rig.ts.server.core.db.kysely.selectFrom('billing_webhook_events').select('event_id').where('vendor_client_id', '=', vendor.clientId).execute();
    const ids = receiver.accepted.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(events.map((e) => e.event_id)));
    for (const id of ids) expect(receiver.attempts.get(id)).toBe(3);
    expect(receiver.invalid()).toBe(0);
    expect(ids.length).toBeGreaterThan(50);
    const metrics = await (await fetch(`${rig.ts.url}/metrics`)).text();
    const counter = (outcome: string) => Number(new RegExp(`^psif_webhook_attempts_total\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
    expect(counter('succeeded')).toBe(ids.length);
    expect(counter('retry')).toBe(2 * ids.length);
  });
});

