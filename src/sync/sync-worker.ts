import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { SyncConfig } from '../platform/config/config.js';
import type { Logger } from '../platform/observability/logger.js';
import type { Metrics } from '../platform/observability/metrics.js';
import type { SyncTask } from './model.js';
import type { HealthProbe } from './health-probe.js';
import type { HealthRepository } from './storage/health-repository.js';
import type { TasksRepository } from './storage/tasks-repository.js';
import type { SyncPlanner } from './sync-planner.js';
import type { RunOutcome, TaskRunner } from './task-runner.js';

export interface WorkerDependencies {
  config: SyncConfig;
  tasks: TasksRepository;
  planner: SyncPlanner;
  runner: TaskRunner;
  health: HealthRepository;
  probe: HealthProbe;
  log: Logger;
  metrics?: Metrics | undefined;
}

const HEALTH_PROBES_AT_ONCE = 4;
const SCHEDULE_EVERY_TICKS = 5;

/**
 * The loop of one worker process: plans (consents, live sync, schedules), claims due pulls up to its
 * concurrency, runs them under renewed leases, and probes shop health. Several processes may run it on one
 * PostgreSQL database; claims and leases keep every pull in one process at a time.
 */
export class SyncWorker {
  readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly running = new Map<string, Promise<RunOutcome>>();
  private readonly probing = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private ticking: Promise<void> | undefined;
  private ticks = 0;
  private kicked = false;
  private lastPlanAll = 0;
  private consentWatermark = Date.now();
  /** Counters for tests, metrics and the CLI. */
  readonly stats = { claimed: 0, succeeded: 0, failed: 0, retried: 0, cancelled: 0, lostLeases: 0 };

  constructor(private readonly deps: WorkerDependencies) {}

  start(): void {
    this.deps.log.info({ worker: this.id, concurrency: this.deps.config.concurrency }, 'sync worker started');
    this.schedule(0);
  }

  /** Runs one planning and claiming round now (tests and triggers use it to skip the poll delay). */
  kick(): void {
    if (this.stopping) return;
    // During a round, run another one right after it rather than a poll later.
    if (this.ticking) this.kicked = true;
    else this.schedule(0);
  }

  /** Stops claiming; running pulls finish their current call and go back to the queue. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.ticking;
    await Promise.allSettled([...this.running.values()]);
  }

  private schedule(delay: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.ticking = this.tick()
        .catch((error: unknown) => this.deps.log.error({ err: error, worker: this.id }, 'sync worker round failed'))
        .finally(() => {
          this.ticking = undefined;
          const delay = this.kicked ? 0 : this.deps.config.pollMs;
          this.kicked = false;
          if (!this.stopping) this.schedule(delay);
        });
    }, delay);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const { planner, config } = this.deps;
    const now = Date.now();
    if (now - this.lastPlanAll >= config.planIntervalMs) {
      this.lastPlanAll = now;
      const { until } = await planner.consentChanges(this.consentWatermark);
      this.consentWatermark = until;
      await planner.planAll();
    } else {
      const changes = await planner.consentChanges(this.consentWatermark);
      this.consentWatermark = changes.until;
      for (const shopId of changes.shops) await planner.planShop(shopId);
    }
    await planner.planLiveSync(now);
    if (this.ticks++ % SCHEDULE_EVERY_TICKS === 0) {
      await planner.planSchedules(now);
      this.probeHealth(now);
    }
    await this.fill();
  }

  /** Claims pulls until this process runs `concurrency` of them or nothing is due. */
  private async fill(): Promise<void> {
    const { tasks, config } = this.deps;
    while (!this.stopping && this.running.size < config.concurrency) {
      const task = await tasks.claim(this.id, config.shopConcurrency, config.leaseMs);
      if (!task) return;
      this.stats.claimed++;
      const run = this.runWithLease(task).finally(() => {
        this.running.delete(task.taskId);
        this.kick();
      });
      this.running.set(task.taskId, run);
    }
  }

  private async runWithLease(task: SyncTask): Promise<RunOutcome> {
    const { tasks, config, runner, log } = this.deps;
    let lost = false;
    const heartbeat = setInterval(() => {
      tasks.renew(task.taskId, this.id, config.leaseMs).then(
        (held) => {
          if (!held) lost = true;
        },
        (error: unknown) => log.warn({ err: error, taskId: task.taskId }, 'sync lease renewal failed'),
      );
    }, Math.max(100, Math.floor(config.leaseMs / 3)));
    heartbeat.unref();
    try {
      const outcome = await runner.run(task, this.id, () => this.stopping || lost);
      this.deps.metrics?.syncPulls.inc({ mode: task.mode, outcome });
      const counter = ({ succeeded: 'succeeded', failed: 'failed', retry: 'retried', cancelled: 'cancelled', lost_lease: 'lostLeases', stopped: undefined } as const)[outcome];
      if (counter) this.stats[counter]++;
      return outcome;
    } catch (error) {
      log.error({ err: error, taskId: task.taskId, shopId: task.shopId }, 'sync pull crashed; it is retried when its lease expires');
      return 'failed';
    } finally {
      clearInterval(heartbeat);
    }
  }

  private probeHealth(now: number): void {
    const { health, config, log } = this.deps;
    if (this.probing.size >= HEALTH_PROBES_AT_ONCE) return;
    health
      .due(now - config.healthIntervalSeconds * 1000, HEALTH_PROBES_AT_ONCE - this.probing.size)
      .then((shopIds) => {
        for (const shopId of shopIds) {
          if (this.probing.has(shopId)) continue;
          this.probing.add(shopId);
          this.probe(shopId)
            .catch((error: unknown) => log.warn({ err: error, shopId }, 'shop health probe failed'))
            .finally(() => this.probing.delete(shopId));
        }
      })
      .catch((error: unknown) => log.warn({ err: error }, 'listing shops to probe failed'));
  }

  private probe(shopId: string): Promise<unknown> {
    return this.deps.probe.probe(shopId);
  }
}
