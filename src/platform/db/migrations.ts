import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';

/**
 * Migrations live in code (not files found at run time) so the compiled package carries them and the
 * order is explicit. Each bounded context appends its own; never edit one that has shipped.
 */
const migrations: Record<string, Migration> = {
  '0001_auth': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('server_meta')
        .addColumn('key', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('oauth_clients')
        .addColumn('client_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('kind', 'varchar(32)', (c) => c.notNull())
        .addColumn('name', 'varchar(255)', (c) => c.notNull())
        .addColumn('shop_id', 'varchar(64)')
        .addColumn('token_endpoint_auth_method', 'varchar(32)', (c) => c.notNull())
        .addColumn('grant_types', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('audiences', 'text', (c) => c.notNull())
        .addColumn('access_token_ttl', 'integer')
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('disabled_at', 'bigint')
        .execute();
      await db.schema.createIndex('oauth_clients_kind_name').unique().on('oauth_clients').columns(['kind', 'name']).execute();

      await db.schema
        .createTable('oauth_client_secrets')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('client_id', 'varchar(64)', (c) => c.notNull().references('oauth_clients.client_id').onDelete('cascade'))
        .addColumn('secret_hash', 'varchar(128)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .execute();
      await db.schema.createIndex('oauth_client_secrets_client').on('oauth_client_secrets').column('client_id').execute();

      await db.schema
        .createTable('signing_keys')
        .addColumn('kid', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('alg', 'varchar(16)', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('private_key_sealed', 'text', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('retired_at', 'bigint')
        .addColumn('unpublish_at', 'bigint')
        .execute();

      await db.schema
        .createTable('revoked_tokens')
        .addColumn('jti', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('client_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('revoked_tokens_expires').on('revoked_tokens').column('expires_at').execute();
    },
  },
  '0002_shops_and_sync': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('shops')
        .addColumn('shop_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('languages', 'text', (c) => c.notNull())
        .addColumn('client_id', 'varchar(64)')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('modules')
        .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('vendor_client_id', 'varchar(64)', (c) => c.notNull().references('oauth_clients.client_id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('modules_vendor').on('modules').column('vendor_client_id').execute();

      await db.schema
        .createTable('consents')
        .addColumn('shop_id', 'varchar(64)', (c) => c.notNull().references('shops.shop_id').onDelete('cascade'))
        .addColumn('module_name', 'varchar(64)', (c) => c.notNull().references('modules.name').onDelete('cascade'))
        .addColumn('consent', 'varchar(32)', (c) => c.notNull())
        .addColumn('granted_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('consents_pk', ['shop_id', 'module_name', 'consent'])
        .execute();
      await db.schema.createIndex('consents_module').on('consents').columns(['module_name', 'shop_id']).execute();

      await db.schema
        .createTable('consent_events')
        .addColumn('event_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('shop_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('module_name', 'varchar(64)', (c) => c.notNull())
        .addColumn('consent', 'varchar(32)', (c) => c.notNull())
        .addColumn('action', 'varchar(16)', (c) => c.notNull())
        .addColumn('via', 'varchar(32)', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('consent_events_shop').on('consent_events').columns(['shop_id', 'at']).execute();

      await db.schema
        .createTable('sync_jobs')
        .addColumn('job_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('shop_id', 'varchar(64)', (c) => c.notNull().references('shops.shop_id').onDelete('cascade'))
        .addColumn('contents', 'text', (c) => c.notNull())
        .addColumn('mode', 'varchar(16)', (c) => c.notNull())
        .addColumn('lang_iso', 'varchar(16)')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('validated_at', 'bigint')
        .addColumn('last_upload_at', 'bigint')
        .execute();
      await db.schema.createIndex('sync_jobs_shop').on('sync_jobs').columns(['shop_id', 'created_at']).execute();

      await db.schema
        .createTable('uploads')
        .addColumn('upload_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('shop_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('job_id', 'varchar(200)', (c) => c.notNull())
        .addColumn('endpoint', 'varchar(16)', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('http_status', 'integer', (c) => c.notNull())
        .addColumn('error_code', 'varchar(64)')
        .addColumn('error_message', 'text')
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addColumn('lines', 'integer', (c) => c.notNull())
        .addColumn('upserted', 'integer', (c) => c.notNull())
        .addColumn('deleted', 'integer', (c) => c.notNull())
        .addColumn('skipped', 'integer', (c) => c.notNull())
        .addColumn('collections', 'text', (c) => c.notNull())
        .addColumn('full_sync_requested', 'integer')
        .addColumn('user_agent', 'varchar(256)')
        .addColumn('bad_lines', 'text')
        .execute();
      await db.schema.createIndex('uploads_shop').on('uploads').columns(['shop_id', 'received_at']).execute();
      await db.schema.createIndex('uploads_job').on('uploads').column('job_id').execute();

      await db.schema
        .createTable('live_sync_requests')
        .addColumn('shop_id', 'varchar(64)', (c) => c.notNull().references('shops.shop_id').onDelete('cascade'))
        .addColumn('content', 'varchar(64)', (c) => c.notNull())
        .addColumn('pending_since', 'bigint', (c) => c.notNull())
        .addColumn('due_at', 'bigint', (c) => c.notNull())
        .addColumn('last_notified_at', 'bigint', (c) => c.notNull())
        .addColumn('last_action', 'varchar(16)', (c) => c.notNull())
        .addColumn('notifications', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('live_sync_requests_pk', ['shop_id', 'content'])
        .execute();
      await db.schema.createIndex('live_sync_requests_due').on('live_sync_requests').column('due_at').execute();
    },
  },
  '0003_sync_orchestration': {
    async up(db: Kysely<any>) {
      // The orchestrator's durable queue: one row per pull of (shop, content, language), leased while it runs.
      await db.schema
        .createTable('sync_tasks')
        .addColumn('task_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('shop_id', 'varchar(64)', (c) => c.notNull().references('shops.shop_id').onDelete('cascade'))
        .addColumn('content', 'varchar(64)', (c) => c.notNull())
        .addColumn('lang_iso', 'varchar(16)', (c) => c.notNull())
        .addColumn('mode', 'varchar(16)', (c) => c.notNull())
        .addColumn('trigger', 'varchar(32)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('job_id', 'varchar(64)')
        .addColumn('page_size', 'integer', (c) => c.notNull())
        .addColumn('full_pending', 'integer', (c) => c.notNull())
        .addColumn('pages', 'integer', (c) => c.notNull())
        .addColumn('objects', 'bigint', (c) => c.notNull())
        .addColumn('remaining', 'bigint')
        .addColumn('calls', 'integer', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('run_after', 'bigint', (c) => c.notNull())
        .addColumn('locked_by', 'varchar(64)')
        .addColumn('locked_until', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('started_at', 'bigint')
        .addColumn('full_started_at', 'bigint')
        .addColumn('finished_at', 'bigint')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('error_code', 'varchar(64)')
        .addColumn('error_message', 'text')
        .addColumn('reconciled', 'integer')
        .execute();
      await db.schema.createIndex('sync_tasks_claim').on('sync_tasks').columns(['status', 'run_after']).execute();
      await db.schema.createIndex('sync_tasks_shop').on('sync_tasks').columns(['shop_id', 'created_at']).execute();
      // At most one queued pull per (shop, content, language): triggers coalesce into it.
      await db.schema
        .createIndex('sync_tasks_one_queued')
        .unique()
        .on('sync_tasks')
        .columns(['shop_id', 'content', 'lang_iso'])
        .where(sql.ref('status'), '=', 'queued')
        .execute();

      await db.schema
        .createTable('sync_state')
        .addColumn('shop_id', 'varchar(64)', (c) => c.notNull().references('shops.shop_id').onDelete('cascade'))
        .addColumn('content', 'varchar(64)', (c) => c.notNull())
        .addColumn('lang_iso', 'varchar(16)', (c) => c.notNull())
        .addColumn('mode', 'varchar(16)', (c) => c.notNull())
        .addColumn('page_size', 'integer', (c) => c.notNull())
        .addColumn('first_full_sync_finished_at', 'bigint')
        .addColumn('last_full_sync_started_at', 'bigint')
        .addColumn('last_full_sync_finished_at', 'bigint')
        .addColumn('last_incremental_at', 'bigint')
        .addColumn('last_success_at', 'bigint')
        .addColumn('last_error_at', 'bigint')
        .addColumn('last_error_code', 'varchar(64)')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('sync_state_pk', ['shop_id', 'content', 'lang_iso'])
        .execute();

      await db.schema
        .createTable('sync_errors')
        .addColumn('error_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('shop_id', 'varchar(64)', (c) => c.notNull().references('shops.shop_id').onDelete('cascade'))
        .addColumn('task_id', 'varchar(64)')
        .addColumn('content', 'varchar(64)', (c) => c.notNull())
        .addColumn('lang_iso', 'varchar(16)')
        .addColumn('mode', 'varchar(16)')
        .addColumn('code', 'varchar(64)', (c) => c.notNull())
        .addColumn('http_status', 'integer')
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sync_errors_shop').on('sync_errors').columns(['shop_id', 'at']).execute();
      await db.schema.createIndex('sync_errors_at').on('sync_errors').column('at').execute();

      await db.schema
        .createTable('shop_health')
        .addColumn('shop_id', 'varchar(64)', (c) => c.primaryKey().references('shops.shop_id').onDelete('cascade'))
        .addColumn('checked_at', 'bigint', (c) => c.notNull())
        .addColumn('healthy', 'integer', (c) => c.notNull())
        .addColumn('latency_ms', 'integer', (c) => c.notNull())
        .addColumn('http_status', 'integer')
        .addColumn('error_code', 'varchar(64)')
        .addColumn('error_message', 'text')
        .addColumn('report', 'text')
        .addColumn('last_healthy_at', 'bigint')
        .execute();

      // Workers plan a shop as soon as its consents change: they read the events after a watermark.
      await db.schema.createIndex('consent_events_at').on('consent_events').column('at').execute();
    },
  },
  '0004_billing': {
    async up(db: Kysely<any>) {
      // Every billing row carries its environment: sandbox data lives beside live data and never mixes with it.
      await db.schema
        .createTable('billing_products')
        .addColumn('env', 'varchar(8)', (c) => c.notNull())
        .addColumn('product_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('vendor_client_id', 'varchar(64)', (c) => c.notNull().references('oauth_clients.client_id').onDelete('cascade'))
        .addColumn('name', 'varchar(255)', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('billing_products_pk', ['env', 'product_id'])
        .execute();
      await db.schema.createIndex('billing_products_vendor').on('billing_products').columns(['vendor_client_id', 'env']).execute();

      await db.schema
        .createTable('billing_components')
        .addColumn('env', 'varchar(8)', (c) => c.notNull())
        .addColumn('component_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('product_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('component_type', 'varchar(16)', (c) => c.notNull())
        .addColumn('group_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('pricing_model', 'varchar(16)', (c) => c.notNull())
        .addColumn('is_usage_based', 'integer', (c) => c.notNull())
        .addColumn('price', 'bigint')
        .addColumn('tiers', 'text')
        .addColumn('currency', 'varchar(3)', (c) => c.notNull())
        .addColumn('billing_period_unit', 'varchar(8)')
        .addColumn('trial_period_value', 'integer')
        .addColumn('trial_period_unit', 'varchar(8)')
        .addColumn('free_quantity', 'integer', (c) => c.notNull())
        .addColumn('mandatory_component_ids', 'text', (c) => c.notNull())
        .addColumn('unit_description', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('billing_components_pk', ['env', 'component_id'])
        .execute();
      await db.schema.createIndex('billing_components_product').on('billing_components').columns(['env', 'product_id']).execute();

      await db.schema
        .createTable('billing_customers')
        .addColumn('env', 'varchar(8)', (c) => c.notNull())
        .addColumn('customer_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('type', 'varchar(8)', (c) => c.notNull())
        .addColumn('parent_id', 'varchar(64)')
        .addColumn('email', 'varchar(255)')
        .addColumn('locale', 'varchar(8)')
        .addColumn('billing_address', 'text')
        .addColumn('vat_number', 'varchar(32)')
        .addColumn('payment_method', 'text')
        .addColumn('created_from_ip', 'varchar(64)')
        .addColumn('created_by', 'varchar(64)')
        .addColumn('clock_at', 'bigint')
        .addColumn('resource_version', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('billing_customers_pk', ['env', 'customer_id'])
        .execute();
      await db.schema.createIndex('billing_customers_parent').on('billing_customers').columns(['env', 'parent_id']).execute();

      await db.schema
        .createTable('billing_subscriptions')
        .addColumn('subscription_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('env', 'varchar(8)', (c) => c.notNull())
        .addColumn('customer_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('product_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('vendor_client_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('plan_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('quantity', 'integer', (c) => c.notNull())
        .addColumn('scheduled_quantity', 'integer')
        .addColumn('usage', 'bigint', (c) => c.notNull())
        .addColumn('addons', 'text', (c) => c.notNull())
        .addColumn('scheduled_plan_id', 'varchar(128)')
        .addColumn('start_at', 'bigint')
        .addColumn('trial_start', 'bigint')
        .addColumn('trial_end', 'bigint')
        .addColumn('current_term_start', 'bigint')
        .addColumn('current_term_end', 'bigint')
        .addColumn('billing_anchor', 'bigint')
        .addColumn('next_billing_at', 'bigint')
        .addColumn('activated_at', 'bigint')
        .addColumn('cancelled_at', 'bigint')
        .addColumn('cancel_schedule_created_at', 'bigint')
        .addColumn('cancel_reason', 'varchar(32)')
        .addColumn('paused_at', 'bigint')
        .addColumn('is_free_trial_used', 'integer', (c) => c.notNull())
        .addColumn('due_invoices_count', 'integer', (c) => c.notNull())
        .addColumn('due_since', 'bigint')
        .addColumn('total_dues', 'bigint', (c) => c.notNull())
        .addColumn('dunning_attempt', 'integer', (c) => c.notNull())
        .addColumn('next_retry_at', 'bigint')
        .addColumn('test_clock', 'integer', (c) => c.notNull())
        .addColumn('next_action_at', 'bigint')
        .addColumn('resource_version', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      // One subscription per shop and product at a time; a cancelled one may be followed by a new one.
      await db.schema
        .createIndex('billing_subscriptions_one_live')
        .unique()
        .on('billing_subscriptions')
        .columns(['env', 'customer_id', 'product_id'])
        .where(sql.ref('status'), '<>', 'cancelled')
        .execute();
      await db.schema.createIndex('billing_subscriptions_customer').on('billing_subscriptions').columns(['env', 'customer_id', 'product_id']).execute();
      await db.schema.createIndex('billing_subscriptions_due').on('billing_subscriptions').columns(['test_clock', 'next_action_at']).execute();
      await db.schema.createIndex('billing_subscriptions_vendor').on('billing_subscriptions').columns(['env', 'vendor_client_id', 'status']).execute();

      await db.schema
        .createTable('billing_charges')
        .addColumn('charge_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('env', 'varchar(8)', (c) => c.notNull())
        .addColumn('subscription_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('invoice_id', 'varchar(64)')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('billing_charges_subscription').on('billing_charges').columns(['subscription_id', 'invoice_id']).execute();

      await db.schema
        .createTable('billing_invoices')
        .addColumn('invoice_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('env', 'varchar(8)', (c) => c.notNull())
        .addColumn('billing_key', 'varchar(160)', (c) => c.notNull().unique())
        .addColumn('customer_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('subscription_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('product_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('vendor_client_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('reason', 'varchar(16)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('currency', 'varchar(3)', (c) => c.notNull())
        .addColumn('sub_total', 'bigint', (c) => c.notNull())
        .addColumn('tax_rate', 'integer', (c) => c.notNull())
        .addColumn('tax_amount', 'bigint', (c) => c.notNull())
        .addColumn('total', 'bigint', (c) => c.notNull())
        .addColumn('amount_paid', 'bigint', (c) => c.notNull())
        .addColumn('amount_due', 'bigint', (c) => c.notNull())
        .addColumn('period_start', 'bigint', (c) => c.notNull())
        .addColumn('period_end', 'bigint', (c) => c.notNull())
        .addColumn('invoice_date', 'bigint', (c) => c.notNull())
        .addColumn('paid_at', 'bigint')
        .addColumn('line_items', 'text', (c) => c.notNull())
        .addColumn('billing_address', 'text')
        .addColumn('resource_version', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('billing_invoices_subscription').on('billing_invoices').columns(['env', 'subscription_id', 'invoice_date']).execute();
      await db.schema.createIndex('billing_invoices_customer').on('billing_invoices').columns(['env', 'customer_id', 'invoice_date']).execute();
      await db.schema.createIndex('billing_invoices_vendor').on('billing_invoices').columns(['env', 'vendor_client_id', 'invoice_date']).execute();

      await db.schema
        .createTable('billing_transactions')
        .addColumn('transaction_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('env', 'varchar(8)', (c) => c.notNull())
        .addColumn('invoice_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('customer_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('subscription_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'varchar(3)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('gateway', 'varchar(32)', (c) => c.notNull())
        .addColumn('id_at_gateway', 'varchar(128)')
        .addColumn('error_code', 'varchar(64)')
        .addColumn('error_text', 'text')
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('billing_transactions_invoice').on('billing_transactions').column('invoice_id').execute();

      // The internal quantity routes' keys (X-BILLING-API-KEY): only a hash is kept.
      await db.schema
        .createTable('billing_api_keys')
        .addColumn('key_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('vendor_client_id', 'varchar(64)', (c) => c.notNull().references('oauth_clients.client_id').onDelete('cascade'))
        .addColumn('key_hash', 'varchar(128)', (c) => c.notNull().unique())
        .addColumn('prefix', 'varchar(32)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .addColumn('last_used_at', 'bigint')
        .execute();

      // Webhooks: a durable outbox. An event and its deliveries are written in the transaction that caused them.
      await db.schema
        .createTable('billing_webhook_endpoints')
        .addColumn('endpoint_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('env', 'varchar(8)', (c) => c.notNull())
        .addColumn('vendor_client_id', 'varchar(64)', (c) => c.notNull().references('oauth_clients.client_id').onDelete('cascade'))
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('secret_sealed', 'text', (c) => c.notNull())
        .addColumn('event_types', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('billing_webhook_endpoints_vendor').on('billing_webhook_endpoints').columns(['vendor_client_id', 'env']).execute();

      await db.schema
        .createTable('billing_webhook_events')
        .addColumn('event_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('env', 'varchar(8)', (c) => c.notNull())
        .addColumn('vendor_client_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('type', 'varchar(64)', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('resource_version', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('billing_webhook_events_vendor').on('billing_webhook_events').columns(['vendor_client_id', 'created_at']).execute();

      await db.schema
        .createTable('billing_webhook_deliveries')
        .addColumn('delivery_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('event_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('endpoint_id', 'varchar(64)', (c) => c.notNull().references('billing_webhook_endpoints.endpoint_id').onDelete('cascade'))
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint')
        .addColumn('locked_by', 'varchar(64)')
        .addColumn('locked_until', 'bigint')
        .addColumn('last_attempt_at', 'bigint')
        .addColumn('last_http_status', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('succeeded_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('billing_webhook_deliveries_due').on('billing_webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
      await db.schema.createIndex('billing_webhook_deliveries_endpoint').on('billing_webhook_deliveries').columns(['endpoint_id', 'created_at']).execute();
      await db.schema.createIndex('billing_webhook_deliveries_event').on('billing_webhook_deliveries').columns(['event_id', 'endpoint_id']).unique().execute();

      await db.schema
        .createTable('billing_webhook_attempts')
        .addColumn('attempt_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('delivery_id', 'varchar(64)', (c) => c.notNull().references('billing_webhook_deliveries.delivery_id').onDelete('cascade'))
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('http_status', 'integer')
        .addColumn('error', 'text')
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('billing_webhook_attempts_delivery').on('billing_webhook_attempts').columns(['delivery_id', 'attempt']).execute();
    },
  },
  '0005_reporting_overview': {
    async up(db: Kysely<any>) {
      // The overview's sync volume reads the pulls that finished in a window (bench/console.ts).
      await db.schema.createIndex('sync_tasks_finished').on('sync_tasks').columns(['finished_at', 'shop_id']).execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
