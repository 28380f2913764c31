import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from '../../platform/observability/metrics.js';
import type { BillingEnv } from '../../platform/db/schema.js';
import { billingError } from '../billing-errors.js';
import type { Subscription } from '../model.js';
import { ComponentCache, getCustomer } from '../storage/billing-repository.js';
import type { BillingCustomers } from './customers.js';
import { type BillingEngine, LostRace } from './engine.js';

const TEN_YEARS = 10 * 366 * 86_400_000;

export interface ClockRound {
  /** Transitions run (renewals, trial ends, starts, retries, ends of term). */
  transitions: number;
  /** Subscriptions another process or request changed first: left to it. */
  skipped: number;
}

/**
 * The billing clock. The real-time clock runs in worker processes: it claims due subscriptions in
 * batches (SKIP LOCKED on PostgreSQL) and runs each one's due transitions, each guarded by the
 * subscription's resource version, so several processes and restarts never bill twice. Test clocks are
 * per sandbox customer and move only when advanced through the API.
 */
export class BillingClock {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly engine: BillingEngine,
    private readonly customers: BillingCustomers,
  ) {}

  /** One pass over what is due by `now` in both environments, batch after batch until nothing is left. */
  async runDue(now = Date.now(), log?: FastifyBaseLogger): Promise<ClockRound> {
    const round: ClockRound = { transitions: 0, skipped: 0 };
    for (const env of ['live', 'sandbox'] as const) {
      for (;;) {
        const batch = await this.runBatch(env, now, log);
        round.transitions += batch.transitions;
        round.skipped += batch.skipped;
        if (batch.claimed < this.engine.config.clockBatchSize || this.stopped) break;
      }
    }
    return round;
  }

  private async runBatch(env: BillingEnv, now: number, log?: FastifyBaseLogger): Promise<ClockRound & { claimed: number }> {
    const limit = this.engine.config.clockBatchSize;
    const postgres = this.engine.db.backend === 'postgres';
    try {
      return await this.engine.unit(env, async (uow) => {
        let query = uow.trx
          .selectFrom('billing_subscriptions')
          .selectAll()
          .where('test_clock', '=', 0)
          .where('next_action_at', '<=', now)
          .where('env', '=', env)
          .orderBy('next_action_at')
          .limit(limit);
        if (postgres) query = query.forUpdate().skipLocked();
        const due = await query.execute();
        const cache = new ComponentCache(uow.trx, env);
        await cache.prefetch(due);
        let transitions = 0;
        for (const sub of due) transitions += await this.catchUp(uow, sub, cache, now);
        return { transitions, skipped: 0, claimed: due.length };
      });
    } catch (error) {
      // A batch fails as a whole; rerun its subscriptions one by one so one bad subscription blocks no other.
      log?.warn({ err: error, env }, 'billing clock batch failed; retrying its subscriptions one by one');
      return this.runOneByOne(env, now, limit, log);
    }
  }

  private async runOneByOne(env: BillingEnv, now: number, limit: number, log?: FastifyBaseLogger): Promise<ClockRound & { claimed: number }> {
    const due = await this.engine.db.kysely.selectFrom('billing_subscriptions').select('subscription_id').where('test_clock', '=', 0).where('next_action_at', '<=', now).where('env', '=', env).orderBy('next_action_at').limit(limit).execute();
    const round = { transitions: 0, skipped: 0, claimed: 0 };
    for (const { subscription_id } of due) {
      try {
        round.transitions += await this.engine.unit(env, async (uow) => {
          const sub = await uow.trx.selectFrom('billing_subscriptions').selectAll().where('subscription_id', '=', subscription_id).executeTakeFirstOrThrow();
          return this.catchUp(uow, sub, new ComponentCache(uow.trx, env), now);
        });
      } catch (error) {
        if (error instanceof LostRace) round.skipped++;
        else log?.error({ err: error, subscriptionId: subscription_id }, 'billing clock could not run a subscription; it stays due');
      }
    }
    // A poison subscription stays due: report fewer claimed than the limit so the round ends.
    return round;
  }

  private async catchUp(uow: Parameters<BillingEngine['catchUp']>[0], sub: Subscription, cache: ComponentCache, now: number): Promise<number> {
    let transitions = 0;
    let current = sub;
    while (current.next_action_at !== null && current.next_action_at <= now) {
      current = await this.engine.step(uow, current, cache);
      transitions++;
      if (transitions > 10_000) throw new Error(`subscription ${sub.subscription_id} has more than 10000 due transitions`);
    }
    return transitions;
  }

  /**
   * Moves a sandbox customer's test clock forward to `target` and runs, in time order, every transition of
   * its subscriptions due by then, each at its own date (a year of monthly renewals is twelve invoices).
   */
  async advanceTestClock(env: BillingEnv, customerId: string, target: number): Promise<{ now: number; transitions: number }> {
    if (env !== 'sandbox') throw billingError('TEST_CLOCK_SANDBOX_ONLY');
    const customer = await getCustomer(this.engine.db.kysely, env, customerId);
    const from = this.engine.now(customer);
    if (target < from || target - from > TEN_YEARS) throw billingError('TEST_CLOCK_BACKWARDS', `the clock is at ${new Date(from).toISOString()}; it may move forward by up to ten years per call`);
    let transitions = 0;
    for (;;) {
      // One transition per unit of work keeps each transaction short; the order is global across subscriptions.
      const ran = await this.engine.unit(env, async (uow) => {
        const before = await getCustomer(uow.trx, env, customerId);
        const next = await uow.trx.selectFrom('billing_subscriptions').selectAll().where('env', '=', env).where('customer_id', '=', customerId).where('next_action_at', '<=', target).orderBy('next_action_at').limit(1).executeTakeFirst();
        const at = next?.next_action_at ?? target;
        if (before.clock_at === null || before.clock_at < at) {
          await this.customers.save(uow, before, { ...before, clock_at: at });
          await uow.trx.updateTable('billing_subscriptions').set({ test_clock: 1 }).where('env', '=', env).where('customer_id', '=', customerId).where('test_clock', '=', 0).execute();
        }
        if (!next) return false;
        await this.engine.step(uow, { ...next, test_clock: 1 }, new ComponentCache(uow.trx, env));
        return true;
      });
      if (!ran) break;
      transitions++;
    }
    return { now: target, transitions };
  }

  /** Runs the real-time clock every `clockIntervalMs` until stopped. */
  start(log: FastifyBaseLogger, metrics?: Metrics): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.runDue(Date.now(), log)
        .then((round) => {
          metrics?.billingTransitions.inc(round.transitions);
          if (round.transitions > 0) log.info({ transitions: round.transitions, skipped: round.skipped }, 'billing clock round');
        })
        .catch((error: unknown) => log.error({ err: error }, 'billing clock round failed'))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.timer = setTimeout(tick, this.engine.config.clockIntervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}

