import path from 'node:path';
import type { Catalog } from '../catalog/catalog.js';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import type { ShopsModule } from '../shops/shops-module.js';
import { UploadService } from './ingest/upload-service.js';
import { JobService } from './services/job-service.js';
import { LiveSyncService } from './services/live-sync-service.js';
import { ReconcileService } from './services/reconcile-service.js';
import { ContentWriter } from './storage/content-writer.js';
import { JobsRepository } from './storage/jobs-repository.js';
import { LiveSyncRepository } from './storage/live-sync-repository.js';
import { UploadsRepository } from './storage/uploads-repository.js';

/** The shop-facing side of CloudSync: jobs, the collector, live sync and reconciliation. */
export interface CloudSyncModule {
  jobs: JobService;
  uploads: UploadService;
  uploadLog: UploadsRepository;
  liveSync: LiveSyncService;
  reconcile: ReconcileService;
  /** Where uploads larger than PSIF_UPLOAD_MEMORY_BYTES are spooled. */
  spoolDirectory: string;
  /** Deletes upload log entries and expired jobs older than PSIF_SYNC_HISTORY_DAYS. */
  housekeeping(now?: number): Promise<{ uploads: number; jobs: number }>;
}

export function createCloudSyncModule(db: Db, config: Config, shops: ShopsModule, catalog: Catalog): CloudSyncModule {
  const writer = new ContentWriter(db.backend);
  const jobs = new JobService(new JobsRepository(db.kysely), shops.shops, catalog, config.cloudsync.jobTtlSeconds);
  const uploadLog = new UploadsRepository(db.kysely);
  const spoolDirectory = path.join(config.dataDir, 'spool');
  return {
    jobs,
    uploads: new UploadService(db, catalog, writer, uploadLog, config.cloudsync, spoolDirectory),
    uploadLog,
    liveSync: new LiveSyncService(new LiveSyncRepository(db.kysely), shops.shops, catalog, config.cloudsync.liveSyncDebounceMs),
    reconcile: new ReconcileService(db, writer, jobs, catalog),
    spoolDirectory,
    async housekeeping(now = Date.now()) {
      const before = now - config.cloudsync.historyDays * 86_400_000;
      const uploads = await db.kysely.deleteFrom('uploads').where('received_at', '<', before).executeTakeFirst();
      const expired = await db.kysely.deleteFrom('sync_jobs').where('expires_at', '<', before).executeTakeFirst();
      return { uploads: Number(uploads.numDeletedRows), jobs: Number(expired.numDeletedRows) };
    },
  };
}
