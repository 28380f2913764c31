import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { phpJsonEncode } from '../../src/shopsim/php-json.js';
import type { TestServer } from './server.js';

/** Real ps_eventbus payloads (a copy of the spec's fixtures, kept in the repository so a clone tests alone). */
export const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/ps_eventbus');
export const PS_VERSIONS = readdirSync(FIXTURES).sort();

export interface UploadLine {
  action?: string;
  collection: string;
  properties: Record<string, unknown>;
  [key: string]: unknown;
}

export function fixtureFiles(version: string): string[] {
  return readdirSync(path.join(FIXTURES, version)).filter((f) => f.endsWith('.json')).sort();
}

export function fixture(version: string, file: string): UploadLine[] {
  return JSON.parse(readFileSync(path.join(FIXTURES, version, file), 'utf8')) as UploadLine[];
}

/** PHP's json_encode($line, JSON_UNESCAPED_SLASHES), shared with the shop simulator. */
export { phpJsonEncode } from '../../src/shopsim/php-json.js';

/** The NDJSON body ps_eventbus builds: lines joined by CRLF, no trailing newline. */
export function ndjson(lines: readonly unknown[]): string {
  return lines.map((line) => (typeof line === 'string' ? line : phpJsonEncode(line))).join('\r\n');
}

/** A multipart body exactly as PHP's curl sends the module's CURLFile: field `file`, filename `file`, text/plain. */
export function curlMultipart(content: string | Buffer, options: { field?: string; filename?: string | null; type?: string } = {}): { body: Buffer; contentType: string } {
  const boundary = `------------------------${randomBytes(8).toString('hex')}`;
  const filename = options.filename === null ? '' : `; filename="${options.filename ?? 'file'}"`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${options.field ?? 'file'}"${filename}\r\nContent-Type: ${options.type ?? 'text/plain'}\r\n\r\n`;
  const body = Buffer.concat([Buffer.from(head), Buffer.isBuffer(content) ? content : Buffer.from(content), Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

export interface ShopRig {
  shopId: string;
  client: { clientId: string; clientSecret: string };
  token: string;
}

/** A registered shop with its psif client and a shop token from the real token endpoint. */
export async function registerShop(ts: TestServer, options: { languages?: string[] } = {}): Promise<ShopRig> {
  const shopId = randomUUID();
  const { clientId, clientSecret } = await ts.server.core.shops.shops.register(shopId, { url: `http://127.0.0.1:9/shop-${shopId.slice(0, 8)}`, languages: options.languages ?? ['en'] });
  const client = { clientId, clientSecret };
  return { shopId, client, token: await ts.token(client) };
}

export async function createJob(ts: TestServer, shopId: string, options: { contents?: string[]; full?: boolean; langIso?: string; ttlSeconds?: number } = {}): Promise<string> {
  return (await ts.server.core.cloudsync.jobs.create({ shopId, ...options })).jobId;
}

export interface UploadOptions {
  token?: string | null;
  headers?: Record<string, string>;
  endpoint?: 'upload' | 'delete';
  prefix?: '/collector' | '/collector/v1';
  fullSync?: boolean;
}

/** POSTs like ps_eventbus' CollectorApiClient: bearer shop token, Full-Sync-Requested, its User-Agent. */
export async function upload(ts: TestServer, jobId: string, lines: readonly unknown[] | string, options: UploadOptions = {}): Promise<{ status: number; body: any }> {
  const content = typeof lines === 'string' ? lines : ndjson(lines);
  const { body, contentType } = curlMultipart(content);
  const headers: Record<string, string> = {
    accept: 'application/json',
    'content-type': contentType,
    'full-sync-requested': options.fullSync === false ? '0' : '1',
    'user-agent': 'ps-eventbus/4.0.13',
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    ...options.headers,
  };
  const response = await fetch(`${ts.url}${options.prefix ?? '/collector'}/${options.endpoint ?? 'upload'}/${encodeURIComponent(jobId)}`, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

export async function rows(ts: TestServer, table: string, shopId: string): Promise<Record<string, unknown>[]> {
  const result = await sql<Record<string, unknown>>`select * from ${sql.table(table)} where shop_id = ${shopId} order by id`.execute(ts.server.core.db.kysely);
  return result.rows;
}

/** Every row of every content table, the shop registry and consents, serialised: "the store" of a test. */
export async function storeSnapshot(ts: TestServer): Promise<string> {
  const db = ts.server.core.db.kysely;
  const parts: string[] = [];
  for (const content of ts.server.core.catalog.contents) {
    const result = await sql<Record<string, unknown>>`select * from ${sql.table(content.table)} order by shop_id, id`.execute(db);
    parts.push(`${content.table}:${JSON.stringify(result.rows)}`);
  }
  for (const table of ['shops', 'consents', 'modules', 'sync_jobs', 'live_sync_requests']) {
    const result = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db);
    parts.push(`${table}:${JSON.stringify(result.rows.map((r) => JSON.stringify(r)).sort())}`);
  }
  return parts.join('\n');
}
