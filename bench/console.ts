// Console dashboard benchmark: the Reporting API's overview and shop directory, the two requests behind
// the console's first screen, on 2,000 shops with 30 days of sync history; against psif's own vendor
// error report (GET /reporting/v1/vendor/{vendorId}/errors), which aggregates the same error table over
// the vendor's shops, measured in the same run on the same server.
//
//   npm run build && npx tsx bench/console.ts
//
// Env: BENCH_CONSOLE_SHOPS (2000), BENCH_CONSOLE_TASKS (100000), BENCH_CONSOLE_ERRORS (50000),
// BENCH_DURATION (10 s per route), BENCH_CONNECTIONS (32), BENCH_BACKENDS ("sqlite,postgres"), BENCH_PG_URL.
//
// psif runs in this process, from dist/ (`npm run build` first): openCore and buildServer with
// PSIF_ROLE=api (no sync worker, webhook dispatcher or billing clock), listening on 127.0.0.1; autocannon
// runs in the same process, so psif and the load generator share one event loop and no core pinning applies
// (every route alike, the baseline included; the absolute figures are not comparable with the benches that
// run psif out of process).
//
// Per backend, everything fresh (a temp data dir; on PostgreSQL a schema dropped at the end):
//   setup     3 vendor clients with 2 modules each and an admin client (psif's services); then written with
//             Kysely multi-row INSERTs of 500 rows in one transaction: the shops, each with the consents
//             (info, products, orders) of one module and every fifth shop of a second one, a `granted`
//             consent event per consent, the shop's synced `info` row (country among 8), 100,000 finished
//             pulls (sync_tasks, 1 in 20 failed) and 50,000 failed calls (sync_errors) spread over the last
//             30 days, the shops and their consented contents. PostgreSQL then gets ANALYZE, as autovacuum
//             would after such an insert; SQLite gets none, as psif never runs it.
//   check     once, before timing: the vendor overview counts the vendor's shops, the admin overview and
//             the shop directory's total count every shop, the baseline answers 200.
//   alone     each route, 3 requests one at a time (median latency: what one console user waits).
//   load      each route: a 2 s warm-up, then BENCH_DURATION s at BENCH_CONNECTIONS, the baseline first.
//             A route whose responses mostly time out (autocannon's 10 s) is reported as failed, not fatal.
//             After each run, the server is left to finish the requests still queued (drain()) before the next.

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Insertable, type Kysely, sql } from 'kysely';

import type { Database } from '../src/platform/db/schema.js';
import { isMain, runMain } from './lib/entry.js';
import { freePort, median, printTable, psifServerEnv, ratio, runLoad, type LoadResult, type Row, warnIfStaleBuild } from './lib/load.js';
import { backendsFromEnv, benchOptionsFromEnv, type BenchOptions, integerFromEnv } from './lib/options.js';
import { BENCH_PG_URL, dropSchemas, postgresUnreachable } from './lib/postgres.js';
import { mix } from './lib/mix.js';

type AppModule = typeof import('../src/app.js');
type ConfigModule = typeof import('../src/platform/config/config.js');
type Core = Awaited<ReturnType<AppModule['openCore']>>;
type Backend = 'sqlite' | 'postgres';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(REPO_ROOT, 'dist');
const PSIF_CLI = join(DIST, 'cli.js');

const DAY_MS = 86_400_000;
const HISTORY_DAYS = 30;
const ROWS_PER_INSERT = 500;
const WARMUP_SECONDS = 2;
const SAMPLES = 3;
const VENDORS = ['acme', 'globex', 'initech'] as const;
const MODULES_PER_VENDOR = 2;
const CONSENTS = ['info', 'products', 'orders'] as const;
const CONTENTS = ['products', 'orders'] as const;
const COUNTRIES = ['FR', 'DE', 'ES', 'IT', 'GB', 'NL', 'BE', 'PL'] as const;
const ERROR_CODES = ['timeout', 'collector_500', '503', 'invalid_response'] as const;

interface Settings {
  shops: number;
  tasks: number;
  errors: number;
  backends: Backend[];
}

function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Settings {
  return {
    shops: integerFromEnv('BENCH_CONSOLE_SHOPS', env.BENCH_CONSOLE_SHOPS, 2_000, 1),
    tasks: integerFromEnv('BENCH_CONSOLE_TASKS', env.BENCH_CONSOLE_TASKS, 100_000, 0),
    errors: integerFromEnv('BENCH_CONSOLE_ERRORS', env.BENCH_CONSOLE_ERRORS, 50_000, 0),
    backends: backendsFromEnv(env),
  };
}

async function dist<T>(path: string): Promise<T> {
  return (await import(pathToFileURL(join(DIST, path)).href)) as T;
}

const pick = <T>(items: readonly T[], n: number): T => items[mix(n) % items.length]!;

// ---------------------------------------------------------------------------
// Seeding

interface Client {
  clientId: string;
  clientSecret: string;
}

interface Fixture {
  vendors: Array<{ name: string; client: Client; shops: number }>;
  admin: Client;
  shops: number;
}

async function insertChunks<T extends keyof Database>(db: Kysely<Database>, table: T, rows: Iterable<Insertable<Database[T]>>): Promise<number> {
  let chunk: Array<Insertable<Database[T]>> = [];
  let count = 0;
  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return;
    // Kysely's generic table typing does not follow a type parameter; the rows are typed by the caller.
    await (db as unknown as Kysely<Record<string, Record<string, unknown>>>).insertInto(table).values(chunk as Array<Record<string, unknown>>).execute();
    count += chunk.length;
    chunk = [];
  };
  for (const row of rows) {
    chunk.push(row);
    if (chunk.length === ROWS_PER_INSERT) await flush();
  }
  await flush();
  return count;
}

async function seed(core: Core, backend: Backend, settings: Settings, now: number): Promise<Fixture> {
  const vendorClients: Array<{ name: string; client: Client; modules: string[] }> = [];
  for (const name of VENDORS) {
    const created = await core.auth.clients.create({ kind: 'vendor', name });
    const modules: string[] = [];
    for (let m = 0; m < MODULES_PER_VENDOR; m++) {
      const module = `ps_${name}_${m + 1}`;
      await core.shops.modules.create(module, name);
      modules.push(module);
    }
    vendorClients.push({ name, client: { clientId: created.client.clientId, clientSecret: created.clientSecret }, modules });
  }
  const adminCreated = await core.auth.clients.create({ kind: 'admin', name: 'bench-console' });
  const allModules = vendorClients.flatMap((v) => v.modules);

  const shopIds = Array.from({ length: settings.shops }, () => randomUUID());
  // Shop i consents to module i % 6, every fifth shop also to the next one.
  const modulesOf = (i: number): string[] => (i % 5 === 0 ? [allModules[i % allModules.length]!, allModules[(i + 1) % allModules.length]!] : [allModules[i % allModules.length]!]);
  const createdAt = (i: number): number => now - (HISTORY_DAYS + 30) * DAY_MS + (mix(i) % (20 * DAY_MS));
  const infoTable = core.catalog.byPathOrName('info')!.table;
  const notDeleted = backend === 'postgres' ? false : 0;

  await core.db.kysely.transaction().execute(async (trx) => {
    await insertChunks(trx, 'shops', shopIds.map((shop_id, i) => ({ shop_id, url: `https://shop-${i}.example`, languages: '["en"]', client_id: null, created_at: createdAt(i), updated_at: createdAt(i) })));
    await insertChunks(trx, 'consents', (function* () {
      for (const [i, shop_id] of shopIds.entries()) for (const module_name of modulesOf(i)) for (const consent of CONSENTS) yield { shop_id, module_name, consent, granted_at: createdAt(i) };
    })());
    await insertChunks(trx, 'consent_events', (function* () {
      for (const [i, shop_id] of shopIds.entries()) for (const module_name of modulesOf(i)) for (const consent of CONSENTS) yield { event_id: randomUUID(), shop_id, module_name, consent, action: 'granted' as const, via: 'bench', at: createdAt(i) };
    })());
    const info = (trx as unknown as Kysely<Record<string, Record<string, unknown>>>);
    for (let start = 0; start < shopIds.length; start += ROWS_PER_INSERT) {
      const rows = shopIds.slice(start, start + ROWS_PER_INSERT).map((shop_id, k) => {
        const i = start + k;
        return { shop_id, id: '1', country_code: pick(COUNTRIES, i), sys_created_at: createdAt(i), sys_updated_at: createdAt(i), sys_last_synced_at: createdAt(i), sys_deleted: notDeleted };
      });
      await info.insertInto(infoTable).values(rows).execute();
    }
    await insertChunks(trx, 'sync_tasks', (function* () {
      for (let n = 0; n < settings.tasks; n++) {
        const shop_id = shopIds[mix(n * 2 + 1) % shopIds.length]!;
        const created_at = now - (mix(n * 2 + 2) % (HISTORY_DAYS * DAY_MS)) - 120_000;
        const failed = n % 20 === 0;
        yield {
          task_id: randomUUID(), shop_id, content: pick(CONTENTS, n), lang_iso: 'en', created_at, mode: n % 4 === 0 ? 'full' as const : 'incremental' as const, trigger: 'schedule',
          status: failed ? 'failed' as const : 'succeeded' as const, priority: 1, job_id: randomUUID(), page_size: 50, full_pending: 0, pages: 3, objects: failed ? 0 : 20 + (mix(n) % 200),
          remaining: 0, calls: 3, failures: failed ? 3 : 0, run_after: created_at, locked_by: null, locked_until: null, started_at: created_at + 1_000,
          full_started_at: null, finished_at: created_at + 61_000, updated_at: created_at + 61_000, error_code: failed ? 'timeout' : null, error_message: failed ? 'call timed out' : null, reconciled: null,
        };
      }
    })());
    await insertChunks(trx, 'sync_errors', (function* () {
      for (let n = 0; n < settings.errors; n++) {
        const code = pick(ERROR_CODES, n + 7);
        const status = /^(?:collector_)?(\d{3})$/.exec(code);
        yield {
          error_id: randomUUID(), shop_id: shopIds[mix(n * 3 + 5) % shopIds.length]!, task_id: null, content: pick(CONTENTS, n + 3), lang_iso: 'en', mode: 'incremental' as const,
          code, http_status: status ? Number(status[1]) : null, message: `call failed with ${code}`, at: now - (mix(n * 3 + 6) % (HISTORY_DAYS * DAY_MS)),
        };
      }
    })());
  });
  if (backend === 'postgres') await sql`ANALYZE`.execute(core.db.kysely);

  const vendors = vendorClients.map((v) => {
    const mine = new Set(v.modules);
    const shops = shopIds.filter((_, i) => modulesOf(i).some((m) => mine.has(m))).length;
    return { name: v.name, client: v.client, shops };
  });
  return { vendors, admin: { clientId: adminCreated.client.clientId, clientSecret: adminCreated.clientSecret }, shops: settings.shops };
}

// ---------------------------------------------------------------------------
// Requests

async function token(url: string, client: Client): Promise<string> {
  const response = await fetch(`${url}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  });
  const json = (await response.json()) as { access_token?: string };
  if (response.status !== 200 || !json.access_token) throw new Error(`token request failed: ${response.status} ${JSON.stringify(json)}`);
  return json.access_token;
}

async function getJson(url: string, bearer: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${bearer}` } });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/**
 * Wait until the server has worked off the requests still queued when autocannon stopped (psif does not
 * abandon a request whose client went away), so they do not slow the next route's run: /healthz must
 * answer within 50 ms three times in a row. Returns the time waited (ms); gives up after 3 minutes.
 */
async function drain(url: string): Promise<number> {
  const start = performance.now();
  let quick = 0;
  while (quick < 3 && performance.now() - start < 180_000) {
    const t = performance.now();
    const response = await fetch(`${url}/healthz`);
    await response.arrayBuffer();
    quick = performance.now() - t < 50 ? quick + 1 : 0;
    if (quick === 0) await new Promise((r) => setTimeout(r, 100));
  }
  return performance.now() - start;
}

function expect(what: string, got: unknown, want: unknown): void {
  if (got !== want) throw new Error(`check failed: ${what}: ${String(got)}, expected ${String(want)}`);
  console.log(`  check: ${what} = ${String(got)}`);
}

interface RouteResult extends LoadResult {
  route: string;
  /** Median latency of SAMPLES requests made one at a time, before the load. */
  aloneMs: number;
  /** Why the load run failed (most responses timed out), if it did. */
  failed?: string;
}

async function runBackend(backend: Backend, settings: Settings, opts: BenchOptions): Promise<RouteResult[]> {
  const { openCore, buildServer } = await dist<AppModule>('app.js');
  const { loadConfig } = await dist<ConfigModule>('platform/config/config.js');
  const dataDir = await mkdtemp(join(tmpdir(), 'psif-bench-console-'));
  const schema = backend === 'postgres' ? `bench_console_${randomUUID().slice(0, 8)}` : undefined;
  const port = await freePort();
  const env: Record<string, string> = {
    ...psifServerEnv(dataDir, port),
    LOG_LEVEL: 'silent',
    PSIF_ROLE: 'api',
    ...(schema ? { DATABASE_URL: BENCH_PG_URL, PSIF_DATABASE_SCHEMA: schema } : {}),
  };
  let core: Core | undefined;
  let server: Awaited<ReturnType<AppModule['buildServer']>> | undefined;
  try {
    core = await openCore(loadConfig(env));
    const now = Date.now();
    const t = performance.now();
    const fixture = await seed(core, backend, settings, now);
    console.log(`  setup: ${settings.shops} shops, ${settings.tasks} pulls, ${settings.errors} errors in ${((performance.now() - t) / 1000).toFixed(1)} s (not timed)`);
    server = await buildServer(core);
    await server.app.listen({ port, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${port}`;

    const vendor = fixture.vendors[0]!;
    const vendorToken = await token(url, vendor.client);
    const adminToken = await token(url, fixture.admin);
    const thirtyDaysAgo = new Date(now - HISTORY_DAYS * DAY_MS).toISOString();
    const routes: Array<{ route: string; path: string; bearer: string }> = [
      { route: `baseline: vendor/{id}/errors (vendor)`, path: `/reporting/v1/vendor/${vendor.client.clientId}/errors`, bearer: vendorToken },
      { route: 'overview, 24 h (vendor)', path: '/reporting/v1/overview', bearer: vendorToken },
      { route: 'overview, 30 days (vendor)', path: `/reporting/v1/overview?start=${encodeURIComponent(thirtyDaysAgo)}`, bearer: vendorToken },
      { route: 'shops?limit=25 (admin)', path: '/reporting/v1/shops?limit=25', bearer: adminToken },
      { route: 'overview, 24 h (admin, every vendor)', path: '/reporting/v1/overview', bearer: adminToken },
    ];

    // Once, before timing: the answers are the seeded data, not error pages.
    const overview = await getJson(`${url}${routes[1]!.path}`, vendorToken);
    expect(`vendor ${vendor.name} overview shops`, overview.shops, vendor.shops);
    const monthly = await getJson(`${url}${routes[2]!.path}`, vendorToken);
    expect('30-day overview buckets', monthly.bucket, 'day');
    const objects = (monthly.syncVolume as Array<{ objects: number; errors: number }>).reduce((s, b) => s + b.objects + b.errors, 0);
    if (objects === 0) throw new Error('check failed: the 30-day overview shows no sync volume');
    console.log(`  check: 30-day overview sync volume (objects + errors) = ${objects}`);
    const list = await getJson(`${url}${routes[3]!.path}`, adminToken);
    expect('shop directory total', list.total, fixture.shops);
    expect('shop directory page', (list.items as unknown[] | undefined)?.length, 25);
    const all = await getJson(`${url}${routes[4]!.path}`, adminToken);
    expect('admin overview shops', all.shops, fixture.shops);
    const errors = await getJson(`${url}${routes[0]!.path}`, vendorToken);
    console.log(`  check: baseline answered 200 (${JSON.stringify(errors).length} bytes)`);

    // One request at a time: what a single console user waits, and a figure even where the load times out.
    const alone = new Map<string, number>();
    for (const route of routes) {
      const samples: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        const start = performance.now();
        await getJson(`${url}${route.path}`, route.bearer);
        samples.push(performance.now() - start);
      }
      alone.set(route.route, median(samples));
      console.log(`  ${route.route}: one at a time ${median(samples).toFixed(1)} ms (median of ${SAMPLES})`);
    }

    const results: RouteResult[] = [];
    for (const route of routes) {
      let result: LoadResult;
      let failed: string | undefined;
      try {
        result = await runLoad({
          url: `${url}${route.path}`, method: 'GET', headers: { authorization: `Bearer ${route.bearer}` },
          connections: opts.connections, durationSeconds: opts.durationSeconds, warmupSeconds: WARMUP_SECONDS,
        });
      } catch (error) {
        // autocannon gives up on a response after 10 s: a route slower than that under load is reported, not fatal.
        failed = (error as Error).message;
        result = { rps: 0, p50: Number.NaN, p99: Number.NaN, non2xx: 0, errors: 0 };
      }
      const drained = await drain(url);
      if (drained > 1_000) console.log(`  (${route.route}: the server took ${(drained / 1000).toFixed(1)} s after the run to finish the requests still queued)`);
      console.log(`  ${route.route}: ${failed ? `FAILED under load: ${failed}` : `${result.rps.toFixed(0)} req/s (p50 ${result.p50} ms, p99 ${result.p99} ms)`}${result.non2xx + result.errors > 0 ? `, ${result.non2xx} non-2xx, ${result.errors} errors` : ''}`);
      results.push({ route: route.route, ...result, aloneMs: alone.get(route.route)!, ...(failed ? { failed } : {}) });
    }
    return results;
  } finally {
    if (server) await server.close();
    else if (core) await core.close();
    await rm(dataDir, { recursive: true, force: true });
    if (schema) await dropSchemas([schema]);
  }
}

export async function benchConsole(opts: BenchOptions): Promise<Record<string, RouteResult[] | string>> {
  warnIfStaleBuild(REPO_ROOT, PSIF_CLI);
  const settings = settingsFromEnv();
  const out: Record<string, RouteResult[] | string> = {};
  for (const backend of settings.backends) {
    console.log(`\n--- ${backend} ---`);
    if (backend === 'postgres') {
      const why = await postgresUnreachable();
      if (why !== undefined) {
        console.log(`skipped: PostgreSQL at ${BENCH_PG_URL} unreachable (${why})`);
        out[backend] = `skipped: ${why}`;
        continue;
      }
    }
    const results = await runBackend(backend, settings, opts);
    out[backend] = results;
    const base = results[0]!.rps;
    const rows: Row[] = results.map((r) => ({
      route: r.route, 'alone ms': r.aloneMs, 'req/s': Math.round(r.rps), 'p50 ms': r.failed ? 'timeout' : r.p50, 'p99 ms': r.failed ? 'timeout' : r.p99,
      ratio: r.failed ? 'failed' : ratio(r.rps, base), 'errors': r.non2xx + r.errors,
    }));
    console.log(`\n${backend}, ${opts.connections} connections, ${opts.durationSeconds} s per route:`);
    printTable(rows);
  }
  return out;
}

if (isMain(import.meta.url)) {
  runMain(() => benchConsole(benchOptionsFromEnv()));
}
