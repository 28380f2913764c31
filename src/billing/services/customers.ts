import type { BillingEnv } from '../../platform/db/schema.js';
import { billingError } from '../billing-errors.js';
import type { CardInput } from '../gateway/payment-gateway.js';
import { type Customer, type UnitOfWork, nextVersion } from '../model.js';
import { ComponentCache, findCustomer, getCustomer, saveCustomer } from '../storage/billing-repository.js';
import { customerView } from '../views.js';
import type { WebhookEventType } from '../webhooks/events.js';
import type { BillingEngine } from './engine.js';

export interface CustomerInput {
  id: string;
  type: 'shop' | 'user';
  email?: string | null | undefined;
  locale?: string | null | undefined;
  parentId?: string | null | undefined;
  createdFromIp?: string | null | undefined;
  createdBy?: string | null | undefined;
}

export interface BillingAddress {
  first_name?: string | undefined;
  last_name?: string | undefined;
  company?: string | undefined;
  line1?: string | undefined;
  line2?: string | undefined;
  city?: string | undefined;
  zip?: string | undefined;
  country: string;
}

/**
 * Billing customers: a shop (child) with its owner (parent), or a user (billing.md §2.1). A shop's
 * payment method, invoices and subscriptions are its own. Customer events go to the vendors the customer
 * has subscriptions with: a customer created before any subscription reaches nobody, as at PrestaShop.
 */
export class BillingCustomers {
  constructor(private readonly engine: BillingEngine) {}

  newCustomer(env: BillingEnv, input: CustomerInput, now: number): Customer {
    return {
      env,
      customer_id: input.id,
      type: input.type,
      parent_id: input.parentId ?? null,
      email: input.email ?? null,
      locale: input.locale ?? null,
      billing_address: null,
      vat_number: null,
      payment_method: null,
      created_from_ip: input.createdFromIp ?? null,
      created_by: input.createdBy ?? null,
      clock_at: null,
      resource_version: now,
      created_at: now,
      updated_at: now,
    };
  }

  async create(env: BillingEnv, input: CustomerInput): Promise<Customer> {
    return this.engine.unit(env, async (uow) => {
      if (await findCustomer(uow.trx, env, input.id)) throw billingError('CUSTOMER_ALREADY_EXISTS', `customer "${input.id}" exists`);
      const customer = this.newCustomer(env, input, uow.realNow);
      await uow.trx.insertInto('billing_customers').values(customer).execute();
      return customer;
    });
  }

  /** The customer of a subscription being created: created on the way (customer.created goes to that vendor). */
  async ensure(uow: UnitOfWork, input: CustomerInput, vendorClientId: string): Promise<Customer> {
    const existing = await findCustomer(uow.trx, uow.env, input.id);
    if (existing) return existing;
    const customer = this.newCustomer(uow.env, input, uow.realNow);
    await uow.trx.insertInto('billing_customers').values(customer).execute();
    this.emit(uow, 'customer.created', customer, [vendorClientId]);
    return customer;
  }

  async get(env: BillingEnv, customerId: string): Promise<Customer> {
    return getCustomer(this.engine.db.kysely, env, customerId);
  }

  async update(env: BillingEnv, customerId: string, changes: { email?: string | null | undefined; locale?: string | null | undefined; parentId?: string | null | undefined }): Promise<Customer> {
    return this.change(env, customerId, 'customer.updated', (customer) => ({
      ...customer,
      email: changes.email === undefined ? customer.email : changes.email,
      locale: changes.locale === undefined ? customer.locale : changes.locale,
      parent_id: changes.parentId === undefined ? customer.parent_id : changes.parentId,
    }));
  }

  async setBillingAddress(env: BillingEnv, customerId: string, address: BillingAddress, vatNumber: string | null | undefined): Promise<Customer> {
    return this.change(env, customerId, 'customer-billing-address.updated', (customer) => ({
      ...customer,
      billing_address: JSON.stringify({ ...address, country: address.country.toUpperCase(), validation_status: 'not_validated' }),
      vat_number: vatNumber === undefined ? customer.vat_number : vatNumber,
    }));
  }

  /**
   * Attaches a card through the environment's gateway (the number itself is never stored). Subscriptions
   * in dunning are retried at once with it, as a customer who fixes their card expects.
   */
  async setPaymentMethod(env: BillingEnv, customerId: string, card: CardInput): Promise<Customer> {
    const current = await this.get(env, customerId);
    const method = await this.engine.gateway(env).attach(card, this.engine.now(current));
    return this.engine.unit(env, async (uow) => {
      const before = await getCustomer(uow.trx, env, customerId);
      const after = await this.save(uow, before, { ...before, payment_method: JSON.stringify(method) });
      this.emit(uow, 'customer.updated', after, await this.vendorsOf(uow, customerId));
      const due = await uow.trx.selectFrom('billing_subscriptions').selectAll().where('env', '=', env).where('customer_id', '=', customerId).where('due_invoices_count', '>', 0).where('status', '<>', 'cancelled').execute();
      const cache = new ComponentCache(uow.trx, env);
      for (const sub of due) await this.engine.retryPayment(uow, sub, after, cache, this.engine.now(after));
      return after;
    });
  }

  private async change(env: BillingEnv, customerId: string, event: WebhookEventType, apply: (customer: Customer) => Customer): Promise<Customer> {
    return this.engine.unit(env, async (uow) => {
      const before = await getCustomer(uow.trx, env, customerId);
      const after = await this.save(uow, before, apply(before));
      this.emit(uow, event, after, await this.vendorsOf(uow, customerId));
      return after;
    });
  }

  async save(uow: UnitOfWork, before: Customer, after: Customer): Promise<Customer> {
    const saved = { ...after, resource_version: nextVersion(before.resource_version, uow.realNow), updated_at: this.engine.now(after) };
    await saveCustomer(uow.trx, before, saved);
    return saved;
  }

  async vendorsOf(uow: UnitOfWork, customerId: string): Promise<string[]> {
    const rows = await uow.trx.selectFrom('billing_subscriptions').select('vendor_client_id').distinct().where('env', '=', uow.env).where('customer_id', '=', customerId).execute();
    return rows.map((row) => row.vendor_client_id);
  }

  emit(uow: UnitOfWork, type: WebhookEventType, customer: Customer, vendors: string[]): void {
    const view = customerView(customer);
    const data =
      type === 'customer-billing-address.updated'
        ? { customer: view, billingAddress: view.billing_address, vatNumber: customer.vat_number }
        : { customer: view, chargebeeCustomerId: customer.customer_id, shopId: customer.type === 'shop' ? customer.customer_id : null, createdFromIp: customer.created_from_ip };
    for (const vendorClientId of vendors) {
      uow.events.push({ type, env: uow.env, vendorClientId, resourceVersion: customer.resource_version, occurredAt: this.engine.now(customer), data });
    }
  }
}
