import { type TSchema, Type } from '@sinclair/typebox';

/**
 * The Billing API's schemas: one declaration per answer for validation, serialization and OpenAPI.
 * Field names follow billing.md: Chargebee's snake_case for customers and subscriptions (webhooks and
 * `GET /customers/...`), the gateway's camelCase for components, invoices, estimates and DTOs.
 */

export const BillingErrorBody = Type.Object(
  {
    statusCode: Type.Integer(),
    errorCode: Type.String({ description: 'Stable machine-readable code (see the table in the API description)' }),
    message: Type.String(),
  },
  { $id: 'BillingError', description: 'Error of the Billing API' },
);
const billingErrorRef = Type.Ref(BillingErrorBody);
export function billingErrors<S extends number>(...statuses: S[]): Record<S, typeof billingErrorRef> {
  return Object.fromEntries(statuses.map((status) => [status, billingErrorRef])) as Record<S, typeof billingErrorRef>;
}

/** A plain `{type: string, enum}` typed as the union of its values. */
export function stringEnum<T extends string>(values: readonly T[], options: Record<string, unknown> = {}) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });
}

const nullable = <T extends TSchema>(schema: T, description?: string) => Type.Union([schema, Type.Null()], description ? { description } : {});
const Seconds = Type.Integer({ description: 'Unix time, seconds (UTC)' });
const NullableSeconds = nullable(Seconds);
const Money = Type.Integer({ description: 'Minor units of the currency (cents): 2000 = 20.00 EUR' });
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code' });

export const Identifier = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$', description: 'Letters, digits, `_`, `.` and `-`; 1 to 128 characters' });
export const ProductId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', description: 'The module technical name, e.g. `rbm_example`' });
export const CustomerId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$', description: 'The shop UUID (or a user customer id)' });
export const ObjectId = Type.String({ pattern: '^[a-z]{2,4}_[A-Za-z0-9_-]{8,40}$', description: 'An id psif generated (sub_…, inv_…)' });
export const Locale = stringEnum(['de', 'en', 'es', 'fr', 'it', 'nl', 'pl', 'pt', 'ro'], { description: 'Language of the customer' });
export const SandboxFlag = stringEnum(['true', 'false'], { description: 'Sandbox data instead of live data (also the `sandbox` header)' });

/** Every querystring of the family accepts `?sandbox=true` (billing.md §1.0). */
export function query<P extends Record<string, TSchema>>(properties: P) {
  return Type.Object({ ...properties, sandbox: Type.Optional(SandboxFlag) }, { additionalProperties: false });
}
export const NoQuery = query({});
export const SandboxHeader = Type.Object({ sandbox: Type.Optional(SandboxFlag) });

const TierSchema = Type.Object(
  {
    startingUnit: Type.Integer({ minimum: 1 }),
    endingUnit: Type.Optional(nullable(Type.Integer({ minimum: 1 }), 'Last unit of the step; absent or null for the open last step')),
    price: Money,
  },
  { additionalProperties: false, description: 'A stairstep step: `price` is the price of the whole step' },
);

export const ProductInput = Type.Object(
  { id: ProductId, name: Type.String({ minLength: 1, maxLength: 255 }), description: Type.Optional(nullable(Type.String({ maxLength: 4000 }))) },
  { additionalProperties: false, examples: [{ id: 'rbm_example', name: 'RBM', description: 'Recurring billing module' }] },
);
export const ProductPatch = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })), description: Type.Optional(nullable(Type.String({ maxLength: 4000 }))), status: Type.Optional(stringEnum(['active', 'archived'])) },
  { additionalProperties: false, minProperties: 1, examples: [{ description: 'Recurring billing module, with reports' }] },
);
export const ProductView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: nullable(Type.String()),
  status: stringEnum(['active', 'archived']),
  createdAt: Seconds,
  updatedAt: Seconds,
});

export const ComponentInput = Type.Object(
  {
    id: Identifier,
    componentType: stringEnum(['plan', 'addon', 'charge']),
    componentGroupId: Type.Optional(Identifier),
    pricingModel: stringEnum(['flat_fee', 'per_unit', 'stairstep']),
    isUsageBased: Type.Optional(Type.Boolean({ description: 'Metered: usage is reported (A3) and billed at the end of each term' })),
    price: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'flat_fee: the price per term; per_unit: the price of one unit (minor units)' })),
    tiers: Type.Optional(Type.Array(TierSchema, { maxItems: 50 })),
    currencyCode: Type.Optional(Currency),
    billingPeriodUnit: Type.Optional(stringEnum(['month', 'year'], { description: 'Plans only: one invoice per month or year' })),
    trialPeriodValue: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    trialPeriodUnit: Type.Optional(stringEnum(['day', 'week', 'month', 'year'])),
    freeQuantity: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'Units (or usage) not charged' })),
    mandatoryComponentIds: Type.Optional(Type.Array(Identifier, { maxItems: 20, description: 'Plans only: addons added to every subscription' })),
    unitDescription: Type.Optional(Type.String({ maxLength: 255 })),
  },
  {
    additionalProperties: false,
    examples: [{ id: 'rbm-advanced-EUR-Monthly', componentType: 'plan', componentGroupId: 'rbm-advanced', pricingModel: 'per_unit', price: 990, currencyCode: 'EUR', billingPeriodUnit: 'month', unitDescription: 'stores' }],
  },
);
export const ComponentPatch = Type.Object(
  { status: Type.Optional(stringEnum(['active', 'archived', 'deleted'])), unitDescription: Type.Optional(nullable(Type.String({ maxLength: 255 }))) },
  { additionalProperties: false, minProperties: 1, examples: [{ unitDescription: 'stores' }] },
);
export const ComponentView: TSchema = Type.Object({
  id: Type.String(),
  productId: Type.String(),
  componentType: stringEnum(['plan', 'addon', 'charge']),
  componentGroupId: Type.String(),
  status: stringEnum(['active', 'archived', 'deleted']),
  isUsageBased: Type.Boolean(),
  pricingModel: stringEnum(['flat_fee', 'per_unit', 'stairstep']),
  price: nullable(Money),
  currencyCode: Currency,
  tiers: Type.Array(Type.Object({ startingUnit: Type.Integer(), endingUnit: nullable(Type.Integer()), price: Money })),
  billingPeriodUnit: nullable(stringEnum(['month', 'year'])),
  trialPeriodValue: nullable(Type.Integer()),
  trialPeriodUnit: nullable(stringEnum(['day', 'week', 'month', 'year'])),
  freeQuantity: Type.Integer(),
  mandatoryComponentIds: Type.Array(Type.String()),
  unitDescription: nullable(Type.String()),
});

const BillingAddressFields = {
  first_name: Type.Optional(Type.String({ maxLength: 150 })),
  last_name: Type.Optional(Type.String({ maxLength: 150 })),
  company: Type.Optional(Type.String({ maxLength: 250 })),
  line1: Type.Optional(Type.String({ maxLength: 250 })),
  line2: Type.Optional(Type.String({ maxLength: 250 })),
  city: Type.Optional(Type.String({ maxLength: 50 })),
  zip: Type.Optional(Type.String({ maxLength: 20 })),
};
export const BillingAddressInput = Type.Object(
  { billingAddress: Type.Object({ ...BillingAddressFields, country: Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2: decides the VAT rate' }) }, { additionalProperties: false }), vatNumber: Type.Optional(nullable(Type.String({ maxLength: 32 }))) },
  { additionalProperties: false, examples: [{ billingAddress: { company: 'Boutique Paris SAS', line1: '1 rue de la Paix', city: 'Paris', zip: '75002', country: 'FR' } }] },
);
const BillingAddressView = Type.Object({ ...BillingAddressFields, country: Type.String(), validation_status: Type.Optional(Type.String()), object: Type.Literal('billing_address') });

export const CustomerInput = Type.Object(
  {
    id: CustomerId,
    email: Type.Optional(Type.String({ format: 'email', maxLength: 255 })),
    locale: Type.Optional(Locale),
    type: Type.Optional(stringEnum(['shop', 'user'], { description: 'Default shop; a shop token may only create its own shop customer' })),
    parentId: Type.Optional(Type.String({ maxLength: 64, description: 'The owner (PrestaShop Accounts user) of the shop' })),
  },
  { additionalProperties: false, examples: [{ id: '3f2c1b1e-0000-4000-8000-000000000001', email: 'owner@shop.example', locale: 'fr' }] },
);
export const CustomerPatch = Type.Object(
  { email: Type.Optional(nullable(Type.String({ format: 'email', maxLength: 255 }))), locale: Type.Optional(nullable(Locale)), parentId: Type.Optional(nullable(Type.String({ maxLength: 64 }))) },
  { additionalProperties: false, minProperties: 1, examples: [{ email: 'billing@shop.example' }] },
);
export const CardInput = Type.Object(
  {
    number: Type.String({ pattern: '^[0-9 -]{12,23}$', description: 'Card number (sandbox: the test cards of docs/billing.md); never stored' }),
    expiryMonth: Type.Integer({ minimum: 1, maximum: 12 }),
    expiryYear: Type.Integer({ minimum: 2000, maximum: 2100 }),
    cvc: Type.String({ pattern: '^[0-9]{3,4}$' }),
  },
  { additionalProperties: false, examples: [{ number: '4111111111111111', expiryMonth: 12, expiryYear: 2030, cvc: '123' }] },
);
export const CustomerView: TSchema = Type.Object({
  id: Type.String(),
  object: Type.Literal('customer'),
  type: stringEnum(['shop', 'user']),
  email: nullable(Type.String()),
  locale: nullable(Type.String()),
  auto_collection: Type.Literal('on'),
  net_term_days: Type.Integer(),
  taxability: Type.Literal('taxable'),
  created_at: Seconds,
  updated_at: Seconds,
  created_from_ip: nullable(Type.String()),
  resource_version: Type.Integer({ description: 'ms epoch of the last change: drop events older than what you have' }),
  deleted: Type.Boolean(),
  preferred_currency_code: Type.String(),
  vat_number: nullable(Type.String()),
  billing_address: nullable(BillingAddressView),
  card_status: Type.String({ description: 'valid, expired or no_card' }),
  payment_method: nullable(
    Type.Object({ object: Type.Literal('payment_method'), type: Type.String(), reference_id: Type.String(), gateway: Type.String(), status: Type.String(), brand: Type.String(), last4: Type.String(), expiry_month: Type.Integer(), expiry_year: Type.Integer() }),
  ),
  relationship: nullable(Type.Object({ parent_id: Type.String(), root_id: Type.String(), payment_owner_id: Type.String(), invoice_owner_id: Type.String() })),
  test_clock: nullable(Seconds, 'Sandbox: the test clock\'s time, once it has been advanced'),
  meta_data: Type.Object({}),
});

const SubscriptionStatus = stringEnum(['future', 'in_trial', 'active', 'non_renewing', 'paused', 'cancelled']);
const SubscriptionItem = Type.Object({
  item_price_id: Type.String(),
  item_type: stringEnum(['plan', 'addon', 'charge']),
  group_id: Type.String(),
  quantity: nullable(Type.Integer()),
  usage: nullable(Type.Integer()),
  unit_price: Money,
  amount: Money,
  free_quantity: Type.Integer(),
  pricing_model: Type.String(),
  is_usage_based: Type.Boolean(),
});
export const SubscriptionView: TSchema = Type.Object({
  id: Type.String(),
  object: Type.Literal('subscription'),
  customer_id: Type.String(),
  product_id: Type.String(),
  plan_id: Type.String(),
  plan_quantity: Type.Integer(),
  plan_unit_price: Money,
  plan_amount: Money,
  plan_free_quantity: Type.Integer(),
  pricing_model: Type.String(),
  billing_period: Type.Integer(),
  billing_period_unit: nullable(Type.String()),
  currency_code: Type.String(),
  status: SubscriptionStatus,
  start_date: NullableSeconds,
  trial_start: NullableSeconds,
  trial_end: NullableSeconds,
  trial_end_action: Type.String(),
  current_term_start: NullableSeconds,
  current_term_end: NullableSeconds,
  next_billing_at: NullableSeconds,
  created_at: NullableSeconds,
  started_at: NullableSeconds,
  activated_at: NullableSeconds,
  updated_at: NullableSeconds,
  cancelled_at: NullableSeconds,
  cancel_schedule_created_at: NullableSeconds,
  cancel_reason: nullable(Type.String()),
  pause_date: NullableSeconds,
  remaining_billing_cycles: nullable(Type.Integer()),
  has_scheduled_changes: Type.Boolean(),
  subscription_scheduled_changes: nullable(Type.Object({ item_price_id: Type.String(), quantity: Type.Integer(), unit_price: Money, billing_period_unit: nullable(Type.String()) })),
  due_invoices_count: Type.Integer(),
  due_since: NullableSeconds,
  total_dues: Money,
  mrr: Money,
  is_free_trial_used: Type.Boolean(),
  deleted: Type.Boolean(),
  resource_version: Type.Integer({ description: 'ms epoch of the last change: drop events older than what you have' }),
  channel: Type.String(),
  meta_data: Type.Object({ module: Type.String() }),
  subscription_items: Type.Array(SubscriptionItem),
});
export const SubscriptionDto: TSchema = Type.Object({
  id: Type.String(),
  productId: Type.String(),
  shopId: Type.String(),
  status: SubscriptionStatus,
  currencyCode: Type.String(),
  billingPeriodUnit: nullable(Type.String()),
  activatedAt: NullableSeconds,
  cancelledAt: NullableSeconds,
  trialEndAt: NullableSeconds,
  nextRenewalAt: NullableSeconds,
  currentTermStart: NullableSeconds,
  currentTermEnd: NullableSeconds,
  hasScheduledChanges: Type.Boolean(),
  resourceVersion: Type.String(),
  subscriptionItems: Type.Array(Type.Object({ id: Type.String(), groupId: Type.String(), itemType: Type.String(), quantity: nullable(Type.Integer()), usage: nullable(Type.Integer()), unitPrice: Money, amount: Money, freeQuantity: Type.Integer() })),
  subscriptionWithScheduledChanges: nullable(Type.Object({ componentId: Type.String(), groupId: Type.String(), billingPeriodUnit: nullable(Type.String()), quantity: Type.Integer(), unitPrice: Money })),
});
export const SubscriptionInput = Type.Object(
  {
    productId: ProductId,
    planId: Identifier,
    quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000 })),
    addons: Type.Optional(Type.Array(Type.Object({ componentId: Identifier, quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000 })) }, { additionalProperties: false }), { maxItems: 20 })),
    startDate: Type.Optional(Type.String({ format: 'date-time', description: 'A later start makes the subscription `future` until then' })),
    customer: Type.Optional(Type.Object({ email: Type.Optional(Type.String({ format: 'email', maxLength: 255 })), locale: Type.Optional(Locale), parentId: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false, description: 'Used when the customer does not exist yet' })),
  },
  { additionalProperties: false, examples: [{ productId: 'rbm_example', planId: 'rbm-advanced-EUR-Monthly', quantity: 2 }] },
);

const LineItemView = Type.Object({
  invoiceLineItemId: Type.String(),
  invoiceId: Type.String(),
  subscriptionId: Type.String(),
  componentId: nullable(Type.String()),
  entityType: stringEnum(['plan_item_price', 'addon_item_price', 'charge_item_price', 'adhoc']),
  description: Type.String(),
  quantity: nullable(Type.Integer()),
  unitAmount: nullable(Type.Integer()),
  amount: Type.Integer({ description: 'Excluding tax, minor units' }),
  taxRate: Type.Number({ description: 'Percent' }),
  taxAmount: Money,
  dateFrom: Seconds,
  dateTo: Seconds,
});
export const InvoiceStatus = stringEnum(['paid', 'payment_due', 'not_paid', 'voided']);
export const InvoiceView: TSchema = Type.Object({
  invoiceId: Type.String(),
  customerId: Type.String(),
  subscriptionId: Type.String(),
  productId: Type.String(),
  reason: stringEnum(['creation', 'renewal', 'trial_end', 'upgrade', 'activation', 'cancellation']),
  status: InvoiceStatus,
  currencyCode: Type.String(),
  subTotal: Money,
  taxRate: Type.Number({ description: 'Percent' }),
  taxAmount: Money,
  taxIncluded: Type.Boolean(),
  amountTotal: Money,
  amountPaid: Money,
  amountDue: Money,
  invoiceDate: Seconds,
  paymentDate: NullableSeconds,
  periodStart: Seconds,
  periodEnd: Seconds,
  resourceVersion: Type.Integer(),
  lineItems: Type.Array(LineItemView),
});

export const EstimateInput = Type.Object(
  {
    componentId: Identifier,
    customerId: CustomerId,
    productId: ProductId,
    quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000 })),
    subscriptionId: Type.Optional(ObjectId),
    coupon: Type.Optional(Type.Object({ couponCode: Type.String(), isCurrentlyApplied: Type.Boolean() })),
  },
  { additionalProperties: false, examples: [{ componentId: 'rbm-advanced-EUR-Monthly', customerId: '3f2c1b1e-0000-4000-8000-000000000001', productId: 'rbm_example', quantity: 3 }] },
);
export const EstimateView: TSchema = Type.Object({
  coupon: Type.Null(),
  invoiceEstimate: Type.Object({
    currencyCode: Type.String(),
    subTotal: Money,
    total: Money,
    amountDue: Money,
    nextBillingPeriodAmountDue: Money,
    discounts: Type.Array(Type.Object({ amount: Money, discountType: Type.String() })),
    taxes: Type.Array(Type.Object({ name: Type.String(), amount: Money })),
    lineItemTaxes: Type.Array(Type.Object({ taxJurisName: Type.String(), taxRate: Type.Number() })),
    lineItems: Type.Array(Type.Object({ amount: Money, entityType: Type.String(), description: Type.String(), taxAmount: Money })),
  }),
});

export const Item = <T extends TSchema>(schema: T) => Type.Object({ item: schema });
export const Items = <T extends TSchema>(schema: T) => Type.Object({ items: Type.Array(schema), total: Type.Integer() });

export const ClockAdvanceInput = Type.Object(
  {
    to: Type.Optional(Type.String({ format: 'date-time', description: 'The time to move the clock to' })),
    seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 * 366 * 86_400, description: 'Or: how far to move it' })),
    months: Type.Optional(Type.Integer({ minimum: 1, maximum: 120, description: 'Or: calendar months to move it (from the clock\'s day)' })),
  },
  { additionalProperties: false, minProperties: 1, maxProperties: 1, examples: [{ months: 1 }] },
);
export const ClockView = Type.Object({ customerId: Type.String(), now: Type.String({ format: 'date-time' }), frozen: Type.Boolean({ description: 'True once advanced: the customer\'s time moves only when advanced' }), transitions: Type.Optional(Type.Integer({ description: 'Renewals, trial ends, retries... run by this advance' })) });
