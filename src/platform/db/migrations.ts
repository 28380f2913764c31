import type { Kysely, Migration, MigrationProvider } from 'kysely';

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
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
