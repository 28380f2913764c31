import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { type Core, openCore } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config/config.js';
import { testBackend } from '../support/backend.js';
import { spawn } from 'node:child_process';
import { CLI, startCliServer } from '../support/cli.js';
import { freePort, isolatedEnv } from '../support/server.js';
import { eventually } from './rig.js';

/**
 * The billing clock bills each renewal exactly once, whoever runs it: two clocks racing in one process,
 * two `psif start --role worker` processes, and a worker killed with SIGKILL and replaced.
 */
const DAY = 86_400_000;
const SUBSCRIPTIONS = 60;
/** The subscriptions are moved this far into the past: two or three renewals each are due. */
const SHIFT = 75 * DAY;

describe('billing clock', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  });

  /** A database with active monthly subscriptions whose renewals fell due while nobody ran the clock. */
  async function prepare(overrides: Record<string, string> = {}): Promise<{ env: Record<string, string>; ids: string[] }> {
    const { env, cleanup } = await isolatedEnv({ PSIF_BILLING_CLOCK_BATCH: '7', ...overrides });
    cleanups.push(cleanup);
    const core = await openCore(loadConfig(env));
    try {
      const vendor = await core.auth.clients.create({ kind: 'vendor', name: 'clockwork' });
      const vendorId = vendor.client.clientId;
      await core.billing.catalog.createProduct('sandbox', vendorId, { id: 'clock_module', name: 'Clock' });
      await core.billing.catalog.createComponent('sandbox', vendorId, 'clock_module', { id: 'clock-plan', componentType: 'plan', pricingModel: 'flat_fee', price: 990, billingPeriodUnit: 'month' });
      const ids: string[] = [];
      for (let i = 0; i < SUBSCRIPTIONS; i++) {
        // Sandbox customers whose test clock was never advanced follow real time, like live ones (live has no gateway here).
        const env = 'sandbox';
        const customerId = randomUUID();
        await core.billing.customers.create(env, { id: customerId, type: 'shop' });
        await core.billing.customers.setPaymentMethod(env, customerId, { number: '4111111111111111', expiryMonth: 12, expiryYear: 2099, cvc: '123' });
        const { snapshot } = await core.billing.subscriptions.create(env, { customerId, productId: 'clock_module', planId: 'clock-plan' }, () => undefined);
        ids.push(snapshot.sub.subscription_id);
      }
      await sql`update billing_subscriptions set current_term_start = current_term_start - ${SHIFT}, current_term_end = current_term_end - ${SHIFT}, billing_anchor = billing_anchor - ${SHIFT}, next_billing_at = next_billing_at - ${SHIFT}, next_action_at = next_action_at - ${SHIFT}, activated_at = activated_at - ${SHIFT}`.execute(core.db.kysely);
      await sql`update billing_invoices set period_start = period_start - ${SHIFT}, period_end = period_end - ${SHIFT}, invoice_date = invoice_date - ${SHIFT}`.execute(core.db.kysely);
      return { env, ids };
    } finally {
      await core.close();
    }
  }

  function spawnWorker(env: Record<string, string>) {
    return spawn(process.execPath, [CLI, 'start', '--role', 'worker'], { env: { PATH: process.env.PATH ?? '', ...env, PSIF_BILLING_CLOCK_INTERVAL_MS: '20' }, stdio: 'ignore' });
  }

  /** Every subscription renewed once per elapsed term, with contiguous periods, and nothing left due. */
  async function expectBilledOnce(env: Record<string, string>, ids: string[]): Promise<number> {
    const core = await openCore(loadConfig(env));
    try {
      const invoices = await core.db.kysely.selectFrom('billing_invoices').select(['subscription_id', 'reason', 'period_start', 'period_end', 'status', 'total']).orderBy('period_start').execute();
      let renewals = 0;
      for (const id of ids) {
        const mine = invoices.filter((i) => i.subscription_id === id);
        expect(mine[0]!.reason).toBe('creation');
        for (let i = 1; i < mine.length; i++) {
          expect(mine[i]!.reason).toBe('renewal');
          expect(mine[i]!.period_start).toBe(mine[i - 1]!.period_end);
          expect(mine[i]!).toMatchObject({ status: 'paid', total: 990 });
        }
        expect(mine.length - 1).toBeGreaterThanOrEqual(2);
        expect(mine.at(-1)!.period_end).toBeGreaterThan(Date.now());
        renewals += mine.length - 1;
      }
      const due = await core.db.kysely.selectFrom('billing_subscriptions').select('subscription_id').where('next_action_at', '<=', Date.now()).execute();
      expect(due).toHaveLength(0);
      const payments = await core.db.kysely.selectFrom('billing_transactions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(Number(payments.n)).toBe(renewals + ids.length);
      return renewals;
    } finally {
      await core.close();
    }
  }

  it('two clocks racing in one process bill each renewal once', async () => {
    const { env, ids } = await prepare();
    const cores: Core[] = [await openCore(loadConfig(env)), await openCore(loadConfig(env))];
    cleanups.push(async () => Promise.all(cores.map((core) => core.close())));
    const now = Date.now();
    const rounds = await Promise.all([cores[0]!.billing.clock.runDue(now), cores[1]!.billing.clock.runDue(now), cores[0]!.billing.clock.runDue(now)]);
    const renewals = await expectBilledOnce(env, ids);
    expect(rounds.reduce((sum, round) => sum + round.transitions, 0)).toBe(renewals);
    // A later round finds nothing more to do.
    expect((await cores[1]!.billing.clock.runDue(Date.now())).transitions).toBe(0);
  });

  it('two worker processes, and a worker killed with SIGKILL, bill each renewal once', async () => {
    const { env, ids } = await prepare();
    const worker = async () => {
      const port = await freePort();
      const server = await startCliServer({ ...env, PSIF_ROLE: 'worker', PSIF_PORT: String(port), PSIF_PUBLIC_URL: `http://127.0.0.1:${port}`, PSIF_BILLING_CLOCK_INTERVAL_MS: '20' });
      cleanups.push(() => server.stop());
      return server;
    };
    // The first worker bills one subscription per transaction and is killed once it has billed some.
    const doomedPort = await freePort();
    const doomed = spawnWorker({ ...env, PSIF_BILLING_CLOCK_BATCH: '1', PSIF_PORT: String(doomedPort), PSIF_PUBLIC_URL: `http://127.0.0.1:${doomedPort}` });
    const observer = await openCore(loadConfig(env));
    cleanups.push(() => observer.close());
    const renewalsSoFar = async () => Number((await observer.db.kysely.selectFrom('billing_invoices').select((eb) => eb.fn.countAll<number>().as('n')).where('reason', '=', 'renewal').executeTakeFirstOrThrow()).n);
    for (const deadline = Date.now() + 20_000; (await renewalsSoFar()) === 0 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 2));
    doomed.kill('SIGKILL');
    await new Promise((resolve) => doomed.once('exit', resolve));
    const billedBeforeKill = await renewalsSoFar();
    expect(billedBeforeKill).toBeGreaterThan(0);
    const workers = await Promise.all([worker(), worker()]);
    await eventually(async () => {
      const core = await openCore(loadConfig(env));
      try {
        const due = await core.db.kysely.selectFrom('billing_subscriptions').select('subscription_id').where('next_action_at', '<=', Date.now()).execute();
        expect(due).toHaveLength(0);
      } finally {
        await core.close();
      }
    }, 60_000);
    const renewals = await expectBilledOnce(env, ids);
    // The survivors' counters hold what they billed: the rest, whatever the killed worker had committed.
    let counted = 0;
    for (const server of workers) {
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      counted += Number(/^psif_billing_clock_transitions_total (\d+)/m.exec(metrics)?.[1] ?? 0);
    }
    expect(counted).toBeLessThanOrEqual(renewals - billedBeforeKill);
    if (billedBeforeKill < renewals) expect(counted).toBeGreaterThan(0);
  });

  it('a subscription that cannot be billed is left due without holding back the others of its batch', async () => {
    const { env, ids } = await prepare({ PSIF_BILLING_CLOCK_BATCH: '1000' });
    const core = await openCore(loadConfig(env));
    cleanups.push(() => core.close());
    const poison = ids[0]!;
    // A row no transition can read (as a bug or a manual edit could leave it): its batch fails as a whole.
    await core.db.kysely.updateTable('billing_subscriptions').set({ addons: 'not json' }).where('subscription_id', '=', poison).execute();
    const errors: unknown[] = [];
    const log = { warn: () => undefined, error: (context: unknown) => errors.push(context), info: () => undefined } as unknown as Parameters<typeof core.billing.clock.runDue>[1];
    const round = await core.billing.clock.runDue(Date.now(), log);
    expect(errors).toEqual([expect.objectContaining({ subscriptionId: poison })]);
    const renewed = await core.db.kysely.selectFrom('billing_invoices').select(['subscription_id']).where('reason', '=', 'renewal').execute();
    expect(new Set(renewed.map((r) => r.subscription_id))).toEqual(new Set(ids.slice(1)));
    expect(round.transitions).toBe(renewed.length);
    const stillDue = await core.db.kysely.selectFrom('billing_subscriptions').select('subscription_id').where('next_action_at', '<=', Date.now()).execute();
    expect(stillDue.map((r) => r.subscription_id)).toEqual([poison]);
  });

  it.runIf(testBackend() === 'postgres')('claims with SKIP LOCKED on PostgreSQL: concurrent batches take different subscriptions', async () => {
    const { env } = await prepare({ PSIF_BILLING_CLOCK_BATCH: '1000' });
    const cores: Core[] = [await openCore(loadConfig(env)), await openCore(loadConfig(env))];
    cleanups.push(async () => Promise.all(cores.map((core) => core.close())));
    const now = Date.now();
    const [a, b] = await Promise.all(cores.map((core) => core.billing.clock.runDue(now)));
    // With SKIP LOCKED the second batch skips what the first holds, instead of waiting and losing every race.
    expect(a!.skipped + b!.skipped).toBe(0);
    expect(a!.transitions + b!.transitions).toBeGreaterThanOrEqual(SUBSCRIPTIONS * 2);
  });
});
