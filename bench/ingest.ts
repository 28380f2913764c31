// Ingestion benchmark: product lines per second through psif's collector
// (POST /collector/upload/<jobId>, multipart NDJSON, as ps_eventbus sends it)
// versus the fastest direct write of the same lines into the same table on the
// same backend, without HTTP and without psif. The goal is psif >= 0.5x that
// baseline on each backend, and a single 200 MiB upload keeping the server's
// peak RSS under 256 MiB.
//
//   npx tsx bench/ingest.ts
//
// Env: BENCH_INGEST_LINES (100000), BENCH_INGEST_BIG_MB (200, in MiB; 0 skips
// the RSS run), BENCH_INGEST_PAGE_LINES (1000; 0 skips the paged variant),
// BENCH_ROUNDS (3), BENCH_BACKENDS ("sqlite,postgres"), BENCH_PG_URL
// (postgres://postgres@127.0.0.1:5432/test), BENCH_PSIF_CLI (dist/cli.js).
//
// What is compared, per round and backend (rounds alternate which side goes
// first, and the figures are medians):
//   baseline  read the NDJSON file, split it, JSON.parse every line, turn the
//             values into what psif stores, and write them. SQLite: one
//             prepared single-row INSERT ... ON CONFLICT DO UPDATE per line in
//             one db.transaction(), same pragmas as psif. PostgreSQL: 500-row
//             INSERT ... ON CONFLICT DO UPDATE as a named prepared statement,
//             in one transaction, the next batch built while the previous one
//             runs (COPY would need pg-copy-streams, not a dependency).
//   psif      the same file streamed as ONE upload to a psif server running out
//             of process (dist/cli.js start), timed from the first byte sent to
//             the 201 answer; and, for information, the same lines as
//             consecutive uploads of BENCH_INGEST_PAGE_LINES lines, as a shop
//             pages a full sync.
// Like with like: every measured write goes to a shop id not written before,
// so every row is an INSERT on both sides (through the same upsert statement
// shape), into tables made by psif's own DDL (ensureContentTables, indexes
// included), and the baseline stores exactly the row psif stores, sys_hash
// (MD5 of the line) included: the first round checks a sample of rows of both
// sides column by column.

import { randomBytes, randomUUID, hash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { once } from 'node:events';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';

import { type PropertyType, catalog } from '../src/catalog/catalog.js';
import { ensureContentTables } from '../src/catalog/content-tables.js';
import { parseDatetime } from '../src/catalog/property-codec.js';
import type { Backend } from '../src/platform/db/database.js';
import { isMain, runMain } from './lib/entry.js';
import { cleanEnv, freePort, median, parseJsonOutput, printTable, psifServerEnv, warnIfStaleBuild, serverCore, startServerProcess, type Row, psifStartArgs } from './lib/load.js';
import { benchOptionsFromEnv, type BenchOptions, backendsFromEnv, integerFromEnv } from './lib/options.js';
import { BENCH_PG_URL, dropSchemas, pgPool, postgresUnreachable } from './lib/postgres.js';

const execFileAsync = promisify(execFile);

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const PSIF_CLI = process.env.BENCH_PSIF_CLI ?? join(REPO_ROOT, 'dist', 'cli.js');
const FIXTURE = fileURLToPath(new URL('../test/fixtures/ps_eventbus/9.1/products.json', import.meta.url));
const CONTENT = catalog.content('products')!;

const GOAL_RATIO = 0.5;
const MIB = 1024 * 1024;
const RSS_LIMIT_MIB = 256;
// psif's default PSIF_UPLOAD_MAX_BYTES; a bigger main upload raises it for the throughput server only.
const DEFAULT_UPLOAD_MAX_BYTES = 256 * MIB;
// Enough to get both sides' hot paths compiled before the first measured round.
const WARMUP_LINES = 2_000;
const PG_ROWS_PER_STATEMENT = 500;
const RSS_SAMPLE_MS = 50;
const READYZ_PROBE_MS = 100;
const LANGUAGES = ['en', 'fr', 'de'] as const;

type Language = (typeof LANGUAGES)[number];
type Stored = string | number | boolean | null;

export interface IngestSettings {
  lines: number;
  bigMiB: number;
  pageLines: number;
  rounds: number;
  backends: Backend[];
}

export interface WriterFigures {
  /** Median rows per second over the rounds. */
  rowsPerSecond: number;
  /** Median of the per-round ratios to the baseline of the same round (1 for the baseline). */
  ratio: number;
  perRound: number[];
}

export interface RssFigures {
  uploadMiB: number;
  lines: number;
  seconds: number;
  idleMiB: number | null;
  /** VmHWM of the server at the end of the upload: its peak since it started. */
  peakMiB: number | null;
  afterMiB: number | null;
  /** Slowest GET /readyz answer while the upload was being received and stored. */
  maxReadyzMs: number;
  pass: boolean | null;
}

export interface BackendResult {
  backend: Backend;
  skipped?: string;
  baselineMethod?: string;
  baseline?: WriterFigures;
  psif?: WriterFigures;
  psifPaged?: WriterFigures;
  rss?: RssFigures;
}

export interface IngestBenchResult {
  settings: IngestSettings;
  goalRatio: number;
  rssLimitMiB: number;
  /** Average NDJSON bytes a line of the measured upload (CRLF included). */
  bytesPerLine?: number;
  backends: BackendResult[];
}

// ---------------------------------------------------------------------------
// Settings

export function ingestSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): IngestSettings {
  return {
    lines: integerFromEnv('BENCH_INGEST_LINES', env.BENCH_INGEST_LINES, 100_000, 1),
    bigMiB: integerFromEnv('BENCH_INGEST_BIG_MB', env.BENCH_INGEST_BIG_MB, 200, 0),
    pageLines: integerFromEnv('BENCH_INGEST_PAGE_LINES', env.BENCH_INGEST_PAGE_LINES, 1_000, 0),
    rounds: integerFromEnv('BENCH_ROUNDS', env.BENCH_ROUNDS, 3, 1),
    backends: backendsFromEnv(env),
  };
}


// ---------------------------------------------------------------------------
// Realistic product lines, derived from a real ps_eventbus payload

interface FixtureLine {
  action: string;
  collection: string;
  properties: Record<string, unknown>;
}

/** The PrestaShop 9.1 product lines, grouped by product (a product and its combinations). */
function loadProductGroups(): FixtureLine[][] {
  const lines = JSON.parse(readFileSync(FIXTURE, 'utf8')) as FixtureLine[];
  const groups = new Map<unknown, FixtureLine[]>();
  for (const line of lines) {
    const key = line.properties.id_product;
    const group = groups.get(key);
    if (group) group.push(line);
    else groups.set(key, [line]);
  }
  return [...groups.values()];
}

/** PHP's json_encode($line, JSON_UNESCAPED_SLASHES), as ps_eventbus writes lines: non-ASCII as \uXXXX. */
function phpJsonEncode(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

const NAME_SUFFIX: Record<Language, (id: number) => string> = {
  en: (id) => ` #${id}`,
  fr: (id) => ` – édition n°${id}`,
  de: (id) => ` – Ausführung Nr. ${id}`,
};

/** PHP's date('Y-m-d\TH:i:sO') in a +01:00 shop. */
function phpDate(epochMs: number): string {
  return `${new Date(epochMs + 3_600_000).toISOString().slice(0, 19)}+0100`;
}

/**
 * An endless catalogue shaped like a real shop's full sync: product after product, each cloned from one of
 * the fixture's products with its combinations, one line per combination and language. Ids are new and
 * unique (id_product, id_attribute, so unique_product_id too), prices, stock, weights, dates and names
 * vary per product; every other property keeps the fixture's value and type.
 */
export function* productLines(): Generator<string> {
  const groups = loadProductGroups();
  let nextAttribute = 1;
  const epoch = Date.UTC(2024, 0, 1);
  for (let p = 0; ; p++) {
    const group = groups[p % groups.length]!;
    const idProduct = 1 + p;
    // Deterministic pseudo-random variations (no Math.random: every run uploads the same bytes).
    const factor = 0.5 + ((p * 7919) % 1000) / 500;
    const taxRate = [0.2, 0.1, 0.055, 0][p % 4]!;
    const discount = [0, 0.1, 0.2, 0.35][(p >> 2) % 4]!;
    const created = epoch + ((p * 104_729) % 63_072_000) * 1000;
    const combos = group.map((line, index) => ({
      template: line.properties,
      idAttribute: line.properties.id_attribute === 0 ? 0 : nextAttribute + index,
    }));
    nextAttribute += group.length;
    for (const iso of LANGUAGES) {
      for (const [index, { template, idAttribute }] of combos.entries()) {
        const excl = round2(Number(template.price_tax_excl) * factor + index * 1.5);
        const incl = round2(excl * (1 + taxRate));
        const saleExcl = round2(excl * (1 - discount));
        const saleIncl = round2(incl * (1 - discount));
        const slug = `${String(template.link_rewrite)}-${idProduct}`;
        const properties: Record<string, unknown> = {
          ...template,
          id_product: idProduct,
          id_attribute: idAttribute,
          id_product_attribute: `${idProduct}-${idAttribute}`,
          unique_product_id: `${idProduct}-${idAttribute}-${iso}`,
          iso_code: iso,
          name: `${String(template.name)}${NAME_SUFFIX[iso](idProduct)}`,
          link_rewrite: slug,
          reference: `demo_${idProduct}${idAttribute === 0 ? '' : `_${idAttribute}`}`,
          link: `http://localhost:8000/${iso}/${idProduct}-${idAttribute}-${slug}.html`,
          quantity: (p * 13 + index * 5) % 500,
          weight: round2(Number(template.weight) * factor),
          price_tax_excl: excl,
          price_tax_incl: incl,
          sale_price_tax_excl: saleExcl,
          sale_price_tax_incl: saleIncl,
          tax: round2(incl - excl),
          sale_tax: round2(saleIncl - saleExcl),
          created_at: phpDate(created),
          updated_at: phpDate(created + ((p * 31) % 90) * 86_400_000),
        };
        yield phpJsonEncode({ action: 'upsert', collection: 'products', properties });
      }
    }
  }
}

export interface NdjsonFile {
  path: string;
  lines: number;
  bytes: number;
}

/**
 * Writes product lines joined by CRLF with no trailing newline (the body ps_eventbus builds) until `limit`
 * lines or bytes, streaming to disk so no upload-sized string is ever held. Lines are pure ASCII after
 * PHP's escaping, so string length is byte length.
 */
export async function writeNdjson(path: string, limit: { lines: number } | { bytes: number }): Promise<NdjsonFile> {
  const out = createWriteStream(path);
  const source = productLines();
  let lines = 0;
  let bytes = 0;
  let chunk = '';
  const more = (): boolean => ('lines' in limit ? lines < limit.lines : bytes < limit.bytes);
  while (more()) {
    const text = (lines > 0 ? '\r\n' : '') + source.next().value!;
    chunk += text;
    bytes += text.length;
    lines++;
    if (chunk.length >= MIB || !more()) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end();
  await once(out, 'finish');
  return { path, lines, bytes };
}

/** The lines of a CRLF/LF-separated buffer (terminators stripped, blank lines skipped), decoded one by one. */
function* linesOf(buffer: Buffer): Generator<string> {
  let start = 0;
  while (start < buffer.length) {
    let end = buffer.indexOf(0x0a, start);
    const next = end === -1 ? buffer.length : end + 1;
    if (end === -1) end = buffer.length;
    if (end > start && buffer[end - 1] === 0x0d) end--;
    if (end > start) yield buffer.toString('utf8', start, end);
    start = next;
  }
}

/** Consecutive slices of `pageLines` lines each (without the CRLF between pages), as pages of a full sync. */
function* pagesOf(buffer: Buffer, pageLines: number): Generator<Buffer> {
  let start = 0;
  while (start < buffer.length) {
    // `end` becomes the CRLF after the page's last line, or the end of the buffer.
    let end = start;
    for (let n = 1; ; n++) {
      const crlf = buffer.indexOf('\r\n', end);
      if (crlf === -1) {
        end = buffer.length;
        break;
      }
      if (n === pageLines) {
        end = crlf;
        break;
      }
      end = crlf + 2;
    }
    yield buffer.subarray(start, end);
    start = end + 2;
  }
}

// ---------------------------------------------------------------------------
// Row encoding shared by both baselines: the values psif stores for a line

type Encoder = (value: unknown) => Stored;

/**
 * Per catalog type, the stored form of a (valid) wire value, as psif's property codec produces it, minus
 * its validation: a baseline trusts its input. Booleans are 0/1 on SQLite.
 */
function encoderFor(type: PropertyType, backend: Backend): Encoder {
  switch (type) {
    case 'string':
      return (v) => (v === null ? null : String(v));
    case 'integer':
    case 'number':
      return (v) => (v === null ? null : typeof v === 'number' ? v : Number(v));
    case 'boolean':
      return backend === 'sqlite'
        ? (v) => (v === null ? null : v === true || v === 1 || v === '1' ? 1 : 0)
        : (v) => (v === null ? null : v === true || v === 1 || v === '1');
    case 'datetime':
      return (v) => (v === null || v === '' || String(v).startsWith('0000-00-00') ? null : (parseDatetime(String(v)) ?? null));
    case 'date':
      return (v) => (v === null ? null : String(v));
    case 'object':
      return (v) => (v === null ? null : JSON.stringify(v));
  }
}

const SYSTEM_COLUMNS = ['sys_lang', 'sys_job_id', 'sys_hash', 'sys_created_at', 'sys_updated_at', 'sys_last_synced_at'];
const INSERT_COLUMNS = ['shop_id', 'id', ...CONTENT.properties.map((p) => p.name), ...SYSTEM_COLUMNS];

/** Turns one NDJSON line into the bound values of one row, in INSERT_COLUMNS order. */
function rowEncoder(backend: Backend): (text: string, shopId: string, jobId: string, now: number, out: Stored[]) => void {
  const encoders = CONTENT.properties.map((p) => encoderFor(p.type, backend));
  const names = CONTENT.properties.map((p) => p.name);
  const idNames = CONTENT.idProperties.map((p) => p.name);
  const langName = CONTENT.languageProperty?.name;
  return (text, shopId, jobId, now, out) => {
    const properties = (JSON.parse(text) as { properties: Record<string, unknown> }).properties;
    out.push(shopId, idNames.map((n) => String(properties[n])).join('-'));
    for (let i = 0; i < names.length; i++) {
      const raw = properties[names[i]!];
      out.push(raw === undefined ? null : encoders[i]!(raw));
    }
    const lang = langName === undefined ? undefined : properties[langName];
    out.push(typeof lang === 'string' && lang !== '' ? lang : null, jobId, hash('md5', text, 'base64'), now, now, now);
  };
}

const quote = (name: string): string => `"${name}"`;

function upsertSql(rows: number, placeholder: (n: number) => string): string {
  let n = 0;
  const values = Array.from({ length: rows }, () => `(${INSERT_COLUMNS.map(() => placeholder(++n)).join(', ')})`).join(', ');
  const updates = INSERT_COLUMNS.slice(2).map((c) => `${quote(c)} = excluded.${quote(c)}`);
  return `INSERT INTO ${quote(CONTENT.table)} (${INSERT_COLUMNS.map(quote).join(', ')}) VALUES ${values} ON CONFLICT ("shop_id", "id") DO UPDATE SET ${updates.join(', ')}`;
}

// ---------------------------------------------------------------------------
// Reading rows back (checks that both sides stored every line, and the same values)

// Every stored column except the per-write ones (job id, timestamps), in a fixed order.
const COMPARED_COLUMNS = ['id', ...CONTENT.properties.map((p) => p.name), 'sys_lang', 'sys_hash', 'sys_deleted'];

interface RowReader {
  count(shopId: string): Promise<number>;
  /** A spread-out sample of a shop's rows (ordered by their line digest), compared columns only. */
  sample(shopId: string, size: number): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

function sqliteReader(file: string): RowReader {
  // Read-only and short-lived: the server owns the file and may be writing it (WAL allows both).
  const query = <T>(fn: (db: SqliteDatabase.Database) => T): T => {
    const db = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };
  const table = quote(CONTENT.table);
  return {
    count: async (shopId) => query((db) => (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE shop_id = ?`).get(shopId) as { n: number }).n),
    sample: async (shopId, size) =>
      query((db) => db.prepare(`SELECT ${COMPARED_COLUMNS.map(quote).join(', ')} FROM ${table} WHERE shop_id = ? ORDER BY sys_hash, id LIMIT ?`).all(shopId, size) as Record<string, unknown>[]),
    close: async () => undefined,
  };
}

function postgresReader(schema: string): RowReader {
  const pool = pgPool(schema, 1);
  const table = quote(CONTENT.table);
  return {
    count: async (shopId) => Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE shop_id = $1`, [shopId])).rows[0]!.n),
    sample: async (shopId, size) =>
      (await pool.query(`SELECT ${COMPARED_COLUMNS.map(quote).join(', ')} FROM ${table} WHERE shop_id = $1 ORDER BY sys_hash COLLATE "C", id COLLATE "C" LIMIT $2`, [shopId, size])).rows,
    close: () => pool.end(),
  };
}

// ---------------------------------------------------------------------------
// Baselines

interface Baseline {
  describe: string;
  reader: RowReader;
  /** Writes every line of `file` as rows of `shopId`; returns the elapsed milliseconds. */
  write(file: string, shopId: string): Promise<number>;
  close(): Promise<void>;
}

/** A fresh SQLite file with psif's pragmas and tables; one prepared upsert per line, one transaction. */
async function sqliteBaseline(dir: string): Promise<Baseline> {
  const file = join(dir, 'baseline.sqlite');
  const db = new SqliteDatabase(file);
  // As src/platform/db/database.ts: the write path's cost depends on these.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Kysely only to run psif's own DDL; destroying it closes `db`.
  const kysely = new Kysely<any>({ dialect: new SqliteDialect({ database: db }) });
  await ensureContentTables(kysely, 'sqlite', catalog);
  const insert = db.prepare(upsertSql(1, () => '?'));
  const encode = rowEncoder('sqlite');
  const writeAll = db.transaction((buffer: Buffer, shopId: string, now: number) => {
    const row: Stored[] = [];
    for (const text of linesOf(buffer)) {
      row.length = 0;
      encode(text, shopId, 'baseline', now, row);
      insert.run(row);
    }
  });
  return {
    describe: 'prepared 1-row upsert, 1 transaction',
    reader: sqliteReader(file),
    async write(path, shopId) {
      const started = performance.now();
      writeAll(await readFile(path), shopId, Date.now());
      return performance.now() - started;
    },
    close: () => kysely.destroy(),
  };
}

/**
 * The same table in its own schema; 500-row upserts (a named prepared statement) in one transaction, one
 * statement in flight while the next batch is built. Measured here against the alternatives: unnamed
 * statements are ~30% slower, INSERT ... SELECT FROM unnest(arrays) no faster, 100-row batches slower.
 */
async function postgresBaseline(schema: string): Promise<Baseline> {
  const pool = pgPool(schema, 2);
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quote(schema)}`);
  const kysely = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  await ensureContentTables(kysely, 'postgres', catalog);
  const statements = new Map<number, string>();
  const statement = (rows: number): string => {
    let text = statements.get(rows);
    if (text === undefined) statements.set(rows, (text = upsertSql(rows, (n) => `$${n}`)));
    return text;
  };
  const encode = rowEncoder('postgres');
  return {
    describe: `prepared ${PG_ROWS_PER_STATEMENT}-row upserts, 1 transaction`,
    reader: postgresReader(schema),
    async write(path, shopId) {
      const started = performance.now();
      const buffer = await readFile(path);
      const now = Date.now();
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        // One statement in flight while the next batch is parsed and encoded: the database and this
        // process work at the same time. Batches are built synchronously, so a failed statement is always
        // awaited (and its error thrown) before anything else could observe the rejection.
        let inFlight: Promise<unknown> | undefined;
        let params: Stored[] = [];
        let rows = 0;
        const send = async (): Promise<void> => {
          if (inFlight) await inFlight;
          // Named: prepared once per connection, not parsed and planned again for every batch (31,000
          // parameters a statement), which makes about a third of the time otherwise.
          inFlight = client.query({ name: `bench_upsert_${rows}`, text: statement(rows), values: params });
          params = [];
          rows = 0;
        };
        for (const text of linesOf(buffer)) {
          encode(text, shopId, 'baseline', now, params);
          if (++rows === PG_ROWS_PER_STATEMENT) await send();
        }
        if (rows > 0) await send();
        await inFlight;
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
      return performance.now() - started;
    },
    close: () => kysely.destroy(),
  };
}

// ---------------------------------------------------------------------------
// psif, out of process

interface ShopSession {
  shopId: string;
  jobId: string;
  token: string;
}

interface PsifServer {
  url: string;
  pid: number;
  reader: RowReader;
  /** A newly registered shop with a full-sync job for products and a shop token. */
  newShop(): Promise<ShopSession>;
  stop(): Promise<void>;
}


/**
 * Starts `psif start` on a fresh data directory (SQLite) or a fresh schema (PostgreSQL), creates an admin
 * client with the CLI first (the same database), and sets shops up through the admin API, as an operator
 * would. `uploadMaxBytes` only ever raises psif's default.
 */
async function startPsif(backend: Backend, schema: string | undefined, uploadMaxBytes?: number): Promise<PsifServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'psif-bench-ingest-'));
  let server: Awaited<ReturnType<typeof startServerProcess>> | undefined;
  let reader: RowReader | undefined;
  try {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env: Record<string, string> = {
      ...psifServerEnv(dataDir, port),
      ...(uploadMaxBytes !== undefined && uploadMaxBytes > DEFAULT_UPLOAD_MAX_BYTES ? { PSIF_UPLOAD_MAX_BYTES: String(uploadMaxBytes) } : {}),
      ...(backend === 'postgres' ? { DATABASE_URL: BENCH_PG_URL, PSIF_DATABASE_SCHEMA: schema! } : {}),
    };
    const baseEnv = cleanEnv();
    const { stdout } = await execFileAsync(process.execPath, [PSIF_CLI, 'clients', 'create', '--kind', 'admin', '--name', 'bench-ingest', '--json'], {
      env: { ...baseEnv, ...env },
      cwd: REPO_ROOT,
      timeout: 30_000,
    });
    const admin = parseJsonOutput(stdout);
    if (typeof admin?.client_id !== 'string' || typeof admin.client_secret !== 'string') throw new Error(`psif clients create --json printed no client_id/client_secret:\n${stdout}`);
    const adminCredentials = { clientId: admin.client_id, clientSecret: admin.client_secret };

    server = await startServerProcess(process.execPath, psifStartArgs(REPO_ROOT, PSIF_CLI), env, /psif listening/i, { cwd: REPO_ROOT, baseEnv, readyUrl: `${url}/readyz` });
    const pid = server.child.pid;
    if (pid === undefined) throw new Error('psif started without a pid');
    reader = backend === 'sqlite' ? sqliteReader(join(dataDir, 'psif.sqlite')) : postgresReader(schema!);
    const adminToken = await token(url, { grant_type: 'client_credentials' }, basicAuth(adminCredentials.clientId, adminCredentials.clientSecret));
    const running = server;
    const openReader = reader;
    return {
      url,
      pid,
      reader: openReader,
      async newShop() {
        const shopId = randomUUID();
        const shop = await adminPost<{ clientId: string; clientSecret: string }>(url, adminToken, '/admin/v1/shops', { shopId, url: 'http://127.0.0.1:9', languages: [...LANGUAGES] });
        const job = await adminPost<{ jobId: string }>(url, adminToken, '/admin/v1/jobs', { shopId, full: true, contents: ['products'], ttlSeconds: 86_400 });
        // Shop clients authenticate with client_secret_post, as ps_accounts does.
        const shopToken = await token(url, { grant_type: 'client_credentials', client_id: shop.clientId, client_secret: shop.clientSecret });
        return { shopId, jobId: job.jobId, token: shopToken };
      },
      async stop() {
        await openReader.close();
        await running.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await reader?.close();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

function basicAuth(id: string, secret: string): string {
  const enc = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

async function token(url: string, form: Record<string, string>, authorization?: string): Promise<string> {
  const response = await fetch(`${url}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
    body: new URLSearchParams(form).toString(),
  });
  const body = (await response.json()) as { access_token?: string };
  if (response.status !== 200 || typeof body.access_token !== 'string') throw new Error(`token request failed: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

async function adminPost<T>(url: string, bearer: string, path: string, body: unknown): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`POST ${path} answered ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

interface UploadAnswer {
  accepted: number;
  upserted: number;
  deleted: number;
  skipped: number;
  ignoredProperties: string[];
}

// Keep-alive, one socket: consecutive pages reuse the connection as curl does within one PHP request.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/**
 * POSTs `content` (`length` bytes, produced by `parts`) as ps_eventbus' CollectorApiClient does: one
 * multipart part `file` (filename `file`, text/plain), bearer shop token, Full-Sync-Requested, its
 * User-Agent. The body is streamed with backpressure and a Content-Length computed up front, so the
 * client never holds an upload. Resolves with the 201 answer; throws on anything else.
 */
async function upload(url: string, shop: ShopSession, length: number, parts: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<UploadAnswer> {
  const boundary = `------------------------${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="file"\r\nContent-Type: text/plain\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const request = http.request(`${url}/collector/upload/${encodeURIComponent(shop.jobId)}`, {
    method: 'POST',
    agent,
    headers: {
      accept: 'application/json',
      authorization: `Bearer ${shop.token}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(head.length + length + tail.length),
      'full-sync-requested': '1',
      'user-agent': 'ps-eventbus/4.0.13',
    },
  });
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    request.once('error', reject);
    request.once('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('error', reject);
      response.once('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
  });
  // The server may answer (and close) before the body is sent, e.g. with 413: stop writing then.
  let closed = false;
  request.once('close', () => (closed = true));
  const writeAll = async (): Promise<void> => {
    request.write(head);
    for await (const part of parts) {
      if (closed) return;
      if (!request.write(part)) await drainedOrClosed(request);
    }
    if (!closed) request.end(tail);
  };
  const [response] = await Promise.all([answered, writeAll().catch(() => undefined)]);
  if (response.status !== 201) throw new Error(`upload answered ${response.status}: ${response.body.slice(0, 800)}`);
  return JSON.parse(response.body) as UploadAnswer;
}

/** Resolves on 'drain', or on 'close' once the server stopped reading; removes both listeners either way. */
function drainedOrClosed(request: http.ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      request.off('drain', done);
      request.off('close', done);
      resolve();
    };
    request.on('drain', done);
    request.on('close', done);
  });
}

/** One upload of a whole NDJSON file, streamed from disk. */
function uploadFile(url: string, shop: ShopSession, file: NdjsonFile): Promise<UploadAnswer> {
  return upload(url, shop, file.bytes, createReadStream(file.path, { highWaterMark: MIB }) as AsyncIterable<Buffer>);
}

function checkAnswer(answer: UploadAnswer, lines: number, what: string): void {
  if (answer.accepted !== lines || answer.upserted !== lines || answer.deleted !== 0 || answer.skipped !== 0 || answer.ignoredProperties.length > 0) {
    throw new Error(`${what}: psif answered ${JSON.stringify(answer)} for ${lines} lines`);
  }
}

// ---------------------------------------------------------------------------
// Server memory

/** VmRSS and VmHWM of a process in MiB, from /proc (undefined off Linux or once it exited). */
function memoryOf(pid: number): { rss: number; hwm: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024 };
}

/**
 * One upload of `file` to a server started for it alone, so its VmHWM (peak RSS since start) is this
 * upload's peak. VmRSS is also polled every 50 ms, in case VmHWM is unavailable; GET /readyz is probed
 * throughout, which shows how long other requests needing the database wait behind the upload.
 */
async function measureRss(backend: Backend, schema: string | undefined, file: NdjsonFile): Promise<RssFigures> {
  const server = await startPsif(backend, schema);
  try {
    const shop = await server.newShop();
    // Let start-up garbage settle so "idle" is the steady state.
    await new Promise((r) => setTimeout(r, 500));
    const idle = memoryOf(server.pid);
    let polledPeak = idle?.rss ?? 0;
    const poll = setInterval(() => {
      const now = memoryOf(server.pid);
      if (now && now.rss > polledPeak) polledPeak = now.rss;
    }, RSS_SAMPLE_MS);
    let probing = true;
    let maxReadyzMs = 0;
    const probe = (async () => {
      while (probing) {
        const started = performance.now();
        try {
          await (await fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(300_000) })).arrayBuffer();
        } catch {
          // A timeout still counts with its duration below.
        }
        maxReadyzMs = Math.max(maxReadyzMs, performance.now() - started);
        await new Promise((r) => setTimeout(r, READYZ_PROBE_MS));
      }
    })();
    const started = performance.now();
    let answer: UploadAnswer;
    try {
      answer = await uploadFile(server.url, shop, file);
    } finally {
      clearInterval(poll);
      probing = false;
      await probe;
    }
    const seconds = (performance.now() - started) / 1000;
    checkAnswer(answer, file.lines, `${backend} ${(file.bytes / MIB).toFixed(0)} MiB upload`);
    const end = memoryOf(server.pid);
    await new Promise((r) => setTimeout(r, 1_000));
    const after = memoryOf(server.pid);
    const peak = end && Number.isFinite(end.hwm) ? Math.max(end.hwm, polledPeak) : polledPeak > 0 ? polledPeak : null;
    return {
      uploadMiB: file.bytes / MIB,
      lines: file.lines,
      seconds,
      idleMiB: idle?.rss ?? null,
      peakMiB: peak,
      afterMiB: after?.rss ?? null,
      maxReadyzMs,
      pass: peak === null ? null : peak < RSS_LIMIT_MIB,
    };
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------------------
// The benchmark

interface Files {
  main: NdjsonFile;
  warmup: NdjsonFile;
  big: NdjsonFile | undefined;
}

type Side = 'baseline' | 'psif' | 'paged';

/**
 * Runs the benchmark on every backend of BENCH_BACKENDS and prints the tables. BENCH_DURATION and
 * BENCH_CONNECTIONS do not apply (the work is a fixed number of lines over one connection); the options
 * are taken for the common bench signature.
 */
export async function benchIngest(_opts: BenchOptions = benchOptionsFromEnv()): Promise<IngestBenchResult> {
  const settings = ingestSettingsFromEnv();
  const result: IngestBenchResult = { settings, goalRatio: GOAL_RATIO, rssLimitMiB: RSS_LIMIT_MIB, backends: [] };
  // Pin now, not at the first server start: the in-process baseline must run on its one core too.
  const pinned = serverCore() !== undefined;
  console.log(
    `ingestion: ${settings.lines} product lines per upload, ${settings.rounds} alternating rounds per backend` +
      `${settings.pageLines > 0 ? `, also as pages of ${settings.pageLines} lines` : ''}; ` +
      `RSS run: ${settings.bigMiB > 0 ? `one ${settings.bigMiB} MiB upload` : 'skipped'}; ` +
      (pinned ? 'psif pinned to core 1, this process (baseline, client) to core 0' : 'no CPU pinning (taskset missing)'),
  );
  if (!existsSync(PSIF_CLI)) {
    console.log(`skipped: ${PSIF_CLI} not found (run \`npm run build\` first)`);
    result.backends = settings.backends.map((backend) => ({ backend, skipped: 'psif not built' }));
    return result;
  }
  warnIfStaleBuild(REPO_ROOT, PSIF_CLI);

  const work = await mkdtemp(join(tmpdir(), 'psif-bench-ingest-files-'));
  try {
    const files: Files = {
      main: await writeNdjson(join(work, 'main.ndjson'), { lines: settings.lines }),
      warmup: await writeNdjson(join(work, 'warmup.ndjson'), { lines: Math.min(WARMUP_LINES, settings.lines) }),
      big: settings.bigMiB > 0 ? await writeNdjson(join(work, 'big.ndjson'), { bytes: settings.bigMiB * MIB }) : undefined,
    };
    result.bytesPerLine = files.main.bytes / files.main.lines;
    console.log(
      `generated ${files.main.lines} lines (${(files.main.bytes / MIB).toFixed(1)} MiB, ${Math.round(files.main.bytes / files.main.lines)} bytes a line)` +
        (files.big ? `; RSS upload ${files.big.lines} lines (${(files.big.bytes / MIB).toFixed(1)} MiB)` : ''),
    );
    for (const backend of settings.backends) {
      console.log(`\n--- ${backend} ---`);
      if (backend === 'postgres') {
        const unreachable = await postgresUnreachable();
        if (unreachable !== undefined) {
          console.log(`skipped: PostgreSQL unreachable at ${BENCH_PG_URL} (${unreachable})`);
          result.backends.push({ backend, skipped: `PostgreSQL unreachable: ${unreachable}` });
          continue;
        }
      }
      result.backends.push(await benchBackend(backend, settings, files, work));
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  report(result);
  return result;
}

async function benchBackend(backend: Backend, settings: IngestSettings, files: Files, work: string): Promise<BackendResult> {
  const tag = randomBytes(4).toString('hex');
  const schemas = { psif: `bench_ingest_${tag}_psif`, baseline: `bench_ingest_${tag}_base`, rss: `bench_ingest_${tag}_rss` };
  const sides: Side[] = settings.pageLines > 0 ? ['baseline', 'psif', 'paged'] : ['baseline', 'psif'];
  const rates = new Map<Side, number[]>(sides.map((s) => [s, []]));
  const result: BackendResult = { backend };
  try {
    const baseline = backend === 'sqlite' ? await sqliteBaseline(work) : await postgresBaseline(schemas.baseline);
    result.baselineMethod = baseline.describe;
    let server: PsifServer | undefined;
    try {
      // Room for the multipart framing when BENCH_INGEST_LINES makes the main upload larger than the default limit.
      server = await startPsif(backend, schemas.psif, files.main.bytes + MIB);
      const psif = server;
      const write: Record<Side, (file: NdjsonFile) => Promise<{ ms: number; shopId: string; reader: RowReader }>> = {
        async baseline(file) {
          const shopId = randomUUID();
          return { ms: await baseline.write(file.path, shopId), shopId, reader: baseline.reader };
        },
        async psif(file) {
          const shop = await psif.newShop();
          const started = performance.now();
          const answer = await uploadFile(psif.url, shop, file);
          const ms = performance.now() - started;
          checkAnswer(answer, file.lines, `${backend} upload`);
          return { ms, shopId: shop.shopId, reader: psif.reader };
        },
        async paged(file) {
          const shop = await psif.newShop();
          const started = performance.now();
          // Read like the baseline reads (the whole file), then one upload per page on one connection.
          const buffer = await readFile(file.path);
          let upserted = 0;
          for (const page of pagesOf(buffer, settings.pageLines)) upserted += (await upload(psif.url, shop, page.length, [page])).upserted;
          const ms = performance.now() - started;
          if (upserted !== file.lines) throw new Error(`${backend} pages: psif upserted ${upserted} of ${file.lines} lines`);
          return { ms, shopId: shop.shopId, reader: psif.reader };
        },
      };

      // Untimed warm-up of every side (JIT, statement caches, connection pools, first table pages).
      for (const side of sides) await write[side](files.warmup);

      for (let round = 1; round <= settings.rounds; round++) {
        // Alternate who goes first, so a drift during the run (caches, the growing tables) hits both sides.
        const order = round % 2 === 1 ? sides : [...sides].reverse();
        const written = new Map<Side, { shopId: string; reader: RowReader }>();
        for (const side of order) {
          const { ms, shopId, reader } = await write[side](files.main);
          const stored = await reader.count(shopId);
          if (stored !== files.main.lines) throw new Error(`${backend} ${side}: ${stored} rows stored for ${files.main.lines} lines`);
          const rate = files.main.lines / (ms / 1000);
          rates.get(side)!.push(rate);
          written.set(side, { shopId, reader });
          console.log(`round ${round}: ${side.padEnd(8)} ${Math.round(rate).toLocaleString('en-US').padStart(9)} rows/s  (${(ms / 1000).toFixed(2)} s)`);
        }
        if (round === 1) await compareSamples(backend, written.get('baseline')!, written.get('psif')!);
      }
    } finally {
      await server?.stop();
      await baseline.close();
    }

    const baselineRates = rates.get('baseline')!;
    const figures = (side: Side): WriterFigures => {
      const perRound = rates.get(side)!.map((rate, i) => rate / baselineRates[i]!);
      return { rowsPerSecond: median(rates.get(side)!), ratio: median(perRound), perRound };
    };
    result.baseline = figures('baseline');
    result.psif = figures('psif');
    if (sides.includes('paged')) result.psifPaged = figures('paged');
    console.log(`psif/baseline per round: ${result.psif.perRound.map((r) => r.toFixed(2)).join(', ')}`);

    if (files.big) {
      console.log(`RSS: one ${(files.big.bytes / MIB).toFixed(1)} MiB upload to a fresh server...`);
      result.rss = await measureRss(backend, schemas.rss, files.big);
    }
    return result;
  } finally {
    if (backend === 'postgres') await dropSchemas(Object.values(schemas));
  }
}

/**
 * Both sides must have stored the same thing for the comparison to mean anything: the same rows, with
 * the same value in every property column, the same language and the same line digest.
 */
async function compareSamples(backend: Backend, baseline: { shopId: string; reader: RowReader }, psif: { shopId: string; reader: RowReader }): Promise<void> {
  const size = 50;
  const expected = await baseline.reader.sample(baseline.shopId, size);
  const actual = await psif.reader.sample(psif.shopId, size);
  for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
    for (const column of COMPARED_COLUMNS) {
      const a = expected[i]?.[column];
      const b = actual[i]?.[column];
      if (JSON.stringify(a) !== JSON.stringify(b)) {
        throw new Error(`${backend}: the baseline does not store what psif stores (sample row ${i}, ${column}: baseline ${JSON.stringify(a)}, psif ${JSON.stringify(b)})`);
      }
    }
  }
  console.log(`checked: ${expected.length} sampled rows identical in psif and baseline (every property, sys_lang, sys_hash)`);
}


function report(result: IngestBenchResult): void {
  const { settings } = result;
  const rows: Row[] = [];
  const rssRows: Row[] = [];
  for (const r of result.backends) {
    if (!r.baseline || !r.psif) continue;
    const line = (writer: string, f: WriterFigures, verdict: string): Row => ({
      backend: r.backend,
      writer,
      'rows/s': Math.round(f.rowsPerSecond),
      'MiB/s': result.bytesPerLine === undefined ? 'n/a' : round2((f.rowsPerSecond * result.bytesPerLine) / MIB),
      'vs baseline': `${f.ratio.toFixed(2)}x`,
      [`goal >= ${GOAL_RATIO}x`]: verdict,
    });
    rows.push(line(`baseline: ${r.baselineMethod ?? ''}`, r.baseline, '(baseline)'));
    rows.push(line(`psif: 1 HTTP upload of ${settings.lines} lines`, r.psif, r.psif.ratio >= GOAL_RATIO ? 'yes' : 'NO'));
    if (r.psifPaged) rows.push(line(`psif: HTTP pages of ${settings.pageLines} lines`, r.psifPaged, '(info)'));
    if (r.rss) {
      const mib = (v: number | null): number | string => (v === null ? 'n/a' : round2(v));
      rssRows.push({
        backend: r.backend,
        'upload MiB': round2(r.rss.uploadMiB),
        lines: r.rss.lines,
        seconds: round2(r.rss.seconds),
        'rows/s': Math.round(r.rss.lines / r.rss.seconds),
        'idle RSS MiB': mib(r.rss.idleMiB),
        'peak RSS MiB': mib(r.rss.peakMiB),
        'RSS after MiB': mib(r.rss.afterMiB),
        'max /readyz ms': Math.round(r.rss.maxReadyzMs),
        [`peak < ${RSS_LIMIT_MIB} MiB`]: r.rss.pass === null ? 'n/a' : r.rss.pass ? 'PASS' : 'FAIL',
      });
    }
  }
  console.log();
  if (rows.length > 0) {
    console.log(`Throughput (medians of ${settings.rounds} rounds; every row an INSERT into a new shop; ratio = median of per-round psif/baseline):`);
    printTable(rows);
  }
  if (rssRows.length > 0) {
    console.log('\nServer memory during one large upload (fresh server; peak = VmHWM, max with 50 ms VmRSS polling):');
    printTable(rssRows);
  }
  for (const r of result.backends) if (r.skipped) console.log(`${r.backend}: skipped (${r.skipped})`);
}

if (isMain(import.meta.url)) {
  runMain(() => benchIngest(benchOptionsFromEnv()));
}
