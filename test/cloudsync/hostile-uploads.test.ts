import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ShopRig, createJob, curlMultipart, fixture, ndjson, registerShop, rows, storeSnapshot, upload } from '../support/cloudsync.js';
import { type TestServer, startTestServer } from '../support/server.js';

/**
 * A corpus of malformed and hostile collector uploads (cloudsync-protocol §3.4, §5). Every one must be
 * refused with its documented status and code, leave the store byte-for-byte as it was, and, when a valid
 * shop token identified the caller, be recorded in the upload log. The server must keep working afterwards.
 */

interface Reply {
  status: number;
  body: any;
}

interface Rig {
  ts: TestServer;
  shop: ShopRig;
  job: string;
}

interface MainRig extends Rig {
  other: ShopRig;
  cartsJob: string;
  otherJob: string;
  expiredJob: string;
  replayJob: string;
  vendorToken: string;
  adminToken: string;
}

type Target = 'main' | 'small' | 'lines';

interface Case {
  name: string;
  /** The server the request goes to (default main); `small` caps bodies at 4 KiB, `lines` caps lines at 64 KiB. */
  on?: Target;
  send: () => Promise<Reply>;
  status: number;
  code: string;
  /** invalid_lines: `[line, code]` of every listed bad line. */
  lines?: [number, string][];
  /** invalid_lines: the count, when more lines are bad than are listed. */
  invalidLines?: number;
  /** Matched against the first bad line's message, or the error message. */
  message?: RegExp;
  /** The shop whose upload log must record this refusal. */
  log?: 'shop' | 'other';
}

let main: MainRig;
let small: Rig;
let lines: Rig;
/** Errors nobody handled in this process, which hosts the servers: each would kill a real psif. */
const crashes: Error[] = [];
const onCrash = (error: Error) => crashes.push(error);
const rig = (on: Target = 'main'): Rig => ({ main, small, lines })[on];

const BOUNDARY = 'psif-hostile-boundary';
const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;
const TEN_MB = 10 * 1000 * 1000;

/** One multipart part as curl writes it. */
function part(name: string, content: string | Buffer, filename: string | null = 'file'): Buffer {
  const disposition = `form-data; name="${name}"${filename === null ? '' : `; filename="${filename}"`}`;
  return Buffer.concat([Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\nContent-Type: text/plain\r\n\r\n`), Buffer.from(content), Buffer.from('\r\n')]);
}

function multipart(parts: Buffer[], options: { close?: boolean } = {}): Buffer {
  return Buffer.concat([...parts, Buffer.from(options.close === false ? '' : `--${BOUNDARY}--\r\n`)]);
}

function line(collection: unknown, properties: unknown, action: unknown = 'upsert'): string {
  return JSON.stringify({ action, collection, properties });
}

function product(n: number, extra: Record<string, unknown> = {}): string {
  return line('products', { unique_product_id: `${n}-0-en`, id_product: n, id_attribute: 0, name: `Hostile ${n}`, iso_code: 'en', ...extra });
}

const path = (jobId: string, prefix = '/collector') => `${prefix}/upload/${encodeURIComponent(jobId)}`;

/** A POST with fetch; `token: null` sends no Authorization header. */
async function post(on: Target, url: string, init: { token?: string | null; headers?: Record<string, string>; body?: Buffer | string } = {}): Promise<Reply> {
  const { ts, shop } = rig(on);
  const token = init.token === undefined ? shop.token : init.token;
  const headers = { accept: 'application/json', 'user-agent': 'ps-eventbus/4.0.13', ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...init.headers };
  const response = await fetch(`${ts.url}${url}`, { method: 'POST', headers, body: init.body });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** An NDJSON file, one `file` part as ps_eventbus sends it, to the main job (or `jobId`) of `on`. */
function sendFile(content: string | Buffer, options: { on?: Target; jobId?: string; token?: string | null; prefix?: string } = {}): Promise<Reply> {
  const on = options.on ?? 'main';
  const { body, contentType } = curlMultipart(content);
  return post(on, path(options.jobId ?? rig(on).job, options.prefix), { token: options.token, headers: { 'content-type': contentType }, body });
}

function sendBody(body: Buffer | string, contentType?: string, on: Target = 'main'): Promise<Reply> {
  return post(on, path(rig(on).job), { headers: contentType ? { 'content-type': contentType } : {}, body });
}

/**
 * A POST with node:http, for bodies the server refuses before reading them: the answer may come (and the
 * connection close) while the body is still being written. Without Content-Length the body is chunked.
 */
function rawPost(on: Target, headers: Record<string, string>, chunks: Buffer[]): Promise<Reply> {
  const { ts, shop } = rig(on);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(`${ts.url}${path(rig(on).job)}`, { method: 'POST', agent: false, headers: { authorization: `Bearer ${shop.token}`, 'content-type': MULTIPART, ...headers } }, (res) => {
      answered = true;
      const received: Buffer[] = [];
      res.on('data', (data: Buffer) => received.push(data));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(received).toString('utf8')) }));
      res.on('error', reject);
    });
    req.on('error', (error) => (answered ? undefined : reject(error)));
    void (async () => {
      for (const chunk of chunks) {
        if (answered || req.destroyed) return;
        req.write(chunk);
        await sleep(5);
      }
      req.end();
    })();
  });
}

const invalidJson = (count: number) => Array.from({ length: count }, (_, i) => `{"action":"upsert","collection":"products","properties":{"unique_product_id":"${i}-0-en"`);
const goodProducts = Array.from({ length: 50 }, (_, i) => product(9000 + i));
const REPLAYED = ndjson([product(8000), product(8001)]);
const at = (n: number, code: string): [number, string][] => [[n, code]];

const CASES: Case[] = [
  // Who is calling, and with which job.
  { name: 'no token', send: () => sendFile(product(1), { token: null }), status: 401, code: 'unauthorized' },
  { name: 'garbage token', send: () => sendFile(product(1), { token: 'garbage.not-a.jwt' }), status: 401, code: 'invalid_token' },
  { name: 'token with a forged signature', send: () => sendFile(product(1), { token: `${main.shop.token.slice(0, -6)}AAAAAA` }), status: 401, code: 'invalid_token' },
  { name: 'Basic credentials instead of a bearer token', send: () => post('main', path(main.job), { token: null, headers: { authorization: 'Basic c2hvcDpzZWNyZXQ=', 'content-type': MULTIPART }, body: multipart([part('file', product(1))]) }), status: 401, code: 'invalid_token' },
  { name: 'vendor token', send: () => sendFile(product(1), { token: main.vendorToken }), status: 403, code: 'forbidden' },
  { name: 'admin token', send: () => sendFile(product(1), { token: main.adminToken }), status: 403, code: 'forbidden' },
  { name: "another shop's token on this shop's job", send: () => sendFile(product(1), { token: main.other.token }), status: 403, code: 'job_of_another_shop', log: 'other' },
  { name: "another shop's job", send: () => sendFile(product(1), { jobId: main.otherJob }), status: 403, code: 'job_of_another_shop', log: 'shop' },
  { name: 'unknown job', send: () => sendFile(product(1), { jobId: randomUUID() }), status: 404, code: 'job_not_found', log: 'shop' },
  { name: 'expired job', send: () => sendFile(product(1), { jobId: main.expiredJob }), status: 404, code: 'job_expired', log: 'shop' },
  { name: 'replay of an accepted upload after the job expired', send: () => sendFile(REPLAYED, { jobId: main.replayJob }), status: 404, code: 'job_expired', log: 'shop' },
  { name: 'SQL injection in the job id', send: () => sendFile(product(1), { jobId: "1' OR '1'='1'; DROP TABLE sync_jobs; --" }), status: 400, code: 'validation_failed' },
  { name: 'SQL-looking job id made of allowed characters', send: () => sendFile(product(1), { jobId: '1--OR--1.1:DROP-TABLE' }), status: 404, code: 'job_not_found', log: 'shop' },
  { name: '201-character job id', send: () => sendFile(product(1), { jobId: 'a'.repeat(201) }), status: 400, code: 'validation_failed' },

  // The multipart envelope.
  { name: 'application/json body', send: () => sendBody(product(1), 'application/json'), status: 415, code: 'unsupported_media_type', log: 'shop' },
  { name: 'text/plain body', send: () => sendBody(product(1), 'text/plain'), status: 415, code: 'unsupported_media_type', log: 'shop' },
  { name: 'no Content-Type', send: () => sendBody(Buffer.from(product(1))), status: 415, code: 'unsupported_media_type', log: 'shop' },
  { name: 'multipart/form-data without any parameter', send: () => sendBody(multipart([part('file', product(1))]), 'multipart/form-data'), status: 400, code: 'malformed_multipart', log: 'shop' },
  { name: 'multipart/form-data with a charset but no boundary', send: () => sendBody(multipart([part('file', product(1))]), 'multipart/form-data; charset=utf-8'), status: 400, code: 'malformed_multipart', log: 'shop' },
  { name: 'truncated multipart (no closing boundary)', send: () => sendBody(multipart([part('file', product(1)).subarray(0, 120)], { close: false }), MULTIPART), status: 400, code: 'malformed_multipart', log: 'shop' },
  { name: 'garbage multipart body', send: () => sendBody(Buffer.from('\u0000\u00ff garbage \r\n\r\n--not-the-boundary\r\n'), MULTIPART), status: 400, code: 'malformed_multipart', log: 'shop' },
  { name: 'field named "files"', send: () => sendBody(multipart([part('files', product(1))]), MULTIPART), status: 400, code: 'missing_file', log: 'shop' },
  { name: 'field named "data", not a file', send: () => sendBody(multipart([part('data', product(1), null)]), MULTIPART), status: 400, code: 'missing_file', log: 'shop' },
  { name: 'two "file" parts', send: () => sendBody(multipart([part('file', product(1)), part('file', product(2))]), MULTIPART), status: 400, code: 'multiple_files', log: 'shop' },
  { name: 'zero-byte file', send: () => sendBody(multipart([part('file', '')]), MULTIPART), status: 400, code: 'empty_upload', log: 'shop' },
  { name: 'Content-Length above PSIF_UPLOAD_MAX_BYTES', on: 'small', send: () => rawPost('small', { 'content-length': '8192' }, [multipart([part('file', 'x'.repeat(8192))]).subarray(0, 8192)]), status: 413, code: 'payload_too_large', log: 'shop' },
  { name: 'chunked body growing past PSIF_UPLOAD_MAX_BYTES', on: 'small', send: () => rawPost('small', {}, [part('file', '').subarray(0, -2), ...Array.from({ length: 16 }, (_, i) => Buffer.from(`${product(i)}\r\n`.padEnd(1024, ' ')))]), status: 413, code: 'payload_too_large', log: 'shop' },

  // The lines.
  { name: 'bad JSON', send: () => sendFile('{"action":"upsert","collection":"products",'), status: 400, code: 'invalid_lines', lines: at(1, 'invalid_json'), log: 'shop' },
  { name: 'invalid UTF-8 bytes in a line', send: () => sendFile(Buffer.concat([Buffer.from(`${product(1)}\r\n{"action":"upsert","collection":"products","properties":{"name":"`), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('"}}')])), status: 400, code: 'invalid_lines', lines: at(2, 'invalid_utf8'), log: 'shop' },
  { name: 'a 10 MB line (default 8 MiB line limit)', send: () => sendFile(product(1, { description: 'x'.repeat(TEN_MB) })), status: 400, code: 'invalid_lines', lines: at(1, 'line_too_long'), log: 'shop' },
  { name: 'a 10 MB line (PSIF_UPLOAD_MAX_LINE_BYTES=65536)', on: 'lines', send: () => sendFile(`${product(1)}\r\n${product(2, { description: 'x'.repeat(TEN_MB) })}\r\n${product(3)}`, { on: 'lines' }), status: 400, code: 'invalid_lines', lines: at(2, 'line_too_long'), log: 'shop' },
  { name: 'a JSON array line', send: () => sendFile(`[${product(1)}]`), status: 400, code: 'invalid_lines', lines: at(1, 'not_an_object'), log: 'shop' },
  { name: 'a line that is null', send: () => sendFile('null'), status: 400, code: 'invalid_lines', lines: at(1, 'not_an_object'), log: 'shop' },
  { name: 'a line that is a string', send: () => sendFile('"upsert"'), status: 400, code: 'invalid_lines', lines: at(1, 'not_an_object'), log: 'shop' },
  { name: 'unknown action', send: () => sendFile(line('products', { unique_product_id: '1-0-en' }, 'merge')), status: 400, code: 'invalid_lines', lines: at(1, 'unknown_action'), log: 'shop' },
  { name: 'no action and no v3 id', send: () => sendFile(JSON.stringify({ collection: 'products', properties: { unique_product_id: '1-0-en' } })), status: 400, code: 'invalid_lines', lines: at(1, 'unknown_action'), log: 'shop' },
  { name: 'action smuggled through a top-level __proto__', send: () => sendFile('{"__proto__":{"action":"upsert"},"collection":"products","properties":{"unique_product_id":"1-0-en"}}'), status: 400, code: 'invalid_lines', lines: at(1, 'unknown_action'), log: 'shop' },
  { name: 'unknown collection', send: () => sendFile(line('product', { unique_product_id: '1-0-en' })), status: 400, code: 'invalid_lines', lines: at(1, 'unknown_collection'), log: 'shop' },
  { name: 'SQL injection in the collection', send: () => sendFile(line('products; DROP TABLE shop_products; --', { unique_product_id: '1-0-en' })), status: 400, code: 'invalid_lines', lines: at(1, 'unknown_collection'), log: 'shop' },
  { name: 'collection "__proto__" / "constructor" / a number', send: () => sendFile(ndjson([line('__proto__', {}), line('constructor', {}), line(42, {})])), status: 400, code: 'invalid_lines', lines: [[1, 'unknown_collection'], [2, 'unknown_collection'], [3, 'unknown_collection']], log: 'shop' },
  { name: 'content not in the job', send: () => sendFile(product(1), { jobId: main.cartsJob }), status: 400, code: 'invalid_lines', lines: at(1, 'content_not_in_job'), log: 'shop' },
  { name: 'properties as an array', send: () => sendFile(line('products', [{ unique_product_id: '1-0-en' }])), status: 400, code: 'invalid_lines', lines: at(1, 'invalid_properties'), log: 'shop' },
  { name: 'properties missing', send: () => sendFile('{"action":"upsert","collection":"products"}'), status: 400, code: 'invalid_lines', lines: at(1, 'invalid_properties'), log: 'shop' },
  { name: 'missing id property', send: () => sendFile(line('products', { id_product: 1, name: 'no identity' })), status: 400, code: 'invalid_lines', lines: at(1, 'missing_id_property'), log: 'shop' },
  { name: 'empty id property', send: () => sendFile(product(1, { unique_product_id: '' })), status: 400, code: 'invalid_lines', lines: at(1, 'missing_id_property'), log: 'shop' },
  { name: 'id property given through __proto__', send: () => sendFile('{"action":"upsert","collection":"products","properties":{"__proto__":{"unique_product_id":"1-0-en"}}}'), status: 400, code: 'invalid_lines', lines: at(1, 'missing_id_property'), log: 'shop' },
  { name: 'integer "abc" (products.id_product)', send: () => sendFile(product(1, { id_product: 'abc' })), status: 400, code: 'invalid_lines', lines: at(1, 'invalid_property'), log: 'shop' },
  { name: 'boolean "yes" (currencies.active)', send: () => sendFile(line('currencies', { id_currency: 1, active: 'yes' })), status: 400, code: 'invalid_lines', lines: at(1, 'invalid_property'), log: 'shop' },
  { name: 'price as an object', send: () => sendFile(product(1, { price_tax_excl: { amount: 10 } })), status: 400, code: 'invalid_lines', lines: at(1, 'invalid_property'), log: 'shop' },
  { name: 'string property given an object', send: () => sendFile(product(1, { name: { en: 'shirt' } })), status: 400, code: 'invalid_lines', lines: at(1, 'invalid_property'), log: 'shop' },
  { name: 'datetime "yesterday"', send: () => sendFile(product(1, { created_at: 'yesterday' })), status: 400, code: 'invalid_lines', lines: at(1, 'invalid_property'), log: 'shop' },
  { name: 'date "2026-13-45"', send: () => sendFile(product(1, { available_date: '2026-13-45' })), status: 400, code: 'invalid_lines', lines: at(1, 'invalid_property'), log: 'shop' },
  { name: 'integer 1e20', send: () => sendFile(product(1, { quantity: 1e20 })), status: 400, code: 'invalid_lines', lines: at(1, 'invalid_property'), log: 'shop' },
  { name: 'null for a non-nullable property', send: () => sendFile(product(1, { name: null })), status: 400, code: 'invalid_lines', lines: at(1, 'invalid_property'), message: /must not be null/, log: 'shop' },
  { name: 'delete of orders', send: () => sendFile(line('orders', { id: '1' }, 'delete')), status: 400, code: 'invalid_lines', lines: at(1, 'delete_not_supported'), log: 'shop' },
  { name: 'delete without properties.id', send: () => sendFile(line('products', {}, 'delete')), status: 400, code: 'invalid_lines', lines: at(1, 'invalid_delete_id'), log: 'shop' },
  { name: 'delete of category "abc"', send: () => sendFile(line('categories', { id: 'abc' }, 'delete')), status: 400, code: 'invalid_lines', lines: at(1, 'invalid_delete_id'), log: 'shop' },
  { name: 'v3 delete endpoint with deleteIds not a list', send: () => post('main', `/collector/delete/${main.job}`, { headers: { 'content-type': MULTIPART }, body: multipart([part('file', '{"collection":"categories","deleteIds":"1"}')]) }), status: 400, code: 'invalid_lines', lines: at(1, 'invalid_delete_ids'), log: 'shop' },
  { name: '150 bad lines (first 100 listed)', send: () => sendFile(ndjson(invalidJson(150))), status: 400, code: 'invalid_lines', lines: Array.from({ length: 100 }, (_, i): [number, string] => [i + 1, 'invalid_json']), invalidLines: 150, log: 'shop' },
  { name: 'one bad line among 50 good ones', send: () => sendFile(ndjson([...goodProducts.slice(0, 25), product(9999, { id_product: 'abc' }), ...goodProducts.slice(25)])), status: 400, code: 'invalid_lines', lines: at(26, 'invalid_property'), log: 'shop' },
  { name: 'blank lines count in line numbers (LF and CRLF)', send: () => sendFile(`\r\n${goodProducts[0]}\n\n{oops}\r\n\r\n${goodProducts[1]}\r\nnull`), status: 400, code: 'invalid_lines', lines: [[4, 'invalid_json'], [7, 'not_an_object']], log: 'shop' },
  { name: 'several kinds of bad lines on /collector/v1', send: () => sendFile(ndjson(['[]', goodProducts[0]!, line('nope', {}), product(1, { active: 'maybe' }), line('orders', { id: '1' }, 'delete')]), { prefix: '/collector/v1' }), status: 400, code: 'invalid_lines', lines: [[1, 'not_an_object'], [3, 'unknown_collection'], [4, 'invalid_property'], [5, 'delete_not_supported']], log: 'shop' },
];

describe('hostile and malformed collector uploads', () => {
  beforeAll(async () => {
    process.on('uncaughtException', onCrash);
    const ts = await startTestServer();
    const shop = await registerShop(ts);
    const other = await registerShop(ts);
    const replayJob = await createJob(ts, shop.shopId, { ttlSeconds: 2 });
    const replayCreated = Date.now();
    const replay = await upload(ts, replayJob, REPLAYED, { token: shop.token });
    expect(replay.status).toBe(201);
    const expiredJob = await createJob(ts, shop.shopId, { ttlSeconds: 1 });
    const vendor = await ts.createClient({ kind: 'vendor', name: `hostile-vendor-${randomUUID().slice(0, 8)}` });
    const admin = await ts.createClient({ kind: 'admin', name: 'hostile-admin' });
    main = {
      ts, shop, other, replayJob, expiredJob,
      job: await createJob(ts, shop.shopId, { full: true }),
      cartsJob: await createJob(ts, shop.shopId, { contents: ['carts'] }),
      otherJob: await createJob(ts, other.shopId),
      vendorToken: await ts.token(vendor),
      adminToken: await ts.token(admin),
    };
    // The store is not empty: this shop's catalog, and another shop's carts.
    for (const file of ['products.json', 'categories.json', 'currencies.json']) {
      const response = await upload(ts, main.job, fixture('9.1', file), { token: shop.token });
      expect(response.status, `${file}: ${JSON.stringify(response.body)}`).toBe(201);
    }
    expect((await upload(ts, main.otherJob, fixture('9.1', 'carts.json'), { token: other.token })).status).toBe(201);
    small = await dedicatedRig({ PSIF_UPLOAD_MAX_BYTES: '4096' });
    lines = await dedicatedRig({ PSIF_UPLOAD_MAX_LINE_BYTES: '65536', PSIF_UPLOAD_MAX_BYTES: String(4 * TEN_MB) });
    await sleep(Math.max(0, replayCreated + 2100 - Date.now()));
  });
  afterAll(async () => {
    process.off('uncaughtException', onCrash);
    await Promise.all([main?.ts.close(), small?.ts.close(), lines?.ts.close()]);
  });

  it('has a corpus of at least 35 hostile uploads', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(35);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('refuses %s and stores nothing', async (_name, c) => {
    const { ts } = rig(c.on);
    const before = await storeSnapshot(ts);
    crashes.length = 0;
    const reply = await c.send();
    expect(crashes.map((e) => e.message), 'uncaught exceptions in the server process').toEqual([]);
    expect(reply.status, JSON.stringify(reply.body)?.slice(0, 600)).toBe(c.status);
    expect(reply.body).toMatchObject({ statusCode: c.status, code: c.code, message: expect.any(String) });
    if (c.lines) {
      const details = reply.body.details as { invalidLines: number; lines: { line: number; code: string; message: string }[] };
      expect(details.lines.map((l) => [l.line, l.code])).toEqual(c.lines);
      expect(details.invalidLines).toBe(c.invalidLines ?? c.lines.length);
      for (const l of details.lines) expect(l.message).toEqual(expect.any(String));
    }
    if (c.message) expect(c.lines ? reply.body.details.lines[0].message : reply.body.message).toMatch(c.message);
    expect(await storeSnapshot(ts)).toBe(before);
  });

  it('records every refusal attributed to a shop in the upload log, with its code', async () => {
    const expected = new Map<string, { r: Rig; shopId: string; codes: string[] }>();
    for (const c of CASES.filter((x) => x.log)) {
      const r = rig(c.on);
      const shopId = c.log === 'other' ? main.other.shopId : r.shop.shopId;
      const key = `${c.on ?? 'main'}:${shopId}`;
      if (!expected.has(key)) expected.set(key, { r, shopId, codes: [] });
      expected.get(key)!.codes.push(`${c.status} ${c.code}`);
    }
    for (const { r, shopId, codes } of expected.values()) {
      const logged = await r.ts.server.core.cloudsync.uploadLog.list({ shopId, status: 'rejected' }, 500);
      expect(logged.map((u) => `${u.http_status} ${u.error_code}`).sort(), shopId).toEqual(codes.sort());
    }
    const shopLog = await main.ts.server.core.cloudsync.uploadLog.list({ shopId: main.shop.shopId, status: 'rejected' }, 500);
    const manyBad = shopLog.find((u) => u.error_code === 'invalid_lines' && JSON.parse(u.bad_lines ?? '[]').length === 100);
    expect(manyBad, 'the 150-bad-lines upload logs its first 100 bad lines').toBeDefined();
  });

  it('still accepts good uploads afterwards, including the lines refused with a bad neighbour', async () => {
    for (const r of [main, small, lines]) {
      const response = await upload(r.ts, r.job, goodProducts.slice(0, 2).join('\r\n'), { token: r.shop.token });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
    }
    const response = await upload(main.ts, main.job, ndjson(goodProducts), { token: main.shop.token });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toMatchObject({ accepted: 50, upserted: 50, ignoredProperties: [] });
  });

  it('ignores prototype-pollution keys in properties: reported, not stored, nothing polluted', async () => {
    const text = '{"action":"upsert","collection":"products","properties":{"unique_product_id":"9900-0-en","id_product":9900,"iso_code":"en","__proto__":{"polluted":"yes","name":"x"},"constructor":{"prototype":{"polluted":"yes"}}}}';
    const response = await sendFile(text);
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toMatchObject({ accepted: 1, upserted: 1, ignoredProperties: ['products.__proto__', 'products.constructor'] });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const row = (await rows(main.ts, 'shop_products', main.shop.shopId)).find((r) => r.unique_product_id === '9900-0-en');
    expect(row).toMatchObject({ id_product: 9900, name: null });
  });
});

/** A psif with its own limits, one shop and one job for every content. */
async function dedicatedRig(env: Record<string, string>): Promise<Rig> {
  const ts = await startTestServer(env);
  const shop = await registerShop(ts);
  const job = await createJob(ts, shop.shopId, { full: true });
  expect((await upload(ts, job, fixture('9.1', 'currencies.json'), { token: shop.token })).status).toBe(201);
  return { ts, shop, job };
}
