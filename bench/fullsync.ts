// Full sync benchmark: psif pulling a simulated ps_eventbus shop from the trigger to the last row stored,
// against the same shop producing and sending the same pages to a collector that discards them.
// Goal: psif's end-to-end time at most 1.3x the simulator-alone time.
//
//   npx tsx bench/fullsync.ts
//
// Env: BENCH_FULLSYNC_PRODUCTS (100000), BENCH_FULLSYNC_LANGUAGES (3), BENCH_FULLSYNC_ORDERS (20000),
// BENCH_FULLSYNC_CUSTOMERS (20000), BENCH_FULLSYNC_CARTS (10000), BENCH_ROUNDS (2, alternating),
// BENCH_BACKENDS ("sqlite,postgres"), BENCH_PG_URL, BENCH_PSIF_CLI (dist/cli.js), BENCH_PSIF_NODE_ARGS,
// BENCH_FULLSYNC_KEEP (keep psif's database to study the upload log and the pulls).
//
// What runs where: the simulated shop lives in this process (pinned to core 0 when taskset exists);
// psif, or the discarding collector, runs as a child pinned to core 1. In psif's round the shop is
// registered, consents to everything and psif is asked for a full sync of every content (Sync API
// trigger-full): the time runs from that request to the end of the last pull (its finishedAt). In the
// baseline round a driver in this process makes the calls psif would make (the same contents and
// languages, two at a time like psif's per-shop limit, the same adaptive page size, src/sync/pacing.ts)
// to a fresh simulated shop whose collector discards the uploads.

import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { catalog } from '../src/catalog/catalog.js';
import { loadConfig } from '../src/platform/config/config.js';
import { ShopSimulator } from '../src/shopsim/shop-simulator.js';
import { languagesOf } from '../src/sync/consented-contents.js';
import { nextPageSize } from '../src/sync/pacing.js';
import { ShopClient } from '../src/sync/shop-client.js';
import { isMain, runMain } from './lib/entry.js';
import { cleanEnv, freePort, median, parseJsonOutput, printTable, psifServerEnv, psifStartArgs, type Row, serverCore, startServerProcess, warnIfStaleBuild } from './lib/load.js';
import { backendsFromEnv, integerFromEnv } from './lib/options.js';
import { BENCH_PG_URL, dropSchemas, postgresUnreachable } from './lib/postgres.js';

const execFileAsync = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const PSIF_CLI = process.env.BENCH_PSIF_CLI ?? join(REPO_ROOT, 'dist', 'cli.js');
const DISCARD_SCRIPT = fileURLToPath(new URL('./baselines/discard-collector.ts', import.meta.url));
const SYNC = loadConfig({}).sync;

interface Shape {
  products: number;
  languages: number;
  orders: number;
  customers: number;
  carts: number;
}

interface RunResult {
  ms: number;
  calls: number;
  lines: number;
  bytes: number;
  /** psif only: rows stored (not deleted) and rows the shop holds, for the same contents. */
  stored?: number;
  expected?: number;
}

function shapeFromEnv(): Shape {
  return {
    products: integerFromEnv('BENCH_FULLSYNC_PRODUCTS', process.env.BENCH_FULLSYNC_PRODUCTS, 100_000, 1),
    languages: integerFromEnv('BENCH_FULLSYNC_LANGUAGES', process.env.BENCH_FULLSYNC_LANGUAGES, 3, 1),
    orders: integerFromEnv('BENCH_FULLSYNC_ORDERS', process.env.BENCH_FULLSYNC_ORDERS, 20_000, 0),
    customers: integerFromEnv('BENCH_FULLSYNC_CUSTOMERS', process.env.BENCH_FULLSYNC_CUSTOMERS, 20_000, 0),
    carts: integerFromEnv('BENCH_FULLSYNC_CARTS', process.env.BENCH_FULLSYNC_CARTS, 10_000, 0),
  };
}

function simulator(shape: Shape, options: { psifUrl?: string; collectorUrl?: string; syncApiUrl?: string; liveSyncUrl?: string; token?: string }): ShopSimulator {
  return new ShopSimulator({
    shopId: randomUUID(),
    ...options,
    source: { generated: { products: shape.products, languages: shape.languages, orders: shape.orders, customers: shape.customers, carts: shape.carts } },
  });
}

/** What psif pulls after a consent to everything: each content in each language it depends on. */
function pulls(sim: ShopSimulator): { content: string; lang: string }[] {
  return catalog.contents.flatMap((content) => languagesOf(content, sim.languages).map((lang) => ({ content: content.name, lang })));
}

async function psifRound(shape: Shape, backend: 'sqlite' | 'postgres'): Promise<RunResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'psif-bench-fullsync-'));
  const port = await freePort();
  const schema = `bench_fullsync_${randomUUID().slice(0, 8)}`;
  const env: Record<string, string> = { ...psifServerEnv(dataDir, port), ...(backend === 'postgres' ? { DATABASE_URL: BENCH_PG_URL, PSIF_DATABASE_SCHEMA: schema } : {}) };
  const cli = async (...args: string[]) => {
    const { stdout } = await execFileAsync(process.execPath, [PSIF_CLI, ...args, '--json'], { env: { ...cleanEnv(), ...env } });
    return parseJsonOutput(stdout) as Record<string, string>;
  };
  const url = `http://127.0.0.1:${port}`;
  const simPort = await freePort();
  const sim = simulator(shape, { psifUrl: url });
  let server: Awaited<ReturnType<typeof startServerProcess>> | undefined;
  try {
    const vendor = await cli('clients', 'create', '--kind', 'vendor', '--name', 'acme');
    const admin = await cli('clients', 'create', '--kind', 'admin', '--name', 'ops');
    await cli('modules', 'create', '--name', 'ps_acme', '--vendor', 'acme');
    const shop = await cli('shops', 'register', '--shop-id', sim.shopId, '--url', `http://127.0.0.1:${simPort}`, '--languages', sim.languages.join(','));
    await sim.listen(simPort);
    sim.useCredentials({ clientId: shop.client_id!, clientSecret: shop.client_secret! });
    server = await startServerProcess(process.execPath, psifStartArgs(REPO_ROOT, PSIF_CLI), env, /psif listening/i, { cwd: REPO_ROOT, baseEnv: cleanEnv(), readyUrl: `${url}/readyz` });

    const token = async (client: Record<string, string>, post: boolean) => {
      const body = new URLSearchParams({ grant_type: 'client_credentials', ...(post ? { client_id: client.client_id!, client_secret: client.client_secret! } : {}) });
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      if (!post) headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(client.client_id!)}:${encodeURIComponent(client.client_secret!)}`).toString('base64')}`;
      const answer = (await (await fetch(`${url}/oauth2/token`, { method: 'POST', headers, body })).json()) as { access_token: string };
      return answer.access_token;
    };
    const [shopToken, vendorToken, adminToken] = [await token(shop, true), await token(vendor, false), await token(admin, false)];

    const started = Date.now();
    const consent = await fetch(`${url}/sync/v1/shops/${sim.shopId}/consents/ps_acme`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${shopToken}` }, body: JSON.stringify({ consents: catalog.consents }) });
    if (consent.status !== 200) throw new Error(`consent refused: ${consent.status} ${await consent.text()}`);
    const trigger = await fetch(`${url}/sync/v1/sync/trigger-full`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${vendorToken}` }, body: JSON.stringify({ shopId: sim.shopId, shopContents: catalog.contents.map((c) => c.name) }) });
    if (trigger.status !== 200) throw new Error(`trigger refused: ${trigger.status} ${await trigger.text()}`);

    let finishedAt = 0;
    let lastLine = 0;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const view = (await (await fetch(`${url}/admin/v1/shops/${sim.shopId}/sync?limit=500`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as { state: { mode: string }[]; tasks: { status: string; finishedAt: string | null; objects: number; errorCode: string | null }[] };
      const active = view.tasks.filter((t) => t.status === 'queued' || t.status === 'running');
      if (Date.now() - lastLine > 10_000) {
        lastLine = Date.now();
        process.stdout.write(`  psif ${backend}: ${view.tasks.reduce((sum, t) => sum + t.objects, 0)} objects pulled, ${active.length} pulls active\n`);
      }
      if (view.state.length > 0 && view.state.every((s) => s.mode === 'incremental') && active.length === 0) {
        const failed = view.tasks.filter((t) => t.status !== 'succeeded' && t.status !== 'cancelled');
        if (failed.length > 0) throw new Error(`pulls failed: ${JSON.stringify(failed.slice(0, 3))}`);
        finishedAt = Math.max(...view.tasks.map((t) => Date.parse(t.finishedAt ?? '0')));
        break;
      }
    }

    let stored = 0;
    let expected = 0;
    for (const { content, total } of await Promise.all(['products', 'orders', 'customers', 'carts'].map(async (content) => ({ content, total: await rawTotal(url, vendorToken, sim.shopId, content) })))) {
      stored += total;
      const c = catalog.content(content)!;
      expected += new Set(languagesOf(c, sim.languages).flatMap((lang) => sim.rows(content, lang).map((row) => c.idProperties.map((p) => String(row[p.name])).join('-')))).size;
    }
    const stats = sim.stats;
    return { ms: finishedAt - started, calls: stats.calls.apiShopContent, lines: stats.uploads.lines, bytes: stats.uploads.bytes, stored, expected };
  } finally {
    await server?.stop();
    await sim.close();
    // BENCH_FULLSYNC_KEEP=1 keeps psif's database (the upload log and the pulls say where the time went).
    if (process.env.BENCH_FULLSYNC_KEEP) console.log(`  kept: ${backend === 'postgres' ? `schema ${schema}` : dataDir}`);
    else {
      await rm(dataDir, { recursive: true, force: true });
      if (backend === 'postgres') await dropSchemas([schema]);
    }
  }
}

async function rawTotal(url: string, token: string, shopId: string, content: string): Promise<number> {
  const path = catalog.content(content)!.path;
  const answer = (await (await fetch(`${url}/raw/v1/${shopId}/${path}?limit=1`, { headers: { authorization: `Bearer ${token}` } })).json()) as { total: number };
  return answer.total;
}

async function baselineRound(shape: Shape): Promise<RunResult> {
  const port = await freePort();
  const collector = await startServerProcess(process.execPath, ['--import', 'tsx', DISCARD_SCRIPT], { PORT: String(port) }, /^READY \d+$/m, { cwd: REPO_ROOT, baseEnv: cleanEnv() });
  const base = `http://127.0.0.1:${port}`;
  const sim = simulator(shape, { collectorUrl: `${base}/collector`, syncApiUrl: `${base}/sync-api`, liveSyncUrl: `${base}/live-sync/v1`, token: 'bench' });
  try {
    const shopUrl = await sim.listen(0);
    const client = new ShopClient(SYNC.requestTimeoutMs, 'psif-bench');
    const queue = pulls(sim);
    const started = performance.now();
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        let pageSize = SYNC.pageSize;
        let full = true;
        for (;;) {
          const reply = await client.pull({ shopUrl, content: next.content, jobId: `bench-${next.content}-${next.lang}`, limit: pageSize, full, langIso: next.lang });
          if (!reply.ok) throw new Error(`baseline call failed: ${reply.code} ${reply.message}`);
          full = false;
          pageSize = nextPageSize(pageSize, reply.durationMs, SYNC);
          if (!reply.hasRemainingObjects) break;
        }
      }
    };
    await Promise.all(Array.from({ length: SYNC.shopConcurrency }, worker));
    const ms = performance.now() - started;
    const stats = sim.stats;
    return { ms, calls: stats.calls.apiShopContent, lines: stats.uploads.lines, bytes: stats.uploads.bytes };
  } finally {
    await sim.close();
    await collector.stop();
  }
}

export async function benchFullSync(): Promise<Record<string, unknown>> {
  warnIfStaleBuild(REPO_ROOT, PSIF_CLI);
  const shape = shapeFromEnv();
  const rounds = integerFromEnv('BENCH_ROUNDS', process.env.BENCH_ROUNDS, 2, 1);
  serverCore();
  console.log(`shop: ${shape.products} products in ${shape.languages} languages, ${shape.orders} orders, ${shape.customers} customers, ${shape.carts} carts; ${rounds} alternating rounds`);
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
    const psif: RunResult[] = [];
    const baseline: RunResult[] = [];
    for (let round = 0; round < rounds; round++) {
      baseline.push(await baselineRound(shape));
      console.log(`  baseline round ${round + 1}: ${(baseline.at(-1)!.ms / 1000).toFixed(1)} s, ${baseline.at(-1)!.lines} lines`);
      psif.push(await psifRound(shape, backend));
      console.log(`  psif ${backend} round ${round + 1}: ${(psif.at(-1)!.ms / 1000).toFixed(1)} s, ${psif.at(-1)!.lines} lines, stored ${psif.at(-1)!.stored}/${psif.at(-1)!.expected}`);
    }
    const ratios = psif.map((p, i) => p.ms / baseline[i]!.ms);
    const p = median(psif.map((r) => r.ms));
    const b = median(baseline.map((r) => r.ms));
    const lines = median(psif.map((r) => r.lines));
    rows.push({
      backend,
      'psif s': (p / 1000).toFixed(1),
      'baseline s': (b / 1000).toFixed(1),
      'ratio (goal <= 1.3)': median(ratios).toFixed(2),
      rounds: ratios.map((r) => r.toFixed(2)).join(' '),
      'psif lines/s': Math.round(lines / (p / 1000)),
      calls: `${median(psif.map((r) => r.calls))} / ${median(baseline.map((r) => r.calls))}`,
      stored: psif.every((r) => r.stored === r.expected) ? `all ${psif[0]!.expected}` : `MISMATCH ${psif.map((r) => `${r.stored}/${r.expected}`).join(' ')}`,
    });
    results[backend] = { psifMs: p, baselineMs: b, ratio: median(ratios), rounds: ratios };
  }
  printTable(rows);
  return results;
}

if (isMain(import.meta.url)) runMain(benchFullSync);
