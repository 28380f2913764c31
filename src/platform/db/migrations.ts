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
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
