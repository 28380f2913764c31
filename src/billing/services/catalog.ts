import type { Kysely } from 'kysely';
import type { BillingEnv, BillingProductTable, Database } from '../../platform/db/schema.js';
import { billingError } from '../billing-errors.js';
import type { Component } from '../model.js';
import { type Tier, validateTiers } from '../pricing.js';
import { getComponent } from '../storage/billing-repository.js';

export interface ProductInput {
  id: string;
  name: string;
  description?: string | null | undefined;
}

export interface ComponentInput {
  id: string;
  componentType: 'plan' | 'addon' | 'charge';
  componentGroupId?: string | undefined;
  pricingModel: 'flat_fee' | 'per_unit' | 'stairstep';
  isUsageBased?: boolean | undefined;
  price?: number | undefined;
  tiers?: Tier[] | undefined;
  currencyCode?: string | undefined;
  billingPeriodUnit?: 'month' | 'year' | undefined;
  trialPeriodValue?: number | undefined;
  trialPeriodUnit?: 'day' | 'week' | 'month' | 'year' | undefined;
  freeQuantity?: number | undefined;
  mandatoryComponentIds?: string[] | undefined;
  unitDescription?: string | undefined;
}

export interface ComponentFilter {
  status?: Component['status'] | undefined;
  componentType?: Component['component_type'] | undefined;
  periodUnit?: 'day' | 'month' | 'year' | undefined;
}

/**
 * Products and their components (plans, addons, charges), owned by a vendor. Prices are immutable once
 * created, as item prices are at Chargebee: a new price is a new component, and the old one is archived,
 * so existing subscriptions and invoices keep meaning what they meant.
 */
export class BillingCatalog {
  constructor(private readonly db: Kysely<Database>) {}

  async createProduct(env: BillingEnv, vendorClientId: string, input: ProductInput): Promise<BillingProductTable> {
    const now = Date.now();
    const row: BillingProductTable = { env, product_id: input.id, vendor_client_id: vendorClientId, name: input.name, description: input.description ?? null, status: 'active', created_at: now, updated_at: now };
    const inserted = await this.db.insertInto('billing_products').values(row).onConflict((c) => c.columns(['env', 'product_id']).doNothing()).executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) throw billingError('PRODUCT_ALREADY_EXISTS', `a product "${input.id}" exists`);
    return row;
  }

  async findProduct(env: BillingEnv, productId: string): Promise<BillingProductTable | undefined> {
    return this.db.selectFrom('billing_products').selectAll().where('env', '=', env).where('product_id', '=', productId).executeTakeFirst();
  }

  async product(env: BillingEnv, productId: string): Promise<BillingProductTable> {
    const row = await this.findProduct(env, productId);
    if (!row) throw billingError('PRODUCT_NOT_FOUND', `no product "${productId}"`);
    return row;
  }

  /** The product, which the vendor must own (403 otherwise: another vendor's product is not yours to see or change). */
  async ownedProduct(env: BillingEnv, vendorClientId: string, productId: string): Promise<BillingProductTable> {
    const row = await this.product(env, productId);
    if (row.vendor_client_id !== vendorClientId) throw billingError('FORBIDDEN', `product "${productId}" belongs to another vendor`);
    return row;
  }

  async products(env: BillingEnv, vendorClientId: string): Promise<BillingProductTable[]> {
    return this.db.selectFrom('billing_products').selectAll().where('env', '=', env).where('vendor_client_id', '=', vendorClientId).orderBy('product_id').execute();
  }

  async updateProduct(env: BillingEnv, vendorClientId: string, productId: string, changes: { name?: string | undefined; description?: string | null | undefined; status?: 'active' | 'archived' | undefined }): Promise<BillingProductTable> {
    const row = await this.ownedProduct(env, vendorClientId, productId);
    const updated = { ...row, ...definedOnly(changes), updated_at: Date.now() };
    await this.db.updateTable('billing_products').set({ name: updated.name, description: updated.description, status: updated.status, updated_at: updated.updated_at }).where('env', '=', env).where('product_id', '=', productId).execute();
    return updated;
  }

  async createComponent(env: BillingEnv, vendorClientId: string, productId: string, input: ComponentInput): Promise<Component> {
    await this.ownedProduct(env, vendorClientId, productId);
    const isPlan = input.componentType === 'plan';
    if (isPlan && !input.billingPeriodUnit) throw billingError('VALIDATION_FAILED', 'body.billingPeriodUnit is required for a plan');
    if (!isPlan && (input.billingPeriodUnit || input.trialPeriodValue)) throw billingError('VALIDATION_FAILED', 'only plans have a billingPeriodUnit and a trial');
    if ((input.trialPeriodValue === undefined) !== (input.trialPeriodUnit === undefined)) throw billingError('VALIDATION_FAILED', 'body.trialPeriodValue and body.trialPeriodUnit go together');
    if (input.pricingModel === 'stairstep') {
      if (input.price !== undefined) throw billingError('VALIDATION_FAILED', 'a stairstep component has tiers, not a price');
      validateTiers(input.tiers ?? []);
    } else {
      if (input.price === undefined) throw billingError('VALIDATION_FAILED', `body.price is required for ${input.pricingModel}`);
      if (input.tiers?.length) throw billingError('VALIDATION_FAILED', `a ${input.pricingModel} component has a price, not tiers`);
    }
    const currency = input.currencyCode ?? 'EUR';
    for (const id of input.mandatoryComponentIds ?? []) {
      const addon = await getComponent(this.db, env, id);
      if (addon.product_id !== productId || addon.component_type !== 'addon' || addon.currency !== currency) throw billingError('INVALID_COMPONENT', `mandatory component "${id}" must be an addon of "${productId}" in ${currency}`);
    }
    if (!isPlan && input.mandatoryComponentIds?.length) throw billingError('VALIDATION_FAILED', 'only plans have mandatory components');
    const now = Date.now();
    const row: Component = {
      env,
      component_id: input.id,
      product_id: productId,
      component_type: input.componentType,
      group_id: input.componentGroupId ?? input.id,
      status: 'active',
      pricing_model: input.pricingModel,
      is_usage_based: input.isUsageBased ? 1 : 0,
      price: input.price ?? null,
      tiers: input.pricingModel === 'stairstep' ? JSON.stringify(input.tiers) : null,
      currency,
      billing_period_unit: input.billingPeriodUnit ?? null,
      trial_period_value: input.trialPeriodValue ?? null,
      trial_period_unit: input.trialPeriodUnit ?? null,
      free_quantity: input.freeQuantity ?? 0,
      mandatory_component_ids: JSON.stringify(input.mandatoryComponentIds ?? []),
      unit_description: input.unitDescription ?? null,
      created_at: now,
      updated_at: now,
    };
    const inserted = await this.db.insertInto('billing_components').values(row).onConflict((c) => c.columns(['env', 'component_id']).doNothing()).executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) throw billingError('COMPONENT_ALREADY_EXISTS', `a component "${input.id}" exists`);
    return row;
  }

  async components(env: BillingEnv, productId: string, filter: ComponentFilter): Promise<Component[]> {
    await this.product(env, productId);
    let query = this.db.selectFrom('billing_components').selectAll().where('env', '=', env).where('product_id', '=', productId);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.componentType) query = query.where('component_type', '=', filter.componentType);
    if (filter.periodUnit) query = query.where('billing_period_unit', '=', filter.periodUnit as 'month');
    return query.orderBy('component_type').orderBy('component_id').execute();
  }

  async updateComponent(env: BillingEnv, vendorClientId: string, productId: string, componentId: string, changes: { status?: Component['status'] | undefined; unitDescription?: string | null | undefined }): Promise<Component> {
    await this.ownedProduct(env, vendorClientId, productId);
    const row = await getComponent(this.db, env, componentId);
    if (row.product_id !== productId) throw billingError('COMPONENT_NOT_FOUND', `no component "${componentId}" in product "${productId}"`);
    const updated: Component = {
      ...row,
      status: changes.status ?? row.status,
      unit_description: changes.unitDescription === undefined ? row.unit_description : changes.unitDescription,
      updated_at: Date.now(),
    };
    await this.db.updateTable('billing_components').set({ status: updated.status, unit_description: updated.unit_description, updated_at: updated.updated_at }).where('env', '=', env).where('component_id', '=', componentId).execute();
    return updated;
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
