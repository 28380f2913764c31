import type { BillingTransactionTable } from '../platform/db/schema.js';
import { type Component, type Customer, type Invoice, type Subscription, type SubscriptionAddon, seconds } from './model.js';
import { componentAmount, tiersOf, unitPrice } from './pricing.js';

/** A subscription with the components it refers to: what every view of it needs. */
export interface SubscriptionSnapshot {
  sub: Subscription;
  plan: Component;
  scheduledPlan: Component | null;
  /** Addon components by id. */
  components: Map<string, Component>;
}

export function addonsOf(sub: Pick<Subscription, 'addons'>): SubscriptionAddon[] {
  return JSON.parse(sub.addons) as SubscriptionAddon[];
}

export function hasScheduledChanges(sub: Subscription): boolean {
  return sub.scheduled_plan_id !== null || (sub.scheduled_quantity !== null && sub.scheduled_quantity !== sub.quantity) || addonsOf(sub).some((a) => a.scheduledQuantity !== undefined && a.scheduledQuantity !== a.quantity);
}

/** Monthly recurring revenue of a subscription: the plan and fixed addons per month (yearly divided by 12). */
export function mrr(snapshot: SubscriptionSnapshot): number {
  const { sub, plan } = snapshot;
  if (sub.status !== 'active' && sub.status !== 'non_renewing') return 0;
  let amount = plan.is_usage_based ? 0 : componentAmount(plan, sub.quantity);
  for (const addon of addonsOf(sub)) {
    const component = snapshot.components.get(addon.componentId);
    if (component && !component.is_usage_based) amount += componentAmount(component, addon.quantity);
  }
  return plan.billing_period_unit === 'year' ? Math.round(amount / 12) : amount;
}

function itemView(component: Component, quantity: number, usage: number) {
  const metered = component.is_usage_based === 1;
  const basis = metered ? usage : quantity;
  return {
    item_price_id: component.component_id,
    item_type: component.component_type,
    group_id: component.group_id,
    quantity: metered ? null : quantity,
    usage: metered ? usage : null,
    unit_price: unitPrice(component, basis),
    amount: componentAmount(component, basis),
    free_quantity: component.free_quantity,
    pricing_model: component.pricing_model,
    is_usage_based: metered,
  };
}

/** The Chargebee-shaped subscription of webhooks and `GET /customers/{shopUuid}/subscriptions/{productId}` (billing.md §2.3). */
export function subscriptionView(snapshot: SubscriptionSnapshot) {
  const { sub, plan } = snapshot;
  const planItem = itemView(plan, sub.quantity, sub.usage);
  const addonItems = addonsOf(sub).flatMap((addon) => {
    const component = snapshot.components.get(addon.componentId);
    return component ? [itemView(component, addon.quantity, addon.usage)] : [];
  });
  const scheduled = hasScheduledChanges(sub);
  const scheduledPlan = snapshot.scheduledPlan ?? plan;
  const scheduledQuantity = sub.scheduled_quantity ?? sub.quantity;
  return {
    id: sub.subscription_id,
    object: 'subscription' as const,
    customer_id: sub.customer_id,
    product_id: sub.product_id,
    plan_id: plan.component_id,
    plan_quantity: sub.quantity,
    plan_unit_price: planItem.unit_price,
    plan_amount: planItem.amount,
    plan_free_quantity: plan.free_quantity,
    pricing_model: plan.pricing_model,
    billing_period: 1,
    billing_period_unit: plan.billing_period_unit,
    currency_code: plan.currency,
    status: sub.status,
    start_date: seconds(sub.start_at),
    trial_start: seconds(sub.trial_start),
    trial_end: seconds(sub.trial_end),
    trial_end_action: 'site_default' as const,
    current_term_start: seconds(sub.current_term_start),
    current_term_end: seconds(sub.current_term_end),
    next_billing_at: seconds(sub.next_billing_at),
    created_at: seconds(sub.created_at),
    started_at: seconds(sub.trial_start ?? sub.activated_at ?? sub.start_at),
    activated_at: seconds(sub.activated_at),
    updated_at: seconds(sub.updated_at),
    cancelled_at: seconds(sub.cancelled_at),
    cancel_schedule_created_at: seconds(sub.cancel_schedule_created_at),
    cancel_reason: sub.cancel_reason,
    pause_date: seconds(sub.paused_at),
    remaining_billing_cycles: sub.cancel_schedule_created_at !== null && sub.status !== 'cancelled' ? 0 : null,
    has_scheduled_changes: scheduled,
    subscription_scheduled_changes: scheduled
      ? { item_price_id: scheduledPlan.component_id, quantity: scheduledQuantity, unit_price: unitPrice(scheduledPlan, scheduledQuantity), billing_period_unit: scheduledPlan.billing_period_unit }
      : null,
    due_invoices_count: sub.due_invoices_count,
    due_since: seconds(sub.due_since),
    total_dues: sub.total_dues,
    mrr: mrr(snapshot),
    is_free_trial_used: sub.is_free_trial_used === 1,
    deleted: false,
    resource_version: sub.resource_version,
    channel: 'web' as const,
    meta_data: { module: sub.product_id },
    subscription_items: [planItem, ...addonItems],
  };
}
export type SubscriptionView = ReturnType<typeof subscriptionView>;

/** The gateway's camelCase SubscriptionDto (the answer of PATCH /subscriptions/{id}, billing.md §2.3). */
export function subscriptionDto(snapshot: SubscriptionSnapshot) {
  const view = subscriptionView(snapshot);
  return {
    id: view.id,
    productId: view.product_id,
    shopId: view.customer_id,
    status: view.status,
    currencyCode: view.currency_code,
    billingPeriodUnit: view.billing_period_unit,
    activatedAt: view.activated_at,
    cancelledAt: view.cancelled_at,
    trialEndAt: view.trial_end,
    nextRenewalAt: view.next_billing_at,
    currentTermStart: view.current_term_start,
    currentTermEnd: view.current_term_end,
    hasScheduledChanges: view.has_scheduled_changes,
    resourceVersion: String(view.resource_version),
    subscriptionItems: view.subscription_items.map((item) => ({
      id: item.item_price_id,
      groupId: item.group_id,
      itemType: item.item_type,
      quantity: item.quantity,
      usage: item.usage,
      unitPrice: item.unit_price,
      amount: item.amount,
      freeQuantity: item.free_quantity,
    })),
    subscriptionWithScheduledChanges: view.subscription_scheduled_changes
      ? {
          componentId: view.subscription_scheduled_changes.item_price_id,
          groupId: (snapshot.scheduledPlan ?? snapshot.plan).group_id,
          billingPeriodUnit: view.subscription_scheduled_changes.billing_period_unit,
          quantity: view.subscription_scheduled_changes.quantity,
          unitPrice: view.subscription_scheduled_changes.unit_price,
        }
      : null,
  };
}

interface StoredPaymentMethod {
  type: string;
  gateway: string;
  referenceId: string;
  brand: string;
  last4: string;
  expiryMonth: number;
  expiryYear: number;
  status: string;
}

export function paymentMethodOf(customer: Customer): StoredPaymentMethod | null {
  return customer.payment_method ? (JSON.parse(customer.payment_method) as StoredPaymentMethod) : null;
}

export function billingAddressOf(customer: Pick<Customer, 'billing_address'>): Record<string, string> | null {
  return customer.billing_address ? (JSON.parse(customer.billing_address) as Record<string, string>) : null;
}

/** The Chargebee-shaped customer of webhooks and `GET /customers/{id}` (billing.md §2.1). */
export function customerView(customer: Customer) {
  const method = paymentMethodOf(customer);
  const address = billingAddressOf(customer);
  const parent = customer.parent_id ?? customer.customer_id;
  return {
    id: customer.customer_id,
    object: 'customer' as const,
    type: customer.type,
    email: customer.email,
    locale: customer.locale,
    auto_collection: 'on' as const,
    net_term_days: 0,
    taxability: 'taxable' as const,
    created_at: seconds(customer.created_at) as number,
    updated_at: seconds(customer.updated_at) as number,
    created_from_ip: customer.created_from_ip,
    resource_version: customer.resource_version,
    deleted: false,
    preferred_currency_code: 'EUR',
    vat_number: customer.vat_number,
    billing_address: address ? { ...address, object: 'billing_address' } : null,
    card_status: method ? method.status : 'no_card',
    payment_method: method
      ? { object: 'payment_method', type: method.type, reference_id: method.referenceId, gateway: method.gateway, status: method.status, brand: method.brand, last4: method.last4, expiry_month: method.expiryMonth, expiry_year: method.expiryYear }
      : null,
    relationship: customer.type === 'shop' ? { parent_id: parent, root_id: parent, payment_owner_id: customer.customer_id, invoice_owner_id: customer.customer_id } : null,
    test_clock: customer.clock_at === null ? null : seconds(customer.clock_at),
    meta_data: {},
  };
}
export type CustomerView = ReturnType<typeof customerView>;

export interface LineItem {
  invoiceLineItemId: string;
  componentId: string | null;
  entityType: 'plan_item_price' | 'addon_item_price' | 'charge_item_price' | 'adhoc';
  description: string;
  quantity: number | null;
  unitAmount: number | null;
  amount: number;
  taxRate: number;
  taxAmount: number;
  dateFrom: number;
  dateTo: number;
}

export function lineItemsOf(invoice: Pick<Invoice, 'line_items'>): LineItem[] {
  return JSON.parse(invoice.line_items) as LineItem[];
}

/** The gateway's InvoiceDto (billing.md §2.4): amounts in minor units, dates in seconds. */
export function invoiceView(invoice: Invoice) {
  return {
    invoiceId: invoice.invoice_id,
    customerId: invoice.customer_id,
    subscriptionId: invoice.subscription_id,
    productId: invoice.product_id,
    reason: invoice.reason,
    status: invoice.status,
    currencyCode: invoice.currency,
    subTotal: invoice.sub_total,
    taxRate: invoice.tax_rate / 100,
    taxAmount: invoice.tax_amount,
    taxIncluded: false,
    amountTotal: invoice.total,
    amountPaid: invoice.amount_paid,
    amountDue: invoice.amount_due,
    invoiceDate: seconds(invoice.invoice_date) as number,
    paymentDate: seconds(invoice.paid_at),
    periodStart: seconds(invoice.period_start) as number,
    periodEnd: seconds(invoice.period_end) as number,
    resourceVersion: invoice.resource_version,
    lineItems: lineItemsOf(invoice).map((line) => ({
      invoiceLineItemId: line.invoiceLineItemId,
      invoiceId: invoice.invoice_id,
      subscriptionId: invoice.subscription_id,
      componentId: line.componentId,
      entityType: line.entityType,
      description: line.description,
      quantity: line.quantity,
      unitAmount: line.unitAmount,
      amount: line.amount,
      taxRate: line.taxRate / 100,
      taxAmount: line.taxAmount,
      dateFrom: seconds(line.dateFrom) as number,
      dateTo: seconds(line.dateTo) as number,
    })),
  };
}
export type InvoiceView = ReturnType<typeof invoiceView>;

/** A payment attempt as in payment webhooks (billing.md §2.6). */
export function transactionView(row: BillingTransactionTable, invoice: Invoice) {
  return {
    id: row.transaction_id,
    object: 'transaction' as const,
    customer_id: row.customer_id,
    subscription_id: row.subscription_id,
    gateway: row.gateway,
    payment_method: 'card' as const,
    type: 'payment' as const,
    date: seconds(row.at),
    amount: row.amount,
    currency_code: row.currency,
    id_at_gateway: row.id_at_gateway,
    status: row.status,
    error_code: row.error_code,
    error_text: row.error_text,
    attempt: row.attempt,
    resource_version: row.at,
    deleted: false,
    linked_invoices: [{ invoice_id: invoice.invoice_id, applied_amount: row.status === 'success' ? row.amount : 0, invoice_date: seconds(invoice.invoice_date), invoice_total: invoice.total, invoice_status: invoice.status }],
  };
}

/** The gateway's component (PlanDto/AddonDto) of `GET /products/{productId}/components` (billing.md §1.3 A1). */
export function componentView(component: Component) {
  const tiers = tiersOf(component);
  return {
    id: component.component_id,
    productId: component.product_id,
    componentType: component.component_type,
    componentGroupId: component.group_id,
    status: component.status,
    isUsageBased: component.is_usage_based === 1,
    pricingModel: component.pricing_model,
    price: component.price,
    currencyCode: component.currency,
    tiers: tiers.map((tier) => ({ startingUnit: tier.startingUnit, endingUnit: tier.endingUnit ?? null, price: tier.price })),
    billingPeriodUnit: component.billing_period_unit,
    trialPeriodValue: component.trial_period_value,
    trialPeriodUnit: component.trial_period_unit,
    freeQuantity: component.free_quantity,
    mandatoryComponentIds: JSON.parse(component.mandatory_component_ids) as string[],
    unitDescription: component.unit_description,
  };
}
export type ComponentView = ReturnType<typeof componentView>;
