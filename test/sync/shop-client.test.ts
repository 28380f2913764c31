import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, errorCodeInfo, errorCodeTable } from '../../src/sync/error-codes.js';
import { nextPageSize, retryDelay, shrunkPageSize } from '../../src/sync/pacing.js';
import { ShopClient, classifyPage } from '../../src/sync/shop-client.js';
import { freePort } from '../support/server.js';

const reply = (fields: Record<string, unknown>) => JSON.stringify({ job_id: 'j', object_type: 'products', syncType: 'full', execution_time_in_seconds: 0.1, total_objects: 5, has_remaining_objects: true, remaining_objects: 10, md5: 'x', ...fields });

describe('classifying apiShopContent replies (cloudsync-protocol §3.1)', () => {
  it('a page stored by the collector (201 echoed) is a success', () => {
    const page = classifyPage(201, reply({ status: true, httpCode: 201, body: '{}', upload_url: 'http://psif/collector/upload/j' }), 12);
    expect(page).toMatchObject({ ok: true, totalObjects: 5, hasRemainingObjects: true, remainingObjects: 10, uploaded: true });
  });

  it('nothing to upload (200) is a success', () => {
    expect(classifyPage(200, reply({ total_objects: 0, has_remaining_objects: false, remaining_objects: 0, httpCode: 200 }), 1)).toMatchObject({ ok: true, uploaded: false, hasRemainingObjects: false });
  });

  it("a failed upload echoed by the shop is collector_<status>, the collector's body in the message", () => {
    const failure = classifyPage(400, reply({ status: false, httpCode: 400, body: '{"code":"invalid_lines"}', upload_url: 'http://psif/collector/upload/j' }), 3);
    expect(failure).toMatchObject({ ok: false, code: 'collector_400', httpStatus: 400 });
    expect(failure.ok || failure.message).toContain('invalid_lines');
    expect(classifyPage(500, reply({ status: false, httpCode: 0, body: false, upload_url: 'http://psif/collector/upload/j' }), 3)).toMatchObject({ ok: false, code: 'collector_0' });
  });

  it("ps_eventbus' own errors keep their code", () => {
    for (const code of [452, 454, 458, 500]) {
      const failure = classifyPage(code, JSON.stringify({ object_type: false, status: false, httpCode: code, message: 'boom' }), 1);
      expect(failure).toMatchObject({ ok: false, code: String(code) });
    }
    expect(errorCodeInfo('458').retryable).toBe(false);
  });

  it('HTML, other JSON and other statuses are classified', () => {
    expect(classifyPage(200, '<html>maintenance</html>', 1)).toMatchObject({ ok: false, code: 'invalid_json' });
    expect(classifyPage(503, '<html>down</html>', 1)).toMatchObject({ ok: false, code: '503' });
    expect(classifyPage(200, '{"hello":"world"}', 1)).toMatchObject({ ok: false, code: 'invalid_reply' });
    expect(classifyPage(200, '[1,2]', 1)).toMatchObject({ ok: false, code: 'invalid_json' });
    expect(errorCodeInfo('520')).toMatchObject({ retryable: true, shrinksPage: true });
    expect(errorCodeInfo('collector_422').description).toContain('422');
  });

  it('the documented table lists every known code', () => {
    const table = errorCodeTable();
    for (const code of ERROR_CODES.keys()) expect(table).toContain(`| \`${code}\` |`);
  });
});

describe('network failures against real sockets', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url?.includes('hang')) return; // never answers
      if (request.url?.includes('reset')) return request.socket.destroy();
      response.writeHead(200, { 'content-type': 'application/json' }).end(reply({ has_remaining_objects: false }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const pull = (client: ShopClient, shopUrl: string) => client.pull({ shopUrl, content: 'products', jobId: 'j', limit: 10, full: true, langIso: 'en' });

  it('builds the module URL with every parameter', async () => {
    const url = new URL(ShopClient.shopContentUrl({ shopUrl: 'https://shop.example/fr', content: 'products', jobId: 'j 1', limit: 50, full: true, langIso: 'fr' }));
    expect(url.pathname).toBe('/fr/index.php');
    expect(Object.fromEntries(url.searchParams)).toEqual({ fc: 'module', module: 'ps_eventbus', controller: 'apiShopContent', shop_content: 'products', job_id: 'j 1', limit: '50', full: '1', lang_iso: 'fr' });
    expect(new URL(ShopClient.shopContentUrl({ shopUrl: 'https://shop.example', content: 'orders', jobId: 'j', limit: 5, full: false, langIso: '' })).searchParams.has('lang_iso')).toBe(false);
  });

  it('success, timeout, reset and refused', async () => {
    const client = new ShopClient(300, 'psif/test');
    expect(await pull(client, base)).toMatchObject({ ok: true });
    expect(await pull(client, `${base}/hang`)).toMatchObject({ ok: false, code: 'timeout' });
    expect(await pull(client, `${base}/reset`)).toMatchObject({ ok: false, code: 'connection_reset' });
    expect(await pull(client, `http://127.0.0.1:${await freePort()}`)).toMatchObject({ ok: false, code: 'connection_refused' });
  });
});

describe('pacing', () => {
  const options = { targetPageMs: 1000, maxPageSize: 800 };
  it('doubles fast pages up to the maximum, halves slow ones down to the minimum, keeps the rest', () => {
    expect(nextPageSize(100, 100, options)).toBe(200);
    expect(nextPageSize(500, 100, options)).toBe(800);
    expect(nextPageSize(100, 600, options)).toBe(100);
    expect(nextPageSize(100, 1500, options)).toBe(50);
    expect(nextPageSize(12, 5000, options)).toBe(10);
    expect(shrunkPageSize(15)).toBe(10);
  });
  it('backs off exponentially with jitter, capped', () => {
    const options = { retryBaseMs: 1000, retryMaxMs: 10_000 };
    expect(retryDelay(1, options, () => 0)).toBe(500);
    expect(retryDelay(1, options, () => 1)).toBe(1000);
    expect(retryDelay(3, options, () => 1)).toBe(4000);
    expect(retryDelay(10, options, () => 1)).toBe(10_000);
    expect(retryDelay(10, options, () => 0)).toBe(5000);
  });
});

describe('error code documentation', () => {
  it('docs/sync.md carries the generated table verbatim', async () => {
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(new URL('../../docs/sync.md', import.meta.url), 'utf8')).toContain(errorCodeTable());
  });
});
