import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phpJsonEncode } from '../../src/shopsim/php-json.js';
import { ShopSimulator } from '../../src/shopsim/shop-simulator.js';
import { pull } from './rig.js';

/** What goes over the wire from the shop, recorded by a fake CloudSync that accepts everything. */
interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

let cloudsync: http.Server;
let base: string;
const recorded: Recorded[] = [];
let uploadStatus = 201;

beforeAll(async () => {
  cloudsync = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      recorded.push({ method: request.method!, url: request.url!, headers: request.headers, body: Buffer.concat(chunks) });
      response.writeHead(request.url!.startsWith('/collector/upload/') ? uploadStatus : 201, { 'content-type': 'application/json' });
      response.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => cloudsync.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(cloudsync.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => cloudsync.close(resolve));
});

function simulator(options: Partial<ConstructorParameters<typeof ShopSimulator>[0]> = {}): ShopSimulator {
  return new ShopSimulator({ shopId: 'f07181f7-2399-406d-9226-4b6c14cf6068', psifUrl: base, token: 'shop-token', source: { generated: { products: 40, languages: ['en', 'fr'] } }, liveSyncDebounceMs: 0, ...options });
}

/** The single part of a curl multipart body: its headers and content. */
function filePart(request: Recorded): { head: string; content: string } {
  const boundary = /boundary=(.+)$/.exec(String(request.headers['content-type']))![1]!;
  const text = request.body.toString('utf8');
  expect(text.startsWith(`--${boundary}\r\n`)).toBe(true);
  expect(text.endsWith(`\r\n--${boundary}--\r\n`)).toBe(true);
  const inner = text.slice(boundary.length + 4, text.length - boundary.length - 8);
  const split = inner.indexOf('\r\n\r\n');
  return { head: inner.slice(0, split), content: inner.slice(split + 4) };
}

describe('what the shop sends', () => {
  it('checks the job with the headers of the module, once', async () => {
    const sim = simulator();
    await sim.listen();
    try {
      recorded.length = 0;
      await pull(sim, { shop_content: 'languages', job_id: 'job-1', full: 1 });
      await pull(sim, { shop_content: 'languages', job_id: 'job-1' });
      const checks = recorded.filter((r) => r.url.startsWith('/sync-api/'));
      expect(checks).toHaveLength(1);
      expect(checks[0]).toMatchObject({ method: 'GET', url: '/sync-api/job/job-1' });
      expect(checks[0]!.headers).toMatchObject({ accept: 'application/json', authorization: 'Bearer shop-token', 'user-agent': 'ps-eventbus/4.0.13' });
    } finally {
      await sim.close();
    }
  });

  it('uploads one multipart part "file" of PHP-encoded lines joined by CRLF, Full-Sync-Requested on every full page', async () => {
    const sim = simulator();
    await sim.listen();
    try {
      recorded.length = 0;
      const first = await pull(sim, { shop_content: 'products', job_id: 'job-2', lang_iso: 'fr', limit: 5, full: 1 });
      await pull(sim, { shop_content: 'products', job_id: 'job-2', lang_iso: 'fr', limit: 5 });
      const uploads = recorded.filter((r) => r.url === '/collector/upload/job-2');
      expect(uploads).toHaveLength(2);
      for (const upload of uploads) {
        expect(upload.method).toBe('POST');
        expect(upload.headers).toMatchObject({ accept: 'application/json', authorization: 'Bearer shop-token', 'full-sync-requested': '1', 'user-agent': 'ps-eventbus/4.0.13' });
        expect(upload.headers['content-type']).toMatch(/^multipart\/form-data; boundary=-{24}[0-9a-f]{16}$/);
      }
      const { head, content } = filePart(uploads[1]!);
      expect(head).toBe('Content-Disposition: form-data; name="file"; filename="file"\r\nContent-Type: text/plain');
      const lines = content.split('\r\n');
      expect(lines).toHaveLength(5);
      expect(content.endsWith('\n')).toBe(false);
      expect(content).toMatch(/^[\x20-\x7e\r\n]*$/);
      const rows = sim.rows('products', 'fr').slice(5, 10);
      expect(lines).toEqual(rows.map((row) => phpJsonEncode({ action: 'upsert', collection: 'products', properties: row })));
      expect(lines[0]).toContain('\\u00e9dition');
      expect(first.body.md5).not.toBe((await pull(sim, { shop_content: 'products', job_id: 'job-2', lang_iso: 'fr', limit: 5 })).body.md5);
    } finally {
      await sim.close();
    }
  });

  it('sends Expect: 100-continue above 1 MiB, as curl does', async () => {
    const sim = simulator({ source: { generated: { products: 700, languages: 1 } } });
    await sim.listen();
    try {
      recorded.length = 0;
      await pull(sim, { shop_content: 'products', job_id: 'job-3', limit: 2000, full: 1 });
      const upload = recorded.find((r) => r.url === '/collector/upload/job-3')!;
      expect(upload.body.length).toBeGreaterThan(1_048_576);
      expect(upload.headers.expect).toBe('100-continue');
      expect(filePart(upload).content.split('\r\n')).toHaveLength(sim.count('products'));
    } finally {
      await sim.close();
    }
  });

  it('sends incremental batches with Full-Sync-Requested: 0, deletes as {"id"} lines, and one notification per content', async () => {
    const sim = simulator();
    await sim.listen();
    try {
      await pull(sim, { shop_content: 'customers', job_id: 'job-4', limit: 500, full: 1 });
      recorded.length = 0;
      await sim.upsert('customers', { id_customer: 3, optin: true });
      await sim.delete('customers', '5');
      const notifications = recorded.filter((r) => r.url.startsWith('/live-sync/v1/'));
      expect(notifications.map((n) => [n.url, JSON.parse(n.body.toString())])).toEqual([
        ['/live-sync/v1/notify/f07181f7-2399-406d-9226-4b6c14cf6068', { shopContents: ['customers'], action: 'upsert' }],
        ['/live-sync/v1/notify/f07181f7-2399-406d-9226-4b6c14cf6068', { shopContents: ['customers'], action: 'delete' }],
      ]);
      expect(notifications[0]!.headers).toMatchObject({ 'content-type': 'application/json', authorization: 'Bearer shop-token', 'user-agent': 'ps-eventbus/4.0.13', accept: 'application/json' });

      recorded.length = 0;
      const reply = await pull(sim, { shop_content: 'customers', job_id: 'job-4' });
      expect(reply.body).toMatchObject({ syncType: 'incremental', total_objects: 2, httpCode: 201 });
      const upload = recorded.find((r) => r.url === '/collector/upload/job-4')!;
      expect(upload.headers['full-sync-requested']).toBe('0');
      const lines = filePart(upload).content.split('\r\n');
      expect(JSON.parse(lines[0]!)).toMatchObject({ action: 'upsert', collection: 'customers', properties: { id_customer: 3, optin: true } });
      expect(lines[1]).toBe('{"action":"delete","collection":"customers","properties":{"id":"5"}}');
    } finally {
      await sim.close();
    }
  });

  it('a collector status other than 201 is echoed, and the page is sent again', async () => {
    const sim = simulator();
    await sim.listen();
    try {
      uploadStatus = 503;
      const refused = await pull(sim, { shop_content: 'orders', job_id: 'job-5', limit: 3, full: 1 });
      expect([refused.status, refused.statusText]).toEqual([503, 'Service Unavailable']);
      expect(refused.body).toMatchObject({ status: false, httpCode: 503, body: '{"ok":true}', upload_url: `${base}/collector/upload/job-5` });
      uploadStatus = 200;
      const ok200 = await pull(sim, { shop_content: 'orders', job_id: 'job-5', limit: 3 });
      // 200 is a 2xx (status true) but not 201: the module keeps the offset.
      expect(ok200.body).toMatchObject({ status: true, httpCode: 200, md5: refused.body.md5 });
      uploadStatus = 201;
      expect((await pull(sim, { shop_content: 'orders', job_id: 'job-5', limit: 3 })).body.md5).toBe(refused.body.md5);
      expect(sim.typeSync('orders')?.offset).toBe(3);
    } finally {
      uploadStatus = 201;
      await sim.close();
    }
  });
});
