import { readFileSync } from 'node:fs';
import { type AuthModule, createAuthModule } from './auth/auth-module.js';
import { adminAuthRoutes } from './auth/routes/admin-routes.js';
import { discoveryRoutes } from './auth/routes/discovery-routes.js';
import { oauthRoutes } from './auth/routes/oauth-routes.js';
import { SHARED_SCHEMAS } from './auth/routes/schemas.js';
import { type Catalog, catalog } from './catalog/catalog.js';
import { ensureContentTables } from './catalog/content-tables.js';
import { type CloudSyncModule, createCloudSyncModule } from './cloudsync/cloudsync-module.js';
import { removeStaleSpoolFiles } from './cloudsync/ingest/spool.js';
import { consoleRoutes } from './console/console-routes.js';
import { adminCloudSyncRoutes } from './cloudsync/routes/admin-routes.js';
import { CLOUDSYNC_SCHEMAS } from './cloudsync/routes/schemas.js';
import { shopFacingRoutes } from './cloudsync/routes/shop-facing-routes.js';
import { type BillingModule, createBillingModule } from './billing/billing-module.js';
import { adminBillingRoutes } from './billing/routes/admin-routes.js';
import { billingRoutes } from './billing/routes/billing-plugin.js';
import { BillingErrorBody } from './billing/routes/schemas.js';
import { adminWebhookRoutes } from './billing/webhooks/admin-routes.js';
import { type WebhooksModule, createWebhooksModule } from './billing/webhooks/webhooks-module.js';
import { type RawModule, createRawModule } from './raw/raw-module.js';
import { adminSyncRoutes } from './sync/routes/admin-routes.js';
import { syncRoutes } from './sync/routes/sync-routes.js';
import { type SyncModule, createSyncModule } from './sync/sync-module.js';
import { rawRoutes } from './raw/routes/raw-routes.js';
import { rawItemSchemas } from './raw/routes/schemas.js';
import { type ReportingModule, createReportingModule } from './reporting/reporting-module.js';
import { reportingRoutes } from './reporting/routes/reporting-routes.js';
import { adminShopRoutes } from './shops/routes/admin-routes.js';
import { SHOPS_SCHEMAS } from './shops/routes/schemas.js';
import { shopSelfServiceRoutes } from './shops/routes/shop-routes.js';
import { type ShopsModule, createShopsModule } from './shops/shops-module.js';
import { opsRoutes } from './ops/routes.js';
import { portalRoutes } from './portal/portal-routes.js';
import type { Config } from './platform/config/config.js';
import { MasterSecret } from './platform/crypto/master-secret.js';
import { type Db, openDatabase, ping } from './platform/db/database.js';
import { checkMasterSecret } from './platform/db/server-meta.js';
import { registerOpenApi } from './platform/http/openapi.js';
import { type App, createHttpServer } from './platform/http/server.js';
import { Metrics } from './platform/observability/metrics.js';

export const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Everything a psif process holds: the composition root shared by `psif start`, the CLI and the tests. */
export interface Core {
  config: Config;
  db: Db;
  auth: AuthModule;
  catalog: Catalog;
  shops: ShopsModule;
  cloudsync: CloudSyncModule;
  raw: RawModule;
  reporting: ReportingModule;
  sync: SyncModule;
  webhooks: WebhooksModule;
  billing: BillingModule;
  /** True when this start created the master secret (a fresh installation). */
  createdSecret: boolean;
  close(): Promise<void>;
}

export async function openCore(config: Config): Promise<Core> {
  const { secret, created } = config.auth.secretKey
    ? { secret: MasterSecret.fromHex(config.auth.secretKey), created: false }
    : MasterSecret.loadOrCreate(config.dataDir);
  const db = await openDatabase(config);
  try {
    await checkMasterSecret(db.kysely, secret);
    await ensureContentTables(db.kysely, db.backend, catalog);
    const auth = createAuthModule(db.kysely, config, secret);
    await auth.keys.init();
    const shops = createShopsModule(db.kysely, auth, catalog);
    const cloudsync = createCloudSyncModule(db, config, shops, catalog);
    const raw = createRawModule(db, config, catalog);
    const reporting = createReportingModule(db, config, catalog);
    const sync = createSyncModule(db, config, VERSION, catalog, shops, cloudsync);
    const webhooks = createWebhooksModule(db, config, secret.deriveKey('billing-webhook-secrets'), VERSION);
    const billing = createBillingModule(db, config, secret, webhooks);
    return {
      config, db, auth, catalog, shops, cloudsync, raw, reporting, sync, webhooks, billing, createdSecret: created,
      async close() {
        await billing.stop();
        await webhooks.stop();
        await sync.stop();
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}

export interface Server {
  app: App;
  core: Core;
  metrics: Metrics;
  /** Stops accepting connections, drains in-flight requests, then closes the database. */
  close(): Promise<void>;
}

export async function buildServer(core: Core): Promise<Server> {
  const { config, auth, cloudsync } = core;
  const metrics = new Metrics();
  const app = createHttpServer(config);
  let closing = false;
  app.addHook('onClose', async () => {
    closing = true;
  });
  for (const schema of [...SHARED_SCHEMAS, BillingErrorBody, ...SHOPS_SCHEMAS, ...CLOUDSYNC_SCHEMAS, ...rawItemSchemas(core.raw.contents.values())]) app.addSchema(schema);
  if (config.auth.insecureShopTokens) {
    app.log.warn('INSECURE MODE: PSIF_SHOP_TOKEN_INSECURE=true makes shop-facing routes accept unverified shop tokens. Never use it outside a test rig.');
  }
  removeStaleSpoolFiles(cloudsync.spoolDirectory, 86_400_000);
  metrics.instrument(app);
  if (config.role !== 'worker') await registerOpenApi(app, { publicUrl: config.publicUrl, version: VERSION });

  await app.register(opsRoutes, { metrics, readiness: { check: () => ping(core.db), shuttingDown: () => closing } });
  // A worker process serves only the probes and metrics above: the APIs run in the api (or all) processes.
  if (config.role !== 'worker') await registerApis(app, core, metrics);
  // After listening: the first pulls make the shop upload to this very process.
  if (config.role !== 'api') app.addHook('onListen', async () => void core.sync.startWorker(app.log, metrics));
  if (config.role !== 'api') {
    app.addHook('onListen', async () => {
      core.webhooks.startDispatcher(app.log, metrics);
      core.billing.startClock(app.log, metrics);
    });
  }

  const purge = setInterval(() => {
    auth.housekeeping().catch((error: unknown) => app.log.warn({ err: error }, 'auth housekeeping failed'));
    cloudsync.housekeeping().catch((error: unknown) => app.log.warn({ err: error }, 'sync history housekeeping failed'));
    core.sync.housekeeping().catch((error: unknown) => app.log.warn({ err: error }, 'sync task housekeeping failed'));
    core.webhooks.housekeeping().catch((error: unknown) => app.log.warn({ err: error }, 'webhook log housekeeping failed'));
  }, 3_600_000);
  purge.unref();

  await app.ready();
  return {
    app,
    core,
    metrics,
    async close() {
      clearInterval(purge);
      // The worker first: its pulls end with the shop uploading to this process' collector.
      await core.sync.stop();
      await app.close();
      await core.close();
    },
  };
}

async function registerApis(app: App, core: Core, metrics: Metrics): Promise<void> {
  const { config, auth, shops, cloudsync } = core;
  await app.register(discoveryRoutes, { auth });
  await app.register(oauthRoutes, { auth, metrics });
  await app.register(adminAuthRoutes, { auth, prefix: '/admin/v1' });
  await app.register(adminShopRoutes, { auth, shops, prefix: '/admin/v1' });
  await app.register(adminCloudSyncRoutes, { auth, cloudsync, prefix: '/admin/v1' });
  await app.register(shopSelfServiceRoutes, { auth, shops });
  await app.register(shopFacingRoutes, { auth, cloudsync, metrics });
  await app.register(rawRoutes, { auth, raw: core.raw, publicUrl: config.publicUrl });
  await app.register(reportingRoutes, { auth, reporting: core.reporting, billing: core.billing });
  await app.register(adminSyncRoutes, { auth, sync: core.sync, prefix: '/admin/v1' });
  await app.register(syncRoutes, { auth, sync: core.sync, access: core.raw.access, catalog: core.catalog });
  await app.register(adminWebhookRoutes, { auth, webhooks: core.webhooks, prefix: '/admin/v1' });
  await app.register(adminBillingRoutes, { auth, billing: core.billing, prefix: '/admin/v1' });
  await app.register(billingRoutes, { auth, billing: core.billing, prefix: '/billing/v1' });
  await app.register(consoleRoutes);
  await app.register(portalRoutes);
}
