import type { Catalog } from '../catalog/catalog.js';
import type { CloudSyncModule } from '../cloudsync/cloudsync-module.js';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import type { Logger } from '../platform/observability/logger.js';
import type { Metrics } from '../platform/observability/metrics.js';
import type { ShopsModule } from '../shops/shops-module.js';
import { ConsentedContents } from './consented-contents.js';
import { HealthProbe } from './health-probe.js';
import { ShopClient } from './shop-client.js';
import { ErrorsRepository } from './storage/errors-repository.js';
import { HealthRepository } from './storage/health-repository.js';
import { StateRepository } from './storage/state-repository.js';
import { TasksRepository } from './storage/tasks-repository.js';
import { SyncPlanner } from './sync-planner.js';
import { SyncWorker } from './sync-worker.js';
import { TaskRunner } from './task-runner.js';

/** Sync orchestration: psif pulling shops (planner, durable queue, worker) and the records Reporting reads. */
export interface SyncModule {
  tasks: TasksRepository;
  state: StateRepository;
  errors: ErrorsRepository;
  health: HealthRepository;
  consented: ConsentedContents;
  planner: SyncPlanner;
  probe: HealthProbe;
  /** Starts this process' worker (roles all and worker). */
  startWorker(log: Logger, metrics?: Metrics): SyncWorker;
  worker: SyncWorker | undefined;
  /** Deletes finished pulls and error records older than PSIF_SYNC_HISTORY_DAYS. */
  housekeeping(now?: number): Promise<{ tasks: number; errors: number }>;
  /** Stops the worker, if any: running pulls go back to the queue. */
  stop(): Promise<void>;
}

export function createSyncModule(db: Db, config: Config, version: string, catalog: Catalog, shops: ShopsModule, cloudsync: CloudSyncModule): SyncModule {
  const tasks = new TasksRepository(db.kysely, db.backend);
  const state = new StateRepository(db.kysely);
  const errors = new ErrorsRepository(db.kysely);
  const health = new HealthRepository(db.kysely);
  const consented = new ConsentedContents(db.kysely, catalog);
  const client = new ShopClient(config.sync.requestTimeoutMs, `psif/${version}`);
  const probe = new HealthProbe(shops.shops, cloudsync.jobs, client, health);
  const planner = new SyncPlanner(db.kysely, config.sync, catalog, shops.shops, consented, tasks, state, cloudsync.liveSync);
  const module: SyncModule = {
    tasks,
    state,
    errors,
    health,
    consented,
    planner,
    probe,
    worker: undefined,
    startWorker(log, metrics) {
      if (module.worker) return module.worker;
      const runner = new TaskRunner({ config: config.sync, catalog, tasks, state, errors, jobs: cloudsync.jobs, shops: shops.shops, reconcile: cloudsync.reconcile, consented, client, log, metrics });
      module.worker = new SyncWorker({ config: config.sync, tasks, planner, runner, health, probe, log, metrics });
      module.worker.start();
      return module.worker;
    },
    async housekeeping(now = Date.now()) {
      const before = now - config.cloudsync.historyDays * 86_400_000;
      const finished = await db.kysely.deleteFrom('sync_tasks').where('status', 'in', ['succeeded', 'failed', 'cancelled']).where('finished_at', '<', before).executeTakeFirst();
      return { tasks: Number(finished.numDeletedRows), errors: await errors.deleteBefore(before) };
    },
    async stop() {
      await module.worker?.stop();
    },
  };
  return module;
}
