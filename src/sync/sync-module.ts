import type { Catalog } from '../catalog/catalog.js';
import type { CloudSyncModule } from '../cloudsync/cloudsync-module.js';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import type { Logger } from '../platform/observability/logger.js';
import type { ShopsModule } from '../shops/shops-module.js';
import { ConsentedContents } from './consented-contents.js';
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
  /** Starts this process' worker (roles all and worker). */
  startWorker(log: Logger): SyncWorker;
  worker: SyncWorker | undefined;
  /** Stops the worker, if any: running pulls go back to the queue. */
  stop(): Promise<void>;
}

export function createSyncModule(db: Db, config: Config, version: string, catalog: Catalog, shops: ShopsModule, cloudsync: CloudSyncModule): SyncModule {
  const tasks = new TasksRepository(db.kysely, db.backend);
  const state = new StateRepository(db.kysely);
  const errors = new ErrorsRepository(db.kysely);
  const health = new HealthRepository(db.kysely);
  const consented = new ConsentedContents(db.kysely, catalog);
  const planner = new SyncPlanner(db.kysely, config.sync, catalog, shops.shops, consented, tasks, state, cloudsync.liveSync);
  const module: SyncModule = {
    tasks,
    state,
    errors,
    health,
    consented,
    planner,
    worker: undefined,
    startWorker(log) {
      if (module.worker) return module.worker;
      const client = new ShopClient(config.sync.requestTimeoutMs, `psif/${version}`);
      const runner = new TaskRunner({ config: config.sync, catalog, tasks, state, errors, jobs: cloudsync.jobs, shops: shops.shops, reconcile: cloudsync.reconcile, consented, client, log });
      module.worker = new SyncWorker({ config: config.sync, tasks, planner, runner, health, shops: shops.shops, jobs: cloudsync.jobs, client, log });
      module.worker.start();
      return module.worker;
    },
    async stop() {
      await module.worker?.stop();
    },
  };
  return module;
}
