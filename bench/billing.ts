// Billing benchmark: N subscriptions renewing at one tick of the billing clock, then the webhooks those
// renewals caused delivered to a local receiver; against the same number of invoice rows inserted
// directly, in one transaction, on the same backend. Goal: renewals/s at least 0.3x the baseline's
// invoices/s.
//
//   npm run build && npx tsx bench/billing.ts
//
// Env: BENCH_BILLING_SUBSCRIPTIONS (100000), BENCH_BILLING_WEBHOOKS (1; 0 skips the delivery phase),
// BENCH_BILLING_WEBHOOK_TIMEOUT_S (600: the delivery phase stops there and reports the rate so far,
// marked partial; it fails after 60 s without progress), BENCH_ROUNDS (1; each round starts from fresh
// databases), BENCH_BACKENDS ("sqlite,postgres"), BENCH_PG_URL, BENCH_BILLING_KEEP (keep the databases),
// BENCH_BILLING_PSIF_ENV (extra settings of psif's side, e.g. "PSIF_BILLING_CLOCK_BATCH=1000").
//
// psif runs in this process, from dist/ (`npm run build` first): openCore with PSIF_ROLE=api, so no
// clock or dispatcher starts by itself, and PSIF_BILLING_LIVE_GATEWAY=sandbox, so live renewals are
// charged (by the sandbox gateway, in process). The receiver runs in a child process
// (bench/baselines/webhook-receiver.ts). With taskset, this process is pinned to core 0 and the receiver
// to core 1; PostgreSQL, when used, is not pinned.
//
// Per round and backend:
//   setup     (not timed) a vendor client, a product and a flat monthly plan (19.90 EUR) through the
//             catalog service, a live webhook endpoint of the vendor (every event type) pointing at the
//             receiver, a card attached once through the gateway; then N customers (shops, FR billing
//             address so VAT is computed, that card) and N active live subscriptions whose term ends at
//             the same instant T an hour ago (next_action_at = T, test_clock = 0), written with Kysely
//             multi-row INSERTs of 500 rows in one transaction.
//   baseline  (timed) into a separate, freshly migrated psif database (same backend, same DDL and
//             indexes, same connection settings): N billing_invoices rows shaped like the renewal
//             invoices (same columns and values, a one-line line_items JSON), built and inserted with
//             Kysely multi-row INSERTs of 500 rows (psif's own outbox batch size, well under both
//             backends' parameter limits) inside ONE transaction. That is the most direct write psif's
//             stack can make of those rows: same driver, same query builder, no per-row round trip, one
//             commit; what is left is building the rows and maintaining the table's five indexes.
//   renewals  (timed) core.billing.clock.runDue(now) once. Checked after: the round reports N
//             transitions; N renewal invoices exist, all paid, with the expected total; N successful
//             transactions; no subscription is still due.
//   webhooks  (PostgreSQL: ANALYZE first, as autovacuum would after the renewals' inserts)
//             (timed) core.webhooks.startDispatcher(silent logger) until every delivery has succeeded
//             (the DB is polled every 500 ms; the end is the last succeeded_at). Checked after: no
//             delivery failed, the receiver got exactly as many requests and distinct webhook-id values
//             as there are deliveries.

import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FastifyBaseLogger } from 'fastify';
import { type Kysely, sql } from 'kysely';
import { pino } from 'pino';

import { addPeriod } from '../src/billing/periods.js';
import type { Database } from '../src/platform/db/schema.js';
import { isMain, runMain } from './lib/entry.js';
import { cleanEnv, freePort, median, printTable, psifServerEnv, type Row, serverCore, startServerProcess, warnIfStaleBuild } from './lib/load.js';
import { backendsFromEnv, integerFromEnv } from './lib/options.js';
import { BENCH_PG_URL, dropSchemas, postgresUnreachable } from './lib/postgres.js';

type AppModule = typeof import('../src/app.js');
type ConfigModule = typeof import('../src/platform/config/config.js');
type DatabaseModule = typeof import('../src/platform/db/database.js');
type Core = Awaited<ReturnType<AppModule['openCore']>>;
type Backend = 'sqlite' | 'postgres';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(REPO_ROOT, 'dist');
const RECEIVER_SCRIPT = fileURLToPath(new URL('./baselines/webhook-receiver.ts', import.meta.url));

const GOAL_RATIO = 0.3;
const ROWS_PER_INSERT = 500;
const POLL_MS = 500;
const STALL_MS = 60_000;
const CARD = { number: '4111111111111111', expiryMonth: 12, expiryYear: 2099, cvc: '123' };
const PLAN_PRICE = 1990;
const FR_VAT = 2000;
const ADDRESS = JSON.stringify({ line1: '1 rue de Rivoli', city: 'Paris', zip: '75001', country: 'FR', validation_status: 'not_validated' });

interface Settings {
  subscriptions: number;
  webhooks: boolean;
  webhookTimeoutMs: number;
  rounds: number;
}

interface RoundResult {
  baselineMs: number;
  renewalMs: number;
  renewalsPerSecond: number;
  baselinePerSecond: number;
  ratio: number;
  deliveries?: number;
  deliveryMs?: number;
  deliveriesPerSecond?: number;
  /** The delivery phase hit BENCH_BILLING_WEBHOOK_TIMEOUT_S: the rate is over what was delivered by then. */
  deliveriesPartial?: boolean;
  /** Rows written per renewal, by table. */
  perRenewal: Record<string, number>;
  checks: string[];
}

function settingsFromEnv(): Settings {
  return {
    subscriptions: integerFromEnv('BENCH_BILLING_SUBSCRIPTIONS', process.env.BENCH_BILLING_SUBSCRIPTIONS, 100_000, 1),
    webhooks: integerFromEnv('BENCH_BILLING_WEBHOOKS', process.env.BENCH_BILLING_WEBHOOKS, 1, 0) !== 0,
    webhookTimeoutMs: integerFromEnv('BENCH_BILLING_WEBHOOK_TIMEOUT_S', process.env.BENCH_BILLING_WEBHOOK_TIMEOUT_S, 600, 1) * 1000,
    rounds: integerFromEnv('BENCH_ROUNDS', process.env.BENCH_ROUNDS, 1, 1),
  };
}

async function dist<T>(path: string): Promise<T> {
  return (await import(pathToFileURL(join(DIST, path)).href)) as T;
}

/** psif's id shape for invoices and subscriptions (src/billing/model.ts newId): time-ordered, so inserts append to the key. */
function billingId(prefix: string): string {
  return `${prefix}_${Date.now().toString(36).padStart(9, '0')}${randomBytes(8).toString('base64url')}`;
}

/** A psif environment: fresh data dir, on PostgreSQL a fresh schema; no background work; sandbox gateway for live data. */
async function psifEnv(backend: Backend, tag: string): Promise<{ env: Record<string, string>; dataDir: string; schema: string | undefined }> {
  const dataDir = await mkdtemp(join(tmpdir(), `psif-bench-billing-${tag}-`));
  const schema = backend === 'postgres' ? `bench_billing_${tag}_${randomUUID().slice(0, 8)}` : undefined;
  const env: Record<string, string> = {
    ...psifServerEnv(dataDir, await freePort()),
    LOG_LEVEL: 'silent',
    PSIF_ROLE: 'api',
    PSIF_BILLING_LIVE_GATEWAY: 'sandbox',
    ...(schema ? { DATABASE_URL: BENCH_PG_URL, PSIF_DATABASE_SCHEMA: schema } : {}),
    ...extraPsifEnv(),
  };
  return { env, dataDir, schema };
}

/** BENCH_BILLING_PSIF_ENV: "NAME=value,NAME=value", layered over psif's environment (to try settings). */
function extraPsifEnv(): Record<string, string> {
  const raw = process.env.BENCH_BILLING_PSIF_ENV ?? '';
  const pairs = raw.split(',').map((pair) => pair.trim()).filter(Boolean);
  return Object.fromEntries(pairs.map((pair) => {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`BENCH_BILLING_PSIF_ENV: "${pair}" is not NAME=value`);
    return [pair.slice(0, at), pair.slice(at + 1)];
  }));
}

interface Fixture {
  vendorClientId: string;
  productId: string;
  planId: string;
  /** The instant every term ends (next_action_at), and the term that follows. */
  termEnd: number;
  nextTermEnd: number;
  paymentMethod: string;
}

/** The rows that describe the invoices a renewal writes: used by the baseline, and checked against psif's. */
function invoiceRow(f: Fixture, customerId: string, subscriptionId: string, now: number): Database['billing_invoices'] {
  const invoiceId = billingId('inv');
  const tax = Math.round((PLAN_PRICE * FR_VAT) / 10_000);
  const lines = [{ invoiceLineItemId: `${invoiceId}-1`, componentId: f.planId, entityType: 'plan_item_price', description: `${f.planId} (1 × month)`, quantity: 1, unitAmount: PLAN_PRICE, amount: PLAN_PRICE, dateFrom: f.termEnd, dateTo: f.nextTermEnd, taxRate: FR_VAT, taxAmount: tax }];
  return {
    invoice_id: invoiceId,
    env: 'live',
    billing_key: `live:${subscriptionId}:renewal:${f.termEnd}`,
    customer_id: customerId,
    subscription_id: subscriptionId,
    product_id: f.productId,
    vendor_client_id: f.vendorClientId,
    reason: 'renewal',
    status: 'paid',
    currency: 'EUR',
    sub_total: PLAN_PRICE,
    tax_rate: FR_VAT,
    tax_amount: tax,
    total: PLAN_PRICE + tax,
    amount_paid: PLAN_PRICE + tax,
    amount_due: 0,
    period_start: f.termEnd,
    period_end: f.nextTermEnd,
    invoice_date: f.termEnd,
    paid_at: f.termEnd,
    line_items: JSON.stringify(lines),
    billing_address: ADDRESS,
    resource_version: now,
    created_at: f.termEnd,
    updated_at: f.termEnd,
  };
}

/** Setup, not timed: the catalog and endpoint through psif's services, then N customers and subscriptions written directly. */
async function seed(core: Core, n: number, receiverUrl: string): Promise<Fixture> {
  const { client } = await core.auth.clients.create({ kind: 'vendor', name: 'bench-billing-vendor' });
  const productId = 'bench_product';
  const planId = 'bench_monthly';
  await core.billing.catalog.createProduct('live', client.clientId, { id: productId, name: 'Bench product' });
  await core.billing.catalog.createComponent('live', client.clientId, productId, { id: planId, componentType: 'plan', pricingModel: 'flat_fee', price: PLAN_PRICE, currencyCode: 'EUR', billingPeriodUnit: 'month' });
  await core.webhooks.endpoints.create({ vendor: client.clientId, env: 'live', url: `${receiverUrl}/webhooks` });
  const method = await core.billing.engine.gateway('live').attach(CARD, Date.now());

  const now = Math.floor(Date.now() / 1000) * 1000;
  const anchor = addPeriod(now - 3_600_000, -1, 'month');
  const termEnd = addPeriod(anchor, 1, 'month');
  const fixture: Fixture = { vendorClientId: client.clientId, productId, planId, termEnd, nextTermEnd: addPeriod(anchor, 2, 'month'), paymentMethod: JSON.stringify(method) };
  const created = anchor - 86_400_000;

  await core.db.kysely.transaction().execute(async (trx) => {
    for (let start = 0; start < n; start += ROWS_PER_INSERT) {
      const customers: Database['billing_customers'][] = [];
      const subscriptions: Database['billing_subscriptions'][] = [];
      for (let i = start; i < Math.min(n, start + ROWS_PER_INSERT); i++) {
        const customerId = randomUUID();
        customers.push({
          env: 'live', customer_id: customerId, type: 'shop', parent_id: null, email: `shop${i}@bench.test`, locale: 'fr', billing_address: ADDRESS, vat_number: null,
          payment_method: fixture.paymentMethod, created_from_ip: null, created_by: client.clientId, clock_at: null, resource_version: created, created_at: created, updated_at: created,
        });
        subscriptions.push({
          subscription_id: billingId('sub'), env: 'live', customer_id: customerId, product_id: productId, vendor_client_id: client.clientId, plan_id: planId, status: 'active',
          quantity: 1, scheduled_quantity: null, usage: 0, addons: '[]', scheduled_plan_id: null, start_at: anchor, trial_start: null, trial_end: null,
          current_term_start: anchor, current_term_end: termEnd, billing_anchor: anchor, next_billing_at: termEnd, activated_at: anchor, cancelled_at: null,
          cancel_schedule_created_at: null, cancel_reason: null, paused_at: null, is_free_trial_used: 0, due_invoices_count: 0, due_since: null, total_dues: 0,
          dunning_attempt: 0, next_retry_at: null, test_clock: 0, next_action_at: termEnd, resource_version: created, created_at: created, updated_at: created,
        });
      }
      await trx.insertInto('billing_customers').values(customers).execute();
      await trx.insertInto('billing_subscriptions').values(subscriptions).execute();
    }
  });
  if (core.db.backend === 'postgres') await sql`analyze`.execute(core.db.kysely);
  return fixture;
}

/** Baseline: the renewal invoices' rows, built and inserted in one transaction into a fresh psif database. */
async function baseline(backend: Backend, n: number, fixture: Fixture): Promise<{ ms: number; cleanup: () => Promise<void> }> {
  const { openDatabase } = await dist<DatabaseModule>('platform/db/database.js');
  const { env, dataDir, schema } = await psifEnv(backend, 'base');
  const db = await openDatabase({ dataDir, databaseUrl: env.DATABASE_URL, databaseSchema: env.PSIF_DATABASE_SCHEMA });
  const cleanup = async () => {
    await db.close();
    if (process.env.BENCH_BILLING_KEEP) console.log(`  kept baseline: ${schema ? `schema ${schema}` : dataDir}`);
    else {
      await rm(dataDir, { recursive: true, force: true });
      if (schema) await dropSchemas([schema]);
    }
  };
  try {
    const now = Date.now();
    const started = performance.now();
    await db.kysely.transaction().execute(async (trx) => {
      for (let start = 0; start < n; start += ROWS_PER_INSERT) {
        const rows: Database['billing_invoices'][] = [];
        for (let i = start; i < Math.min(n, start + ROWS_PER_INSERT); i++) rows.push(invoiceRow(fixture, randomUUID(), billingId('sub'), now));
        await trx.insertInto('billing_invoices').values(rows).execute();
      }
    });
    const ms = performance.now() - started;
    const count = await countOf(db.kysely, 'billing_invoices');
    if (count !== n) throw new Error(`baseline: ${count} invoices written, expected ${n}`);
    return { ms, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function countOf(db: Kysely<Database>, table: keyof Database, where?: (qb: any) => any): Promise<number> {
  let query: any = db.selectFrom(table).select((eb) => eb.fn.countAll().as('n'));
  if (where) query = where(query);
  const row = (await query.executeTakeFirstOrThrow()) as { n: number | string | bigint };
  return Number(row.n);
}

async function receiverStats(url: string): Promise<{ requests: number; distinctIds: number; missingId: number; bytes: number }> {
  return (await (await fetch(`${url}/stats`)).json()) as { requests: number; distinctIds: number; missingId: number; bytes: number };
}

async function round(backend: Backend, settings: Settings): Promise<RoundResult> {
  const n = settings.subscriptions;
  const { openCore } = await dist<AppModule>('app.js');
  const { loadConfig } = await dist<ConfigModule>('platform/config/config.js');
  const port = await freePort();
  const receiver = await startServerProcess(process.execPath, ['--import', 'tsx', RECEIVER_SCRIPT], { PORT: String(port) }, /^READY \d+$/m, { cwd: REPO_ROOT, baseEnv: cleanEnv() });
  const receiverUrl = `http://127.0.0.1:${port}`;
  const { env, dataDir, schema } = await psifEnv(backend, 'psif');
  let core: Core | undefined;
  let baselineCleanup: (() => Promise<void>) | undefined;
  try {
    core = await openCore(loadConfig(env));
    const db = core.db.kysely;
    let t = performance.now();
    const fixture = await seed(core, n, receiverUrl);
    console.log(`  setup: ${n} customers and subscriptions in ${((performance.now() - t) / 1000).toFixed(1)} s (not timed)`);

    // Baseline first, on a fresh database of the same backend.
    const base = await baseline(backend, n, fixture);
    baselineCleanup = base.cleanup;
    const baselinePerSecond = n / (base.ms / 1000);
    console.log(`  baseline: ${n} invoices in one transaction in ${(base.ms / 1000).toFixed(2)} s, ${Math.round(baselinePerSecond)} invoices/s`);

    // Renewals: one tick of the clock.
    const now = Date.now();
    t = performance.now();
    const tick = await core.billing.clock.runDue(now);
    const renewalMs = performance.now() - t;
    const renewalsPerSecond = n / (renewalMs / 1000);
    console.log(`  renewals: ${tick.transitions} transitions (${tick.skipped} skipped) in ${(renewalMs / 1000).toFixed(2)} s, ${Math.round(renewalsPerSecond)} renewals/s`);

    const checks: string[] = [];
    const expect = (what: string, got: number, want: number) => {
      if (got !== want) throw new Error(`check failed: ${what}: ${got}, expected ${want}`);
      checks.push(`${what} = ${got}`);
    };
    expect('transitions', tick.transitions, n);
    expect('skipped', tick.skipped, 0);
    const renewals = await countOf(db, 'billing_invoices', (q) => q.where('reason', '=', 'renewal'));
    expect('renewal invoices', renewals, n);
    const expectedTotal = invoiceRow(fixture, 'x', 'y', 0).total;
    expect('renewal invoices paid, total as expected', await countOf(db, 'billing_invoices', (q) => q.where('reason', '=', 'renewal').where('status', '=', 'paid').where('total', '=', expectedTotal).where('amount_due', '=', 0).where('period_start', '=', fixture.termEnd).where('period_end', '=', fixture.nextTermEnd)), n);
    expect('successful transactions', await countOf(db, 'billing_transactions', (q) => q.where('status', '=', 'success')), n);
    expect('subscriptions still due', await countOf(db, 'billing_subscriptions', (q) => q.where('test_clock', '=', 0).where('next_action_at', '<=', now)), 0);
    expect('subscriptions renewed to the next term', await countOf(db, 'billing_subscriptions', (q) => q.where('current_term_start', '=', fixture.termEnd).where('next_action_at', '=', fixture.nextTermEnd).where('status', '=', 'active')), n);
    // One invoice of psif's, side by side with the baseline's shape: same columns, same line.
    const sample = await db.selectFrom('billing_invoices').selectAll().where('reason', '=', 'renewal').limit(1).executeTakeFirstOrThrow();
    const shaped = invoiceRow(fixture, sample.customer_id, sample.subscription_id, sample.resource_version);
    const mismatched = (Object.keys(shaped) as (keyof typeof shaped)[]).filter((k) => !['invoice_id', 'line_items', 'resource_version'].includes(k) && shaped[k] !== sample[k]);
    const sampleLines = JSON.parse(sample.line_items) as Record<string, unknown>[];
    const shapedLines = JSON.parse(shaped.line_items) as Record<string, unknown>[];
    if (mismatched.length > 0 || sampleLines.length !== 1 || Object.keys(sampleLines[0]!).sort().join() !== Object.keys(shapedLines[0]!).sort().join()) {
      throw new Error(`the baseline's invoice shape differs from psif's: ${mismatched.map((k) => `${k}: ${String(sample[k])} vs ${String(shaped[k])}`).join(', ')} ${sample.line_items}`);
    }
    checks.push("a renewal invoice matches the baseline's row column by column");

    const events = await countOf(db, 'billing_webhook_events');
    const deliveries = await countOf(db, 'billing_webhook_deliveries');
    const perRenewal = {
      invoices: renewals / n,
      transactions: (await countOf(db, 'billing_transactions')) / n,
      events: events / n,
      deliveries: deliveries / n,
      'subscription updates': (await countOf(db, 'billing_subscriptions', (q) => q.where('resource_version', '>', fixture.termEnd))) / n,
    };

    const result: RoundResult = { baselineMs: base.ms, renewalMs, renewalsPerSecond, baselinePerSecond, ratio: renewalsPerSecond / baselinePerSecond, perRenewal, checks };

    if (settings.webhooks) {
      // What autovacuum does in production after a burst of inserts (it is off on some test servers): the
      // dispatcher's claim is planned with statistics that know about the deliveries just written.
      if (backend === 'postgres') await sql`analyze`.execute(db);
      const silent = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;
      const started = Date.now();
      core.webhooks.startDispatcher(silent);
      let lastDone = -1;
      let lastProgress = Date.now();
      let lastLine = Date.now();
      let partial = false;
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        const done = await countOf(db, 'billing_webhook_deliveries', (q) => q.where('status', '=', 'succeeded'));
        const failed = await countOf(db, 'billing_webhook_deliveries', (q) => q.where('status', '=', 'failed'));
        if (failed > 0) throw new Error(`${failed} webhook deliveries failed`);
        if (done === deliveries) break;
        if (done !== lastDone) {
          lastDone = done;
          lastProgress = Date.now();
        }
        if (Date.now() - lastLine > 10_000) {
          lastLine = Date.now();
          console.log(`  webhooks: ${done}/${deliveries} delivered`);
        }
        if (Date.now() - lastProgress > STALL_MS) throw new Error(`webhook deliveries stalled at ${done}/${deliveries}`);
        if (Date.now() - started > settings.webhookTimeoutMs) {
          partial = true;
          break;
        }
      }
      await core.webhooks.stop();
      const done = await countOf(db, 'billing_webhook_deliveries', (q) => q.where('status', '=', 'succeeded'));
      const last = (await db.selectFrom('billing_webhook_deliveries').select((eb) => eb.fn.max('succeeded_at').as('at')).executeTakeFirstOrThrow()) as { at: number | string | null };
      const deliveryMs = Number(last.at) - started;
      const stats = await receiverStats(receiverUrl);
      if (partial) {
        // Stopped on time: every attempt in flight was recorded by stop(), so requests and outcomes agree.
        expect('receiver requests (partial run)', stats.requests, done);
      } else {
        expect('receiver requests', stats.requests, deliveries);
      }
      expect('receiver distinct webhook-id values', stats.distinctIds, done);
      expect('attempts recorded', await countOf(db, 'billing_webhook_attempts'), done);
      result.deliveries = done;
      result.deliveryMs = deliveryMs;
      result.deliveriesPerSecond = done / (deliveryMs / 1000);
      result.deliveriesPartial = partial;
      console.log(`  webhooks: ${done}${partial ? ` of ${deliveries} (PARTIAL: stopped after ${settings.webhookTimeoutMs / 1000} s)` : ''} deliveries in ${(deliveryMs / 1000).toFixed(1)} s, ${Math.round(result.deliveriesPerSecond)} deliveries/s (${(stats.bytes / Math.max(1, done)).toFixed(0)} bytes per body)`);
    }
    return result;
  } finally {
    await core?.close();
    await receiver.stop();
    await baselineCleanup?.();
    if (process.env.BENCH_BILLING_KEEP) console.log(`  kept: ${schema ? `schema ${schema}` : dataDir}`);
    else {
      await rm(dataDir, { recursive: true, force: true });
      if (schema) await dropSchemas([schema]);
    }
  }
}

export async function benchBilling(): Promise<Record<string, unknown>> {
  if (!existsSync(join(DIST, 'app.js'))) throw new Error('dist/app.js is missing: run `npm run build` first');
  warnIfStaleBuild(REPO_ROOT, join(DIST, 'app.js'));
  const settings = settingsFromEnv();
  serverCore();
  const extra = Object.entries(extraPsifEnv()).map(([k, v]) => `${k}=${v}`).join(' ');
  console.log(`${settings.subscriptions} subscriptions renewing at one clock tick; ${settings.rounds} round(s); webhooks ${settings.webhooks ? 'on' : 'off'};${extra ? ` psif env ${extra};` : ''} load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const results: Record<string, unknown> = {};
  const rows: Row[] = [];
  for (const backend of backendsFromEnv()) {
    if (backend === 'postgres') {
      const why = await postgresUnreachable();
      if (why) {
        console.log(`postgres: skipped (${why})`);
        continue;
      }
    }
    const rounds: RoundResult[] = [];
    for (let i = 0; i < settings.rounds; i++) {
      console.log(`${backend} round ${i + 1}:`);
      rounds.push(await round(backend, settings));
    }
    const ratio = median(rounds.map((r) => r.ratio));
    const renewals = median(rounds.map((r) => r.renewalsPerSecond));
    const base = median(rounds.map((r) => r.baselinePerSecond));
    const delivered = rounds.filter((r) => r.deliveriesPerSecond !== undefined);
    const deliveries = delivered.length ? median(delivered.map((r) => r.deliveriesPerSecond!)) : undefined;
    rows.push({
      backend,
      'renewals/s': Math.round(renewals),
      'baseline invoices/s': Math.round(base),
      [`ratio (goal >= ${GOAL_RATIO})`]: ratio.toFixed(2),
      goal: ratio >= GOAL_RATIO ? 'met' : 'NOT met',
      rounds: rounds.map((r) => r.ratio.toFixed(2)).join(' '),
      'deliveries/s': deliveries === undefined ? 'skipped' : `${Math.round(deliveries)}${delivered.some((r) => r.deliveriesPartial) ? ' (partial)' : ''}`,
      'rows per renewal': Object.entries(rounds[0]!.perRenewal).map(([k, v]) => `${k} ${Number(v.toFixed(2))}`).join(', '),
    });
    results[backend] = { renewalsPerSecond: renewals, baselinePerSecond: base, ratio, goalMet: ratio >= GOAL_RATIO, deliveriesPerSecond: deliveries, rounds };
    console.log(`  checks: ${rounds[0]!.checks.join('; ')}`);
  }
  console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  printTable(rows);
  return results;
}

if (isMain(import.meta.url)) runMain(benchBilling);
