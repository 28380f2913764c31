import type { Kysely, Selectable } from 'kysely';
import type { BillingEnv, Database } from '../../platform/db/schema.js';
import { billingError } from '../billing-errors.js';
import type { Component, Customer, Invoice, Subscription } from '../model.js';
import { type SubscriptionSnapshot, addonsOf } from '../views.js';

/** Reads and guarded writes of billing rows; every function takes the transaction it runs in. */

export async function findCustomer(db: Kysely<Database>, env: BillingEnv, customerId: string): Promise<Customer | undefined> {
  return db.selectFrom('billing_customers').selectAll().where('env', '=', env).where('customer_id', '=', customerId).executeTakeFirst();
}

export async function getCustomer(db: Kysely<Database>, env: BillingEnv, customerId: string): Promise<Customer> {
  const customer = await findCustomer(db, env, customerId);
  if (!customer) throw billingError('CUSTOMER_NOT_FOUND', `no customer "${customerId}"`);
  return customer;
}

export async function findComponent(db: Kysely<Database>, env: BillingEnv, componentId: string): Promise<Component | undefined> {
  return db.selectFrom('billing_components').selectAll().where('env', '=', env).where('component_id', '=', componentId).executeTakeFirst();
}

export async function getComponent(db: Kysely<Database>, env: BillingEnv, componentId: string): Promise<Component> {
  const component = await findComponent(db, env, componentId);
  if (!component) throw billingError('COMPONENT_NOT_FOUND', `no component "${componentId}"`);
  return component;
}

export async function findSubscription(db: Kysely<Database>, env: BillingEnv, subscriptionId: string): Promise<Subscription | undefined> {
  return db.selectFrom('billing_subscriptions').selectAll().where('env', '=', env).where('subscription_id', '=', subscriptionId).executeTakeFirst();
}

export async function getSubscription(db: Kysely<Database>, env: BillingEnv, subscriptionId: string): Promise<Subscription> {
  const sub = await findSubscription(db, env, subscriptionId);
  if (!sub) throw billingError('SUBSCRIPTION_NOT_FOUND', `no subscription "${subscriptionId}"`);
  return sub;
}

/** The customer's subscription to a product: the one not cancelled, else the latest. */
export async function findCustomerSubscription(db: Kysely<Database>, env: BillingEnv, customerId: string, productId: string): Promise<Subscription | undefined> {
  const rows = await db
    .selectFrom('billing_subscriptions')
    .selectAll()
    .where('env', '=', env)
    .where('customer_id', '=', customerId)
    .where('product_id', '=', productId)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.find((row) => row.status !== 'cancelled') ?? rows[0];
}

/**
 * What the transitions of one unit of work read again and again: components, customers, and (prefetched
 * for a batch) pending charges at term.
 */
export class ComponentCache {
  private readonly cache = new Map<string, Component>();
  private readonly customers = new Map<string, Customer>();
  private charges: Map<string, Selectable<Database['billing_charges']>[]> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly env: BillingEnv,
  ) {}

  async get(componentId: string): Promise<Component> {
    const cached = this.cache.get(componentId);
    if (cached) return cached;
    const component = await getComponent(this.db, this.env, componentId);
    this.cache.set(componentId, component);
    return component;
  }

  /** A customer as read in this unit of work (transitions do not change customers). */
  async customer(customerId: string): Promise<Customer> {
    let customer = this.customers.get(customerId);
    if (!customer) {
      customer = await getCustomer(this.db, this.env, customerId);
      this.customers.set(customerId, customer);
    }
    return customer;
  }

  /** Reads the customers and pending charges of a batch of subscriptions in two queries. */
  async prefetch(subs: Subscription[]): Promise<void> {
    const ids = [...new Set(subs.map((sub) => sub.customer_id))].filter((id) => !this.customers.has(id));
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db.selectFrom('billing_customers').selectAll().where('env', '=', this.env).where('customer_id', 'in', ids.slice(i, i + 500)).execute();
      for (const row of rows) this.customers.set(row.customer_id, row);
    }
    this.charges = new Map(subs.map((sub) => [sub.subscription_id, []]));
    const subIds = subs.map((sub) => sub.subscription_id);
    for (let i = 0; i < subIds.length; i += 500) {
      const rows = await this.db.selectFrom('billing_charges').selectAll().where('subscription_id', 'in', subIds.slice(i, i + 500)).where('invoice_id', 'is', null).orderBy('created_at').execute();
      for (const row of rows) this.charges.get(row.subscription_id)!.push(row);
    }
  }

  /** The prefetched pending charges of a subscription, handed out once (undefined when not prefetched). */
  takeCharges(subscriptionId: string): Selectable<Database['billing_charges']>[] | undefined {
    const charges = this.charges?.get(subscriptionId);
    if (charges) this.charges!.set(subscriptionId, []);
    return charges;
  }

  async snapshot(sub: Subscription): Promise<SubscriptionSnapshot> {
    const components = new Map<string, Component>();
    for (const addon of addonsOf(sub)) components.set(addon.componentId, await this.get(addon.componentId));
    return { sub, plan: await this.get(sub.plan_id), scheduledPlan: sub.scheduled_plan_id ? await this.get(sub.scheduled_plan_id) : null, components };
  }
}

/**
 * Writes a subscription only if nobody changed it since it was read (its resource version): the guard
 * that makes every transition happen once, whichever process or request runs it.
 */
export async function saveSubscription(db: Kysely<Database>, before: Subscription, after: Subscription): Promise<boolean> {
  // Only the columns that changed: fewer bound values, and index entries of unchanged columns stay put.
  const changes: Partial<Subscription> = {};
  for (const key of Object.keys(after) as (keyof Subscription)[]) {
    if (key !== 'subscription_id' && key !== 'env' && after[key] !== before[key]) (changes as Record<string, unknown>)[key] = after[key];
  }
  const result = await db
    .updateTable('billing_subscriptions')
    .set(changes)
    .where('subscription_id', '=', before.subscription_id)
    .where('resource_version', '=', before.resource_version)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function saveCustomer(db: Kysely<Database>, before: Customer, after: Customer): Promise<void> {
  const { env: _env, customer_id: _id, ...changes } = after;
  const result = await db
    .updateTable('billing_customers')
    .set(changes)
    .where('env', '=', before.env)
    .where('customer_id', '=', before.customer_id)
    .where('resource_version', '=', before.resource_version)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw billingError('CONCURRENT_UPDATE', `customer "${before.customer_id}" changed meanwhile; retry`);
}

export async function dueInvoices(db: Kysely<Database>, env: BillingEnv, subscriptionId: string): Promise<Invoice[]> {
  return db
    .selectFrom('billing_invoices')
    .selectAll()
    .where('env', '=', env)
    .where('subscription_id', '=', subscriptionId)
    .where('status', '=', 'payment_due')
    .orderBy('invoice_date')
    .execute();
}
