import type { Catalog } from '../catalog/catalog.js';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import { ReportingAccess } from './reporting-access.js';
import { ConsentCoverage } from './services/consent-coverage.js';
import { ErrorStatistics } from './services/error-statistics.js';
import { JobHistory } from './services/job-history.js';
import { ShopDirectory } from './services/shop-directory.js';
import { ShopHealth } from './services/shop-health.js';
import { SyncOverview } from './services/sync-overview.js';
import { SyncStateReport } from './services/sync-state.js';
import { VendorOverview } from './services/vendor-overview.js';

/** The Reporting API context: who may see which shop, and the reports read from the orchestrator's tables. */
export interface ReportingModule {
  access: ReportingAccess;
  overview: SyncOverview;
  errors: ErrorStatistics;
  jobs: JobHistory;
  state: SyncStateReport;
  health: ShopHealth;
  /** The shops a viewer may open, and their consents. */
  directory: ShopDirectory;
  /** The dashboard's KPIs across shops. */
  kpis: VendorOverview;
  /** Base of the absolute links of paginated answers. */
  publicUrl: string;
  /** The longest error-report window, in days: the sync history psif keeps (PSIF_SYNC_HISTORY_DAYS). */
  maxWindowDays: number;
}

export function createReportingModule(db: Db, config: Config, catalog: Catalog): ReportingModule {
  const kysely = db.kysely;
  const coverage = new ConsentCoverage(catalog);
  const errors = new ErrorStatistics(kysely, coverage);
  return {
    access: new ReportingAccess(kysely, catalog),
    overview: new SyncOverview(kysely),
    errors,
    jobs: new JobHistory(kysely),
    state: new SyncStateReport(kysely),
    health: new ShopHealth(kysely),
    directory: new ShopDirectory(kysely, catalog),
    kpis: new VendorOverview(kysely, catalog, coverage, errors),
    publicUrl: config.publicUrl,
    maxWindowDays: Math.max(1, config.cloudsync.historyDays),
  };
}
