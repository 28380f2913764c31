import type { ColumnType } from 'kysely';

/**
 * The database as Kysely sees it. Timestamps are epoch milliseconds (bigint), the one representation that
 * compares and indexes the same way on SQLite and PostgreSQL. JSON lists are stored as text.
 */
export interface Database {
  server_meta: { key: string; value: string };
  oauth_clients: OAuthClientTable;
  oauth_client_secrets: OAuthClientSecretTable;
  signing_keys: SigningKeyTable;
  revoked_tokens: RevokedTokenTable;
  shops: ShopTable;
  modules: ModuleTable;
  consents: ConsentTable;
  consent_events: ConsentEventTable;
  sync_jobs: SyncJobTable;
  uploads: UploadTable;
  live_sync_requests: LiveSyncRequestTable;
  sync_tasks: SyncTaskTable;
  sync_state: SyncStateTable;
  sync_errors: SyncErrorTable;
  shop_health: ShopHealthTable;
  billing_products: BillingProductTable;
  billing_components: BillingComponentTable;
  billing_customers: BillingCustomerTable;
  billing_subscriptions: BillingSubscriptionTable;
  billing_charges: BillingChargeTable;
  billing_invoices: BillingInvoiceTable;
  billing_transactions: BillingTransactionTable;
  billing_api_keys: BillingApiKeyTable;
  billing_webhook_endpoints: BillingWebhookEndpointTable;
  billing_webhook_events: BillingWebhookEventTable;
  billing_webhook_deliveries: BillingWebhookDeliveryTable;
  billing_webhook_attempts: BillingWebhookAttemptTable;
}

export interface OAuthClientTable {
  client_id: string;
  kind: string;
  name: string;
  shop_id: string | null;
  token_endpoint_auth_method: string;
  grant_types: string;
  scopes: string;
  audiences: string;
  access_token_ttl: number | null;
  status: string;
  created_at: number;
  updated_at: number;
  disabled_at: number | null;
}

export interface OAuthClientSecretTable {
  id: string;
  client_id: string;
  secret_hash: string;
  created_at: number;
  /** null while current; set when rotated out (end of the grace period). */
  expires_at: number | null;
}

export interface SigningKeyTable {
  kid: string;
  alg: string;
  public_jwk: string;
  /** AES-256-GCM sealed PKCS#8 PEM; never stored in clear. */
  private_key_sealed: string;
  status: ColumnType<'active' | 'retired', string, string>;
  created_at: number;
  retired_at: number | null;
  /** After this instant no token it signed can still be valid: the key leaves the JWKS. */
  unpublish_at: number | null;
}

export interface RevokedTokenTable {
  jti: string;
  client_id: string;
  expires_at: number;
  revoked_at: number;
}

export interface ShopTable {
  shop_id: string;
  url: string;
  /** JSON array of ISO language codes. */
  languages: string;
  /** The psif `shop` client registered with the shop, if any (shops may use external tokens instead). */
  client_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface ModuleTable {
  name: string;
  vendor_client_id: string;
  created_at: number;
}

export interface ConsentTable {
  shop_id: string;
  module_name: string;
  consent: string;
  granted_at: number;
}

export interface ConsentEventTable {
  event_id: string;
  shop_id: string;
  module_name: string;
  consent: string;
  action: 'granted' | 'revoked';
  via: string;
  at: number;
}

export interface SyncJobTable {
  job_id: string;
  shop_id: string;
  /** JSON array of snake_case content names. */
  contents: string;
  mode: 'full' | 'incremental';
  lang_iso: string | null;
  created_at: number;
  expires_at: number;
  validated_at: number | null;
  last_upload_at: number | null;
}

export interface UploadTable {
  upload_id: string;
  shop_id: string;
  job_id: string;
  endpoint: 'upload' | 'delete';
  received_at: number;
  duration_ms: number;
  status: 'stored' | 'rejected';
  http_status: number;
  error_code: string | null;
  error_message: string | null;
  bytes: number;
  lines: number;
  upserted: number;
  deleted: number;
  skipped: number;
  /** JSON array of the collections the upload held. */
  collections: string;
  full_sync_requested: number | null;
  user_agent: string | null;
  /** JSON array of the first bad lines of a rejected upload. */
  bad_lines: string | null;
}

export interface LiveSyncRequestTable {
  shop_id: string;
  content: string;
  /** First notification not yet served by a pull. */
  pending_since: number;
  /** When the orchestrator should pull: pending_since + the debounce. */
  due_at: number;
  last_notified_at: number;
  last_action: string;
  notifications: number;
}

export type SyncMode = 'full' | 'incremental';
export type SyncTaskStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** One pull of (shop, content, language) by the orchestrator: the durable job queue. */
export interface SyncTaskTable {
  task_id: string;
  shop_id: string;
  content: string;
  lang_iso: string;
  mode: SyncMode;
  /** What asked for it: consent, api, shop, live_sync, schedule, resync. */
  trigger: string;
  status: SyncTaskStatus;
  /** Lower runs first. */
  priority: number;
  /** The psif sync job the shop uploads under; kept across retries so the shop's job cache stays valid. */
  job_id: string | null;
  page_size: number;
  /** 1 until a full pull's first call (full=1) has succeeded; later calls send full=0 and resume the shop's offset. */
  full_pending: number;
  pages: number;
  objects: number;
  remaining: number | null;
  calls: number;
  /** Consecutive failed calls; reset by a successful one. */
  failures: number;
  run_after: number;
  /** The worker holding the lease until locked_until (an expired lease means it died), or the last one that ran the pull. */
  locked_by: string | null;
  locked_until: number | null;
  created_at: number;
  started_at: number | null;
  /** When this full sync's first page was asked for: rows not re-sent since are reconciled away. */
  full_started_at: number | null;
  finished_at: number | null;
  updated_at: number;
  error_code: string | null;
  error_message: string | null;
  /** Rows soft-deleted by the reconciliation that ended a full sync. */
  reconciled: number | null;
}

/** Where each (shop, content, language) stands: never synced, in its full sync, or incremental. */
export interface SyncStateTable {
  shop_id: string;
  content: string;
  lang_iso: string;
  mode: 'never' | 'full' | 'incremental';
  /** The adaptive page size learned from the shop's answers. */
  page_size: number;
  first_full_sync_finished_at: number | null;
  last_full_sync_started_at: number | null;
  last_full_sync_finished_at: number | null;
  last_incremental_at: number | null;
  last_success_at: number | null;
  last_error_at: number | null;
  last_error_code: string | null;
  updated_at: number;
}

/** A failed call to a shop, classified (sync/error-codes.ts); the Reporting API counts them. */
export interface SyncErrorTable {
  error_id: string;
  shop_id: string;
  task_id: string | null;
  content: string;
  lang_iso: string | null;
  mode: SyncMode | null;
  code: string;
  http_status: number | null;
  message: string;
  at: number;
}

/** The last apiHealthCheck probe of a shop. */
export interface ShopHealthTable {
  shop_id: string;
  checked_at: number;
  healthy: number;
  latency_ms: number;
  http_status: number | null;
  error_code: string | null;
  error_message: string | null;
  /** JSON of the shop's answer. */
  report: string | null;
  last_healthy_at: number | null;
}

/** Live or sandbox: every billing row belongs to one, and the two never mix. */
export type BillingEnv = 'live' | 'sandbox';

export interface BillingProductTable {
  env: BillingEnv;
  product_id: string;
  vendor_client_id: string;
  name: string;
  description: string | null;
  status: 'active' | 'archived';
  created_at: number;
  updated_at: number;
}

/** A plan, addon or charge of a product (an "item price"): prices in minor units of `currency`. */
export interface BillingComponentTable {
  env: BillingEnv;
  component_id: string;
  product_id: string;
  component_type: 'plan' | 'addon' | 'charge';
  group_id: string;
  status: 'active' | 'archived' | 'deleted';
  pricing_model: 'flat_fee' | 'per_unit' | 'stairstep';
  is_usage_based: number;
  price: number | null;
  /** JSON `[{startingUnit, endingUnit?, price}]` for stairstep. */
  tiers: string | null;
  currency: string;
  billing_period_unit: 'month' | 'year' | null;
  trial_period_value: number | null;
  trial_period_unit: 'day' | 'week' | 'month' | 'year' | null;
  free_quantity: number;
  /** JSON list of addon ids added to every subscription of this plan. */
  mandatory_component_ids: string;
  unit_description: string | null;
  created_at: number;
  updated_at: number;
}

export interface BillingCustomerTable {
  env: BillingEnv;
  /** The shop UUID for shops, the token subject for users. */
  customer_id: string;
  type: 'shop' | 'user';
  /** The owner (parent customer) of a shop. */
  parent_id: string | null;
  email: string | null;
  locale: string | null;
  /** JSON billing address (snake_case, country ISO alpha-2). */
  billing_address: string | null;
  vat_number: string | null;
  /** JSON of the gateway's payment method: never a card number. */
  payment_method: string | null;
  created_from_ip: string | null;
  /** The client that created it: a vendor may manage the customers it created, and those subscribed to its products. */
  created_by: string | null;
  /** Sandbox test clock: this customer's "now" (null: real time). */
  clock_at: number | null;
  resource_version: number;
  created_at: number;
  updated_at: number;
}

export type BillingSubscriptionStatus = 'future' | 'in_trial' | 'active' | 'non_renewing' | 'paused' | 'cancelled';

export interface BillingSubscriptionTable {
  subscription_id: string;
  env: BillingEnv;
  customer_id: string;
  product_id: string;
  vendor_client_id: string;
  plan_id: string;
  status: BillingSubscriptionStatus;
  quantity: number;
  /** A quantity that takes effect at the next renewal (internal quantity routes). */
  scheduled_quantity: number | null;
  /** Usage reported in the current term (metered plans); reset at each renewal. */
  usage: number;
  /** JSON `[{componentId, quantity, usage}]`. */
  addons: string;
  /** A downgrade (or period change) applied at the end of the term. */
  scheduled_plan_id: string | null;
  start_at: number | null;
  trial_start: number | null;
  trial_end: number | null;
  current_term_start: number | null;
  current_term_end: number | null;
  /** Terms end on this instant's calendar day and time (clamped to short months), so dates never drift. */
  billing_anchor: number | null;
  next_billing_at: number | null;
  activated_at: number | null;
  cancelled_at: number | null;
  cancel_schedule_created_at: number | null;
  cancel_reason: string | null;
  paused_at: number | null;
  is_free_trial_used: number;
  due_invoices_count: number;
  due_since: number | null;
  total_dues: number;
  /** Failed collection attempts of the due invoice (dunning). */
  dunning_attempt: number;
  next_retry_at: number | null;
  /** 1 when the customer has a test clock: the real-time billing clock leaves it alone. */
  test_clock: number;
  /** When the billing clock must next look at it: trial end, renewal, scheduled start or payment retry. */
  next_action_at: number | null;
  resource_version: number;
  created_at: number;
  updated_at: number;
}

export interface BillingChargeTable {
  charge_id: string;
  env: BillingEnv;
  subscription_id: string;
  amount: number;
  description: string;
  /** The invoice that billed it; null while pending. */
  invoice_id: string | null;
  created_at: number;
}

export interface BillingInvoiceTable {
  invoice_id: string;
  env: BillingEnv;
  /** `<subscription>:<reason>:<period start>`: unique, so a renewal is invoiced once whoever runs the clock. */
  billing_key: string;
  customer_id: string;
  subscription_id: string;
  product_id: string;
  vendor_client_id: string;
  reason: 'creation' | 'renewal' | 'trial_end' | 'upgrade' | 'activation' | 'cancellation';
  status: 'paid' | 'payment_due' | 'not_paid' | 'voided';
  currency: string;
  sub_total: number;
  /** Basis points (2000 = 20 %). */
  tax_rate: number;
  tax_amount: number;
  total: number;
  amount_paid: number;
  amount_due: number;
  period_start: number;
  period_end: number;
  invoice_date: number;
  paid_at: number | null;
  /** JSON list of line items. */
  line_items: string;
  billing_address: string | null;
  resource_version: number;
  created_at: number;
  updated_at: number;
}

export interface BillingTransactionTable {
  transaction_id: string;
  env: BillingEnv;
  invoice_id: string;
  customer_id: string;
  subscription_id: string;
  amount: number;
  currency: string;
  status: 'success' | 'failure';
  gateway: string;
  id_at_gateway: string | null;
  error_code: string | null;
  error_text: string | null;
  attempt: number;
  at: number;
}

export interface BillingApiKeyTable {
  key_id: string;
  vendor_client_id: string;
  key_hash: string;
  prefix: string;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}

export interface BillingWebhookEndpointTable {
  endpoint_id: string;
  env: BillingEnv;
  vendor_client_id: string;
  url: string;
  /** The `whsec_` signing secret, sealed with the master secret (signing needs it back). */
  secret_sealed: string;
  /** JSON list of event types; empty: every type. */
  event_types: string;
  description: string | null;
  status: 'active' | 'disabled';
  created_at: number;
  updated_at: number;
}

export interface BillingWebhookEventTable {
  event_id: string;
  env: BillingEnv;
  vendor_client_id: string;
  type: string;
  /** The JSON body sent, signed as is. */
  payload: string;
  resource_version: number;
  created_at: number;
}

export interface BillingWebhookDeliveryTable {
  delivery_id: string;
  event_id: string;
  endpoint_id: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  next_attempt_at: number | null;
  locked_by: string | null;
  locked_until: number | null;
  last_attempt_at: number | null;
  last_http_status: number | null;
  last_error: string | null;
  succeeded_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface BillingWebhookAttemptTable {
  attempt_id: string;
  delivery_id: string;
  attempt: number;
  at: number;
  http_status: number | null;
  error: string | null;
  duration_ms: number;
}
