import type { Catalog } from '../catalog/catalog.js';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import { ReportingAccess } from './reporting-access.js';
import { ErrorStatistics } from './services/error-statistics.js';
import { JobHistory } from './services/job-history.js';
import { ShopHealth } from './services/shop-health.js';
import { SyncOverview } from './services/sync-overview.js';
import { SyncStateReport } from './services/sync-state.js';

/** The Reporting API context: who may see which shop, and the reports read from the orchestrator's tables. */
export interface ReportingModule {
  access: ReportingAccess;
  overview: SyncOverview;
  errors: ErrorStatistics;
  jobs: JobHistory;
  state: SyncStateReport;
  health: ShopHealth;
  /** Base of the absolute links of paginated answers. */
  publicUrl: string;
  /** The longest error-report window, in days: the sync history psif keeps (PSIF_SYNC_HISTORY_DAYS). */
  maxWindowDays: number;
}

export function createReportingModule(db: Db, config: Config, catalog: Catalog): ReportingModule {
  const kysely = db.kysely;
  return {
    access: new ReportingAccess(kysely, catalog),
    overview: new SyncOverview(kysely),
    errors: new ErrorStatistics(kysely, catalog),
    jobs: new JobHistory(kysely),
    state: new SyncStateReport(kysely),
    health: new ShopHealth(kysely),
    publicUrl: config.publicUrl,
    maxWindowDays: Math.max(1, config.cloudsync.historyDays),
  };
}
