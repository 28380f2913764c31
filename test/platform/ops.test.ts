import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, basic, startTestServer } from '../support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

describe('ops endpoints', () => {
  it('/healthz answers ok', async () => {
    const response = await fetch(`${t.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('/readyz answers ready while the database answers', async () => {
    const response = await fetch(`${t.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready' });
  });

  it('/metrics exposes Prometheus text with request, token and error metrics', async () => {
    const vendor = await t.createClient({ kind: 'vendor', name: 'metered' });
    await t.token(vendor);
    await fetch(`${t.url}/oauth2/token`, { method: 'POST', headers: { authorization: basic(vendor.clientId, 'wrong'), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    const response = await fetch(`${t.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^psif_oauth_tokens_issued_total\{kind="vendor"\} [1-9]/m);
    expect(text).toMatch(/^psif_oauth_errors_total\{endpoint="\/oauth2\/token",error="invalid_client"\} [1-9]/m);
    expect(text).toMatch(/^psif_http_request_duration_seconds_count\{method="POST",route="\/oauth2\/token",status="200"\} [1-9]/m);
    expect(text).toMatch(/^psif_process_cpu_user_seconds_total /m);
    // Route patterns, never raw URLs, label the histogram (bounded cardinality).
    await fetch(`${t.url}/admin/v1/clients/some-id-123`);
    expect(await (await fetch(`${t.url}/metrics`)).text()).not.toContain('some-id-123');
  });

  it('unknown routes answer the API error shape', async () => {
    const response = await fetch(`${t.url}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ statusCode: 404, code: 'route_not_found', message: 'no route for GET /nope' });
  });
});

describe('readiness when the database is gone', () => {
  it('/readyz answers 503 with the reason while /healthz still answers', async () => {
    const own = await startTestServer();
    try {
      await own.server.core.db.close();
      const response = await fetch(`${own.url}/readyz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ status: 'unavailable', detail: expect.any(String) });
      expect((await fetch(`${own.url}/healthz`)).status).toBe(200);
    } finally {
      await own.server.app.close();
    }
  });
});
