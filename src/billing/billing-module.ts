import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from '../platform/observability/metrics.js';
import type { Config } from '../platform/config/config.js';
import type { MasterSecret } from '../platform/crypto/master-secret.js';
import type { Db } from '../platform/db/database.js';
import { NoGateway, SandboxGateway } from './gateway/sandbox-gateway.js';
import { BillingApiKeys } from './services/api-keys.js';
import { BillingClock } from './services/billing-clock.js';
import { BillingCatalog } from './services/catalog.js';
import { BillingCustomers } from './services/customers.js';
import { BillingEngine, type EventSink } from './services/engine.js';
import { BillingKpiReport } from './services/billing-kpis.js';
import { BillingInvoices } from './services/invoices.js';
import { BillingSubscriptions } from './services/subscriptions.js';

/** The Billing API context: catalog, customers, subscriptions and their clock, invoices, API keys. */
export interface BillingModule {
  engine: BillingEngine;
  catalog: BillingCatalog;
  customers: BillingCustomers;
  subscriptions: BillingSubscriptions;
  invoices: BillingInvoices;
  clock: BillingClock;
  apiKeys: BillingApiKeys;
  kpis: BillingKpiReport;
  /** Starts this process' real-time billing clock (roles all and worker). */
  startClock(log: FastifyBaseLogger, metrics?: Metrics): void;
  stop(): Promise<void>;
}

export function createBillingModule(db: Db, config: Config, secret: MasterSecret, events: EventSink): BillingModule {
  const sandbox = new SandboxGateway();
  const engine = new BillingEngine(db, config.billing, { sandbox, live: config.billing.liveGateway === 'sandbox' ? sandbox : new NoGateway() }, events);
  const catalog = new BillingCatalog(db.kysely);
  const customers = new BillingCustomers(engine);
  const clock = new BillingClock(engine, customers);
  return {
    engine,
    catalog,
    customers,
    subscriptions: new BillingSubscriptions(engine, customers, catalog),
    invoices: new BillingInvoices(db.kysely, secret.deriveKey('billing-invoice-links'), config.publicUrl),
    clock,
    kpis: new BillingKpiReport(db.kysely),
    apiKeys: new BillingApiKeys(db.kysely),
    startClock: (log, metrics) => clock.start(log, metrics),
    stop: () => clock.stop(),
  };
}
