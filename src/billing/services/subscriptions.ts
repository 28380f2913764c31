import type { BillingEnv, BillingProductTable } from '../../platform/db/schema.js';
import { billingError } from '../billing-errors.js';
import { type Component, type Customer, type Subscription, type SubscriptionAddon, type UnitOfWork, newId } from '../model.js';
import { addPeriod } from '../periods.js';
import { componentAmount } from '../pricing.js';
import { ComponentCache, findCustomerSubscription, getCustomer, getSubscription } from '../storage/billing-repository.js';
import { type SubscriptionSnapshot, addonsOf, billingAddressOf } from '../views.js';
import type { BillingCatalog } from './catalog.js';
import type { BillingCustomers } from './customers.js';
import { type BillingEngine, LostRace } from './engine.js';
import { lineTax, taxRateFor } from '../tax.js';

export interface CreateSubscriptionInput {
  customerId: string;
  productId: string;
  planId: string;
  quantity?: number | undefined;
  addons?: { componentId: string; quantity?: number | undefined }[] | undefined;
  /** A start in the future makes the subscription `future` until then. */
  startDate?: number | undefined;
  customer?: { email?: string | undefined; locale?: string | undefined; parentId?: string | undefined; createdFromIp?: string | undefined } | undefined;
}

/** Called with the subscription (read in the command's transaction) before anything changes: throws to refuse. */
export type Guard = (sub: Subscription) => void;

export interface SubscriptionResult {
  snapshot: SubscriptionSnapshot;
  customer: Customer;
}

/**
 * What vendors and shops do to subscriptions (billing.md §3–4). Each command first runs what the clock
 * owes the subscription up to the customer's now, then acts at that now, in one unit of work.
 */
export class BillingSubscriptions {
  constructor(
    private readonly engine: BillingEngine,
    private readonly customers: BillingCustomers,
    private readonly catalog: BillingCatalog,
  ) {}

  async create(env: BillingEnv, input: CreateSubscriptionInput, authorize: (product: BillingProductTable) => void): Promise<SubscriptionResult> {
    const product = await this.catalog.product(env, input.productId);
    authorize(product);
    return this.unit(env, async (uow) => {
      const cache = new ComponentCache(uow.trx, env);
      const plan = await this.planOf(cache, input.planId, product.product_id);
      const addons = await this.addonsFor(cache, plan, input.addons ?? []);
      const customer = await this.customers.ensure(uow, { id: input.customerId, type: 'shop', email: input.customer?.email, locale: input.customer?.locale, parentId: input.customer?.parentId, createdFromIp: input.customer?.createdFromIp }, product.vendor_client_id);
      const existing = await findCustomerSubscription(uow.trx, env, customer.customer_id, product.product_id);
      if (existing && existing.status !== 'cancelled') throw billingError('SUBSCRIPTION_ALREADY_EXISTS', `customer "${customer.customer_id}" already has subscription ${existing.subscription_id} (${existing.status}) to "${product.product_id}"`);
      const at = this.engine.now(customer);
      const trialUsed = await uow.trx.selectFrom('billing_subscriptions').select('subscription_id').where('env', '=', env).where('customer_id', '=', customer.customer_id).where('product_id', '=', product.product_id).where('is_free_trial_used', '=', 1).executeTakeFirst();
      const trial = plan.trial_period_value !== null && plan.trial_period_unit !== null && !trialUsed;
      const startAt = input.startDate !== undefined && input.startDate > at ? input.startDate : at;
      const trialEnd = trial ? addPeriod(startAt, plan.trial_period_value as number, plan.trial_period_unit as 'day') : null;
      const sub: Subscription = {
        subscription_id: newId('sub'),
        env,
        customer_id: customer.customer_id,
        product_id: product.product_id,
        vendor_client_id: product.vendor_client_id,
        plan_id: plan.component_id,
        status: startAt > at ? 'future' : trial ? 'in_trial' : 'future',
        quantity: input.quantity ?? 1,
        scheduled_quantity: null,
        usage: 0,
        addons: JSON.stringify(addons),
        scheduled_plan_id: null,
        start_at: startAt,
        trial_start: trial ? startAt : null,
        trial_end: trialEnd,
        current_term_start: null,
        current_term_end: null,
        billing_anchor: null,
        next_billing_at: trialEnd,
        activated_at: null,
        cancelled_at: null,
        cancel_schedule_created_at: null,
        cancel_reason: null,
        paused_at: null,
        is_free_trial_used: trial ? 1 : 0,
        due_invoices_count: 0,
        due_since: null,
        total_dues: 0,
        dunning_attempt: 0,
        next_retry_at: null,
        test_clock: customer.clock_at === null ? 0 : 1,
        next_action_at: null,
        resource_version: uow.realNow,
        created_at: at,
        updated_at: at,
      };
      sub.next_action_at = this.engine.nextActionAt(sub);
      await uow.trx.insertInto('billing_subscriptions').values(sub).execute();
      if (sub.status === 'future' && startAt === at) {
        // Bought now without a trial: the first term is invoiced and must be paid, or nothing happens.
        const saved = await this.engine.activate(uow, sub, customer, cache, at, 'creation', `${sub.subscription_id}:creation`, { strict: true, event: 'subscription.created' });
        return { snapshot: await cache.snapshot(saved), customer };
      }
      const snapshot = await cache.snapshot(sub);
      this.engine.emitSubscription(uow, 'subscription.created', snapshot, customer, at);
      return { snapshot, customer };
    });
  }

  async get(env: BillingEnv, subscriptionId: string, guard: Guard): Promise<SubscriptionResult> {
    const db = this.engine.db.kysely;
    const sub = await getSubscription(db, env, subscriptionId);
    guard(sub);
    return { snapshot: await new ComponentCache(db, env).snapshot(sub), customer: await getCustomer(db, env, sub.customer_id) };
  }

  async ofCustomer(env: BillingEnv, customerId: string, productId: string, guard: Guard): Promise<SubscriptionResult> {
    const db = this.engine.db.kysely;
    const sub = await findCustomerSubscription(db, env, customerId, productId);
    if (!sub) throw billingError('SUBSCRIPTION_NOT_FOUND', `customer "${customerId}" has no subscription to "${productId}"`);
    guard(sub);
    return { snapshot: await new ComponentCache(db, env).snapshot(sub), customer: await getCustomer(db, env, sub.customer_id) };
  }

  async cancel(env: BillingEnv, subscriptionId: string, guard: Guard, endOfTerm: boolean): Promise<SubscriptionResult> {
    return this.command(env, subscriptionId, guard, async (uow, sub, customer, cache, at) => {
      if (sub.status === 'cancelled') throw transition(sub, 'cancel');
      const scheduledAlready = sub.cancel_schedule_created_at !== null;
      if (!endOfTerm || sub.status === 'future' || sub.status === 'paused') return this.engine.cancelNow(uow, sub, customer, cache, at, 'cancelled');
      if (scheduledAlready) throw billingError('INVALID_STATUS_TRANSITION', `subscription ${sub.subscription_id} is already cancelled at the end of its term`);
      const endsAt = sub.status === 'in_trial' ? (sub.trial_end as number) : (sub.current_term_end as number);
      const next: Subscription = { ...sub, status: sub.status === 'in_trial' ? 'in_trial' : 'non_renewing', cancelled_at: endsAt, cancel_schedule_created_at: at, next_billing_at: null, scheduled_plan_id: null, scheduled_quantity: null };
      const saved = await this.engine.commit(uow, sub, next, at);
      this.engine.emitSubscription(uow, 'subscription.status-updated', await cache.snapshot(saved), customer, at);
      return saved;
    });
  }

  async reactivate(env: BillingEnv, subscriptionId: string, guard: Guard): Promise<SubscriptionResult> {
    return this.command(env, subscriptionId, guard, async (uow, sub, customer, cache, at) => {
      if (sub.status === 'cancelled') {
        const other = await findCustomerSubscription(uow.trx, env, sub.customer_id, sub.product_id);
        if (other && other.status !== 'cancelled') throw billingError('SUBSCRIPTION_ALREADY_EXISTS', `customer "${sub.customer_id}" has subscription ${other.subscription_id} to "${sub.product_id}" already`);
        return this.engine.activate(uow, sub, customer, cache, at, 'activation', `${sub.subscription_id}:activation:${at}`, { strict: true, base: { ...sub, trial_start: sub.trial_start, usage: 0 } });
      }
      if (sub.cancel_schedule_created_at === null || (sub.status !== 'non_renewing' && sub.status !== 'in_trial')) throw transition(sub, 'reactivate');
      const next: Subscription = {
        ...sub,
        status: sub.status === 'in_trial' ? 'in_trial' : 'active',
        cancelled_at: null,
        cancel_schedule_created_at: null,
        next_billing_at: sub.status === 'in_trial' ? sub.trial_end : sub.current_term_end,
      };
      const saved = await this.engine.commit(uow, sub, next, at);
      this.engine.emitSubscription(uow, 'subscription.status-updated', await cache.snapshot(saved), customer, at);
      return saved;
    });
  }

  async pause(env: BillingEnv, subscriptionId: string, guard: Guard): Promise<SubscriptionResult> {
    return this.command(env, subscriptionId, guard, async (uow, sub, customer, cache, at) => {
      if (sub.status !== 'active') throw transition(sub, 'pause');
      const saved = await this.engine.commit(uow, sub, { ...sub, status: 'paused', paused_at: at, next_billing_at: null }, at);
      this.engine.emitSubscription(uow, 'subscription.status-updated', await cache.snapshot(saved), customer, at);
      return saved;
    });
  }

  /** A paused subscription resumes with a new term from now, invoiced and paid at once. */
  async resume(env: BillingEnv, subscriptionId: string, guard: Guard): Promise<SubscriptionResult> {
    return this.command(env, subscriptionId, guard, async (uow, sub, customer, cache, at) => {
      if (sub.status !== 'paused') throw transition(sub, 'resume');
      return this.engine.activate(uow, sub, customer, cache, at, 'activation', `${sub.subscription_id}:activation:${at}`, { strict: true, base: { ...sub, usage: 0 } });
    });
  }

  /**
   * A plan change (gateway A5). Upgrades (a higher price for the term) apply now with a prorated invoice;
   * downgrades, and billing-period changes within a plan group, wait for the end of the term.
   */
  async changePlan(env: BillingEnv, subscriptionId: string, guard: Guard, componentId: string, couponCode: string | undefined): Promise<SubscriptionResult> {
    if (couponCode !== undefined) throw billingError('COUPON_NOT_FOUND', `no coupon "${couponCode}"`);
    return this.command(env, subscriptionId, guard, async (uow, sub, customer, cache, at) => {
      if (sub.status !== 'active' && sub.status !== 'in_trial' && sub.status !== 'future') throw transition(sub, 'change its plan');
      const current = await cache.get(sub.plan_id);
      const target = await this.planOf(cache, componentId, sub.product_id);
      if (target.currency !== current.currency) throw billingError('INVALID_COMPONENT', `plan "${componentId}" is in ${target.currency}, the subscription in ${current.currency}`);
      if (target.component_id === current.component_id) {
        if (sub.scheduled_plan_id === null) throw billingError('SAME_PLAN', `subscription ${sub.subscription_id} is on "${componentId}" already`);
        // Back to the current plan: the scheduled change is dropped.
        return this.saveChange(uow, sub, { ...sub, scheduled_plan_id: null }, customer, cache, at);
      }
      const periodChange = target.billing_period_unit !== current.billing_period_unit;
      if (periodChange && target.group_id !== current.group_id) throw billingError('PLAN_AND_PERIOD_CHANGE_NOT_SUPPORTED', `"${componentId}" changes both the plan and the billing period; change one, then the other`);
      const addons = await this.addonsFor(cache, target, addonsOf(sub).map((a) => ({ componentId: a.componentId, quantity: a.quantity })), addonsOf(sub));
      if (sub.status !== 'active') return this.saveChange(uow, sub, { ...sub, plan_id: target.component_id, scheduled_plan_id: null, addons: JSON.stringify(addons) }, customer, cache, at);
      const upgrade = !periodChange && termPrice(target, sub.quantity) > termPrice(current, sub.quantity);
      if (!upgrade) return this.saveChange(uow, sub, { ...sub, scheduled_plan_id: target.component_id }, customer, cache, at);
      const before = await cache.snapshot(sub);
      const next: Subscription = { ...sub, plan_id: target.component_id, scheduled_plan_id: null, addons: JSON.stringify(addons) };
      const after = await cache.snapshot(next);
      const billed = await this.engine.bill(uow, { snapshot: after, customer, reason: 'upgrade', key: `${sub.subscription_id}:upgrade:${sub.resource_version}`, at, periodStart: at, periodEnd: sub.current_term_end as number, lines: [this.engine.prorationLine(before, after, at)] });
      if (!billed.paid) throw billingError('PAYMENT_DECLINED', `the prorated upgrade was declined (${billed.errorCode ?? 'declined'}); the plan is unchanged`);
      const saved = await this.engine.commit(uow, sub, next, at);
      const view = this.engine.emitSubscription(uow, 'subscription.updated', await cache.snapshot(saved), customer, at);
      this.engine.emitPayments(uow, [billed], view, customer, at);
      return saved;
    });
  }

  /** Drops a scheduled plan change and scheduled quantities. */
  async removeScheduledChanges(env: BillingEnv, subscriptionId: string, guard: Guard): Promise<SubscriptionResult> {
    return this.command(env, subscriptionId, guard, async (uow, sub, customer, cache, at) => {
      const addons = addonsOf(sub).map(({ scheduledQuantity: _s, ...addon }) => addon);
      return this.saveChange(uow, sub, { ...sub, scheduled_plan_id: null, scheduled_quantity: null, addons: JSON.stringify(addons) }, customer, cache, at);
    });
  }

  /**
   * The quantity an item is billed at from the next invoice on (gateway A2: SET; internal route: UPDATE
   * adds to it). Stairstep items pick their step from it then.
   */
  async setQuantity(env: BillingEnv, subscriptionId: string, guard: Guard, itemId: string | null, change: { action: 'SET' | 'UPDATE'; quantity: number }): Promise<SubscriptionResult & { itemId: string; quantity: number }> {
    let result = { itemId: '', quantity: 0 };
    const done = await this.command(env, subscriptionId, guard, async (uow, sub, customer, cache, at) => {
      if (sub.status === 'cancelled') throw transition(sub, 'change a quantity');
      const item = await this.item(cache, sub, itemId ?? sub.plan_id);
      if (item.component.is_usage_based) throw billingError('NOT_USAGE_BASED', `"${item.component.component_id}" is usage-based: report usage instead of a quantity`);
      const base = item.addon ? (item.addon.scheduledQuantity ?? item.addon.quantity) : (sub.scheduled_quantity ?? sub.quantity);
      const quantity = change.action === 'SET' ? change.quantity : base + change.quantity;
      if (!Number.isInteger(quantity) || quantity < 1) throw billingError('INVALID_QUANTITY', `the quantity would be ${quantity}; it must be at least 1`);
      result = { itemId: item.component.component_id, quantity };
      const next: Subscription = item.addon
        ? { ...sub, addons: JSON.stringify(addonsOf(sub).map((a) => (a.componentId === item.component.component_id ? { ...a, scheduledQuantity: quantity } : a))) }
        : { ...sub, scheduled_quantity: quantity };
      return this.saveChange(uow, sub, next, customer, cache, at);
    });
    return { ...done, ...result };
  }

  /** Usage reported for a usage-based item (gateway A3): added to the term's usage, billed at its end. */
  async addUsage(env: BillingEnv, subscriptionId: string, guard: Guard, itemId: string, usage: number): Promise<SubscriptionResult & { usage: number }> {
    let total = 0;
    const done = await this.command(env, subscriptionId, guard, async (uow, sub, customer, cache, at) => {
      if (sub.status !== 'active' && sub.status !== 'non_renewing' && sub.status !== 'in_trial') throw transition(sub, 'report usage');
      const item = await this.item(cache, sub, itemId);
      if (!item.component.is_usage_based) throw billingError('NOT_USAGE_BASED', `"${itemId}" is not usage-based: set its quantity instead`);
      let next: Subscription;
      if (item.addon) {
        total = item.addon.usage + usage;
        next = { ...sub, addons: JSON.stringify(addonsOf(sub).map((a) => (a.componentId === itemId ? { ...a, usage: total } : a))) };
      } else {
        total = sub.usage + usage;
        next = { ...sub, usage: total };
      }
      return this.saveChange(uow, sub, next, customer, cache, at, false);
    });
    return { ...done, usage: total };
  }

  /** A one-off amount added to the next invoice (gateway A4). */
  async addChargeAtTerm(env: BillingEnv, subscriptionId: string, guard: Guard, amount: number, description: string): Promise<SubscriptionResult> {
    return this.command(env, subscriptionId, guard, async (uow, sub, _customer, _cache, at) => {
      if (sub.status !== 'active' && sub.status !== 'non_renewing') throw transition(sub, 'add a charge at term');
      await uow.trx.insertInto('billing_charges').values({ charge_id: newId('cat'), env, subscription_id: sub.subscription_id, amount, description, invoice_id: null, created_at: at }).execute();
      return sub;
    });
  }

  /**
   * A price preview (gateway A6): for a new subscription, what is due now and at the next billing; for a
   * plan change of `subscriptionId`, the prorated amount of an upgrade (a downgrade is due at term end).
   */
  async estimate(env: BillingEnv, input: { componentId: string; customerId: string; productId: string; quantity?: number | undefined; subscriptionId?: string | undefined }, guard: Guard) {
    const db = this.engine.db.kysely;
    const cache = new ComponentCache(db, env);
    await this.catalog.product(env, input.productId);
    const plan = await this.planOf(cache, input.componentId, input.productId);
    const customer = await getCustomer(db, env, input.customerId);
    const taxRate = taxRateFor(billingAddressOf(customer)?.country);
    const at = this.engine.now(customer);
    const quantity = input.quantity ?? 1;
    let dueNow: { amount: number; description: string; entityType: 'plan_item_price' }[] = [];
    let next = termPrice(plan, quantity);
    if (input.subscriptionId) {
      const sub = await getSubscription(db, env, input.subscriptionId);
      guard(sub);
      if (sub.customer_id !== customer.customer_id || sub.product_id !== input.productId) throw billingError('SUBSCRIPTION_NOT_FOUND', `subscription ${sub.subscription_id} is not the customer's subscription to "${input.productId}"`);
      const current = await cache.get(sub.plan_id);
      const q = input.quantity ?? sub.quantity;
      if (sub.status === 'active' && termPrice(plan, q) > termPrice(current, sub.quantity) && plan.billing_period_unit === current.billing_period_unit) {
        const before = await cache.snapshot(sub);
        const after = await cache.snapshot({ ...sub, plan_id: plan.component_id, quantity: q });
        const line = this.engine.prorationLine(before, after, at);
        dueNow = [{ amount: line.amount, description: line.description, entityType: 'plan_item_price' }];
      }
      next = termPrice(plan, q);
    } else {
      const trialUsed = await db.selectFrom('billing_subscriptions').select('subscription_id').where('env', '=', env).where('customer_id', '=', customer.customer_id).where('product_id', '=', input.productId).where('is_free_trial_used', '=', 1).executeTakeFirst();
      const trial = plan.trial_period_value !== null && !trialUsed;
      if (!trial && next > 0) dueNow = [{ amount: next, description: `${plan.component_id} (${quantity} × ${plan.billing_period_unit})`, entityType: 'plan_item_price' }];
    }
    const subTotal = dueNow.reduce((sum, line) => sum + line.amount, 0);
    const tax = dueNow.reduce((sum, line) => sum + lineTax(line.amount, taxRate), 0);
    const country = billingAddressOf(customer)?.country ?? null;
    return {
      coupon: null,
      invoiceEstimate: {
        currencyCode: plan.currency,
        subTotal,
        total: subTotal + tax,
        amountDue: subTotal + tax,
        nextBillingPeriodAmountDue: next + lineTax(next, taxRate),
        discounts: [],
        taxes: tax > 0 ? [{ name: `VAT ${country}`, amount: tax }] : [],
        lineItemTaxes: taxRate > 0 ? [{ taxJurisName: country as string, taxRate: taxRate / 100 }] : [],
        lineItems: dueNow.map((line) => ({ ...line, taxAmount: lineTax(line.amount, taxRate) })),
      },
    };
  }

  // ---- helpers ------------------------------------------------------------------------------------

  private async unit<T>(env: BillingEnv, work: (uow: UnitOfWork) => Promise<T>): Promise<T> {
    try {
      return await this.engine.unit(env, work);
    } catch (error) {
      if (error instanceof LostRace) throw billingError('CONCURRENT_UPDATE', error.message);
      if (isUniqueViolation(error)) throw billingError('SUBSCRIPTION_ALREADY_EXISTS', 'the customer already has a subscription to this product');
      throw error;
    }
  }

  private async command(env: BillingEnv, subscriptionId: string, guard: Guard, act: (uow: UnitOfWork, sub: Subscription, customer: Customer, cache: ComponentCache, at: number) => Promise<Subscription>): Promise<SubscriptionResult> {
    return this.unit(env, async (uow) => {
      const read = await getSubscription(uow.trx, env, subscriptionId);
      guard(read);
      const cache = new ComponentCache(uow.trx, env);
      const customer = await getCustomer(uow.trx, env, read.customer_id);
      const at = this.engine.now(customer);
      const sub = await this.engine.catchUp(uow, read, cache, at);
      const saved = await act(uow, sub, await getCustomer(uow.trx, env, read.customer_id), cache, at);
      return { snapshot: await cache.snapshot(saved), customer };
    });
  }

  private async saveChange(uow: UnitOfWork, before: Subscription, after: Subscription, customer: Customer, cache: ComponentCache, at: number, emit = true): Promise<Subscription> {
    const saved = await this.engine.commit(uow, before, after, at);
    if (emit) this.engine.emitSubscription(uow, 'subscription.updated', await cache.snapshot(saved), customer, at);
    return saved;
  }

  private async planOf(cache: ComponentCache, componentId: string, productId: string): Promise<Component> {
    const plan = await cache.get(componentId);
    if (plan.product_id !== productId || plan.component_type !== 'plan') throw billingError('INVALID_COMPONENT', `"${componentId}" is not a plan of "${productId}"`);
    if (plan.status !== 'active') throw billingError('INVALID_COMPONENT', `plan "${componentId}" is ${plan.status}`);
    return plan;
  }

  /** The plan's mandatory addons plus the requested ones, checked; usage and scheduled quantities kept from `previous`. */
  private async addonsFor(cache: ComponentCache, plan: Component, requested: { componentId: string; quantity?: number | undefined }[], previous: SubscriptionAddon[] = []): Promise<SubscriptionAddon[]> {
    const wanted = new Map<string, number>();
    for (const id of JSON.parse(plan.mandatory_component_ids) as string[]) wanted.set(id, 1);
    for (const addon of requested) wanted.set(addon.componentId, addon.quantity ?? wanted.get(addon.componentId) ?? 1);
    const result: SubscriptionAddon[] = [];
    for (const [componentId, quantity] of wanted) {
      const component = await cache.get(componentId);
      if (component.product_id !== plan.product_id || component.component_type !== 'addon' || component.currency !== plan.currency) throw billingError('INVALID_COMPONENT', `"${componentId}" is not an addon of "${plan.product_id}" in ${plan.currency}`);
      if (component.status !== 'active' && !previous.some((p) => p.componentId === componentId)) throw billingError('INVALID_COMPONENT', `addon "${componentId}" is ${component.status}`);
      if (!Number.isInteger(quantity) || quantity < 1) throw billingError('INVALID_QUANTITY', `addon "${componentId}" quantity must be at least 1`);
      const kept = previous.find((p) => p.componentId === componentId);
      result.push({ componentId, quantity, usage: kept?.usage ?? 0, ...(kept?.scheduledQuantity !== undefined ? { scheduledQuantity: kept.scheduledQuantity } : {}) });
    }
    return result;
  }

  private async item(cache: ComponentCache, sub: Subscription, itemId: string): Promise<{ component: Component; addon: SubscriptionAddon | null }> {
    if (itemId === sub.plan_id) return { component: await cache.get(sub.plan_id), addon: null };
    const addon = addonsOf(sub).find((a) => a.componentId === itemId);
    if (!addon) throw billingError('ITEM_NOT_IN_SUBSCRIPTION', `"${itemId}" is not an item of subscription ${sub.subscription_id} (its plan is "${sub.plan_id}")`);
    return { component: await cache.get(itemId), addon };
  }
}

/** A term's price for comparing plans: the amount at the quantity, or the unit price of usage-based plans. */
function termPrice(plan: Component, quantity: number): number {
  return plan.is_usage_based ? (plan.price ?? 0) : componentAmount(plan, quantity);
}

function transition(sub: Subscription, action: string) {
  return billingError('INVALID_STATUS_TRANSITION', `cannot ${action}: subscription ${sub.subscription_id} is ${sub.status}`);
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed: billing_subscriptions/.test(e?.message ?? '');
}

