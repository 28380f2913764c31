import { randomUUID } from 'node:crypto';
import { type IncomingHttpHeaders, type Server as HttpServer, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BillingEvent, WebhookEventType } from '../../src/billing/webhooks/events.js';
import { sign } from '../../src/billing/webhooks/signing.js';
import type { BillingEnv } from '../../src/platform/db/schema.js';
import { type TestServer, startTestServer } from '../support/server.js';

/** The signed webhooks of the Billing API, received by real HTTP servers and verified with `standardwebhooks`. */
let t: TestServer;
let adminToken: string;
let acme: string;
let globex: string;
let receiver: Receiver;

beforeAll(async () => {
  t = await startTestServer({ PSIF_ROLE: 'all', PSIF_WEBHOOK_RETRY_SCHEDULE: '0.05,0.1,0.2,0.3', PSIF_WEBHOOK_POLL_MS: '50', PSIF_WEBHOOK_TIMEOUT_MS: '2000' });
  adminToken = await t.token(await t.createClient({ kind: 'admin', name: 'ops' }));
  acme = (await t.createClient({ kind: 'vendor', name: 'acme' })).clientId;
  globex = (await t.createClient({ kind: 'vendor', name: 'globex' })).clientId;
  receiver = await startReceiver();
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
});

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

interface Receiver {
  url: string;
  requests: Received[];
  /** How a path answers its n-th request (0-based) of a webhook-id; 200 by default. */
  answer: Map<string, (nth: number) => number>;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const requests: Received[] = [];
  const answer = new Map<string, (nth: number) => number>();
  const server: HttpServer = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      const nth = requests.filter((r) => r.path === path && r.headers['webhook-id'] === request.headers['webhook-id']).length;
      const status = answer.get(path)?.(nth) ?? 200;
      requests.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), answered: status });
      response.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'receiver says no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answer,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function api(method: string, path: string, body?: unknown, token: string | null = adminToken) {
  const response = await fetch(`${t.url}/admin/v1${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, json: text ? (JSON.parse(text) as any) : null };
}

async function createEndpoint(input: { vendor: string; path: string; env?: BillingEnv; eventTypes?: string[] }): Promise<{ endpointId: string; secret: string }> {
  const { path, ...rest } = input;
  const created = await api('POST', '/billing/webhook-endpoints', { ...rest, url: `${receiver.url}${path}` });
  expect(created.status, created.text).toBe(201);
  return { endpointId: created.json.endpoint.endpointId, secret: created.json.secret };
}

function event(type: WebhookEventType, vendorClientId: string, data: Record<string, unknown> = {}, options: { env?: BillingEnv; resourceVersion?: number } = {}): BillingEvent {
  const now = Date.now();
  return { type, env: options.env ?? 'live', vendorClientId, data: { id: randomUUID(), ...data }, resourceVersion: options.resourceVersion ?? now, occurredAt: now };
}

async function emit(...events: BillingEvent[]): Promise<void> {
  const { core } = t.server;
  await core.db.kysely.transaction().execute((trx) => core.webhooks.enqueue(trx, events, Date.now()));
  core.webhooks.kick();
}

/** Polls until `probe` returns a value; bounded, so a broken dispatcher fails the test instead of hanging it. */
async function until<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until no delivery of the endpoints is pending, then a few polls more so a stray resend would show. */
async function settled(...endpointIds: string[]): Promise<void> {
  const db = t.server.core.db.kysely;
  await until(async () => {
    const pending = await db.selectFrom('billing_webhook_deliveries').select('delivery_id').where('endpoint_id', 'in', endpointIds).where('status', '=', 'pending').execute();
    return pending.length === 0;
  }, 'deliveries to settle');
  await new Promise((resolve) => setTimeout(resolve, 300));
}

const at = (path: string) => receiver.requests.filter((r) => r.path === path);
const okIds = (path: string) => at(path).filter((r) => r.answered < 300).map((r) => r.headers['webhook-id'] as string);
const payloads = (path: string) => at(path).filter((r) => r.answered < 300).map((r) => JSON.parse(r.body) as { id: string; type: string; eventType: string; timestamp: string; data: Record<string, unknown> });

describe('signatures', () => {
  it('signs every request the way standardwebhooks verifies, and a tampered body fails', async () => {
    const { secret } = await createEndpoint({ vendor: 'acme', path: '/signed' });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const sent = event('subscription.created', acme, { plan_id: 'pro-monthly' }, { resourceVersion: 1_700_000_000_123 });
    await emit(sent);
    const [request] = await until(() => at('/signed').length === 1 && at('/signed'), 'the signed request');

    const verified = new Webhook(secret).verify(request!.body, request!.headers as Record<string, string>) as Record<string, any>;
    expect(verified).toEqual({
      id: request!.headers['webhook-id'],
      type: 'subscription.created',
      eventType: 'subscription.created',
      timestamp: new Date(sent.occurredAt).toISOString(),
      data: { ...sent.data, resource_version: 1_700_000_000_123 },
    });
    expect(request!.headers['webhook-id']).toMatch(/^msg_/);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['user-agent']).toMatch(/^psif-webhooks\/\d+\.\d+\.\d+/);
    expect(Math.abs(Number(request!.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(300);

    const tampered = request!.body.replace('pro-monthly', 'pro-yearly');
    expect(() => new Webhook(secret).verify(tampered, request!.headers as Record<string, string>)).toThrow(WebhookVerificationError);
    const otherSecret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    expect(() => new Webhook(otherSecret).verify(request!.body, request!.headers as Record<string, string>)).toThrow(WebhookVerificationError);
  });

  it('computes the same signature as the reference implementation', () => {
    const secret = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
    const body = '{"type":"invoice.paid","data":{"é":1}}';
    expect(sign(secret, 'msg_1', 1_700_000_000, body)).toBe(new Webhook(secret).sign('msg_1', new Date(1_700_000_000_000), body));
  });

  it('signs with the new secret after a rotation, and the secret is never shown again', async () => {
    const { endpointId, secret } = await createEndpoint({ vendor: 'acme', path: '/rotated' });
    const rotated = await api('POST', `/billing/webhook-endpoints/${endpointId}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const newSecret = rotated.json.secret as string;
    expect(newSecret).not.toBe(secret);
    await emit(event('customer.updated', acme));
    const [request] = await until(() => at('/rotated').length === 1 && at('/rotated'), 'the request after rotation');
    expect(() => new Webhook(newSecret).verify(request!.body, request!.headers as Record<string, string>)).not.toThrow();
    expect(() => new Webhook(secret).verify(request!.body, request!.headers as Record<string, string>)).toThrow(WebhookVerificationError);

    await settled(endpointId);
    const [delivery] = (await api('GET', `/billing/webhook-endpoints/${endpointId}/deliveries`)).json.items;
    const answers = [
      await api('GET', '/billing/webhook-endpoints'),
      await api('GET', `/billing/webhook-endpoints?vendor=acme&env=live`),
      await api('GET', `/billing/webhook-endpoints/${endpointId}`),
      await api('PATCH', `/billing/webhook-endpoints/${endpointId}`, { description: 'rotated once' }),
      await api('GET', `/billing/webhook-endpoints/${endpointId}/deliveries`),
      await api('GET', `/billing/webhook-deliveries/${delivery.deliveryId}`),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      for (const s of [secret, newSecret]) {
        expect(answer.text).not.toContain(s);
        expect(answer.text).not.toContain(s.slice('whsec_'.length));
      }
      expect(answer.text).not.toMatch(/secret/i);
    }
    const row = await t.server.core.db.kysely.selectFrom('billing_webhook_endpoints').select('secret_sealed').where('endpoint_id', '=', endpointId).executeTakeFirstOrThrow();
    expect(row.secret_sealed).not.toContain(newSecret.slice('whsec_'.length));
  });
});

describe('delivery and retries', () => {
  it('retries a failing receiver until it answers 2xx: every event exactly once, every attempt in the log', async () => {
    const { endpointId } = await createEndpoint({ vendor: 'acme', path: '/flaky' });
    receiver.answer.set('/flaky', (nth) => (nth < 3 ? 500 : 204));
    const events = [event('payment.succeeded', acme), event('invoice.paid', acme), event('subscription.updated', acme)];
    await emit(...events);
    await until(() => okIds('/flaky').length >= 3, 'three 2xx answers');
    await settled(endpointId);

    const ids = okIds('/flaky');
    expect(new Set(ids).size).toBe(3);
    expect(ids).toHaveLength(3);
    for (const id of ids) expect(at('/flaky').filter((r) => r.headers['webhook-id'] === id).map((r) => r.answered)).toEqual([500, 500, 500, 204]);
    expect(payloads('/flaky').map((p) => p.type).sort()).toEqual(['invoice.paid', 'payment.succeeded', 'subscription.updated']);

    const log = await api('GET', `/billing/webhook-endpoints/${endpointId}/deliveries`);
    expect(log.json.total).toBe(3);
    for (const delivery of log.json.items) {
      expect(delivery).toMatchObject({ endpointId, status: 'succeeded', attempts: 4, lastHttpStatus: 204, lastError: null, nextAttemptAt: null });
      const detail = await api('GET', `/billing/webhook-deliveries/${delivery.deliveryId}`);
      expect(detail.status).toBe(200);
      expect(detail.json.attempts.map((a: any) => [a.attempt, a.httpStatus])).toEqual([[1, 500], [2, 500], [3, 500], [4, 204]]);
      expect(detail.json.attempts[0].error).toBe('HTTP 500: receiver says no');
      expect(detail.json.attempts.every((a: any) => Number.isInteger(a.durationMs) && a.durationMs >= 0)).toBe(true);
      expect(detail.json.event).toMatchObject({ eventId: delivery.eventId, type: delivery.eventType, env: 'live' });
      expect(detail.json.event.payload.id).toBe(delivery.eventId);
    }
    const failedOnly = await api('GET', `/billing/webhook-endpoints/${endpointId}/deliveries?status=failed`);
    expect(failedOnly.json).toMatchObject({ items: [], total: 0 });
  });

  it('lets receivers order events of a resource by data.resource_version', async () => {
    await createEndpoint({ vendor: 'acme', path: '/ordered', eventTypes: ['subscription.updated'] });
    const subscriptionId = randomUUID();
    const versions = [5, 2, 4, 1, 3];
    for (const version of versions) await emit(event('subscription.updated', acme, { id: subscriptionId, quantity: version }, { resourceVersion: 1_000 + version }));
    await until(() => okIds('/ordered').length >= versions.length, 'every version');

    const received = payloads('/ordered');
    // The receiver's rule: keep an update only if it is newer than what it holds.
    let state: { version: number; quantity: unknown } | undefined;
    for (const payload of received) {
      const version = payload.data.resource_version as number;
      if (!state || version > state.version) state = { version, quantity: payload.data.quantity };
    }
    expect(state).toEqual({ version: 1_005, quantity: 5 });
    expect(received.map((p) => p.data.resource_version).sort()).toEqual([1_001, 1_002, 1_003, 1_004, 1_005]);
  });

  it('fails a delivery once the schedule is exhausted, then a replay delivers it', async () => {
    const { endpointId } = await createEndpoint({ vendor: 'acme', path: '/down' });
    let up = false;
    receiver.answer.set('/down', () => (up ? 200 : 503));
    await emit(event('invoice.payment-due', acme));
    await settled(endpointId);
    const [failed] = (await api('GET', `/billing/webhook-endpoints/${endpointId}/deliveries?status=failed`)).json.items;
    // One attempt, then one per retry of the four-step schedule.
    expect(failed).toMatchObject({ status: 'failed', attempts: 5, lastHttpStatus: 503, nextAttemptAt: null });
    expect(at('/down')).toHaveLength(5);

    up = true;
    const replayed = await api('POST', `/billing/webhook-deliveries/${failed.deliveryId}/replay`);
    expect(replayed.status).toBe(202);
    expect(replayed.json).toMatchObject({ deliveryId: failed.deliveryId, status: 'pending', attempts: 0 });
    await until(() => okIds('/down').length === 1, 'the replayed delivery');
    await settled(endpointId);
    expect(okIds('/down')).toEqual([failed.eventId]);
    const detail = (await api('GET', `/billing/webhook-deliveries/${failed.deliveryId}`)).json;
    expect(detail.delivery).toMatchObject({ status: 'succeeded', attempts: 1, lastHttpStatus: 200 });
    expect(detail.attempts.map((a: any) => [a.attempt, a.httpStatus])).toEqual([[1, 503], [2, 503], [3, 503], [4, 503], [5, 503], [6, 200]]);

    // A replay of a delivered event sends it again, on purpose: the same webhook-id, for receivers to dedupe.
    expect((await api('POST', `/billing/webhook-deliveries/${failed.deliveryId}/replay`)).status).toBe(202);
    await until(() => okIds('/down').length === 2, 'the second replay');
    expect(okIds('/down')).toEqual([failed.eventId, failed.eventId]);
  });

  it('replays the failed deliveries of an endpoint since a time', async () => {
    const { endpointId } = await createEndpoint({ vendor: 'globex', path: '/outage' });
    let up = false;
    receiver.answer.set('/outage', () => (up ? 200 : 500));
    const before = new Date(Date.now() - 1000).toISOString();
    await emit(event('payment.failed', globex), event('invoice.not-paid', globex));
    await settled(endpointId);
    expect((await api('GET', `/billing/webhook-endpoints/${endpointId}/deliveries?status=failed`)).json.total).toBe(2);

    up = true;
    const none = await api('POST', `/billing/webhook-endpoints/${endpointId}/replay`, { since: new Date(Date.now() + 60_000).toISOString() });
    expect(none).toMatchObject({ status: 202, json: { replayed: 0 } });
    const replayed = await api('POST', `/billing/webhook-endpoints/${endpointId}/replay`, { since: before, status: 'failed' });
    expect(replayed).toMatchObject({ status: 202, json: { replayed: 2 } });
    await settled(endpointId);
    expect(okIds('/outage')).toHaveLength(2);
    expect((await api('GET', `/billing/webhook-endpoints/${endpointId}/deliveries?status=succeeded`)).json.total).toBe(2);
    // Without a body: every failed delivery (none left).
    expect(await api('POST', `/billing/webhook-endpoints/${endpointId}/replay`)).toMatchObject({ status: 202, json: { replayed: 0 } });
  });

  it('records connection errors without an HTTP status', async () => {
    const created = await api('POST', '/billing/webhook-endpoints', { vendor: 'globex', url: 'http://127.0.0.1:9/nothing-listens', eventTypes: ['customer.created'] });
    const endpointId = created.json.endpoint.endpointId as string;
    await emit(event('customer.created', globex));
    await settled(endpointId);
    const [delivery] = (await api('GET', `/billing/webhook-endpoints/${endpointId}/deliveries`)).json.items;
    const detail = (await api('GET', `/billing/webhook-deliveries/${delivery.deliveryId}`)).json;
    expect(detail.delivery).toMatchObject({ status: 'failed', lastHttpStatus: null });
    expect(detail.attempts).toHaveLength(5);
    for (const attempt of detail.attempts) expect(attempt).toMatchObject({ httpStatus: null, error: expect.stringMatching(/ECONNREFUSED|fetch failed/) });
  });

  it('does not follow redirects', async () => {
    const { endpointId } = await createEndpoint({ vendor: 'globex', path: '/moved', eventTypes: ['customer-billing-address.updated'] });
    receiver.answer.set('/moved', () => 307);
    await emit(event('customer-billing-address.updated', globex));
    await settled(endpointId);
    expect(at('/moved')).toHaveLength(5);
    const [delivery] = (await api('GET', `/billing/webhook-endpoints/${endpointId}/deliveries`)).json.items;
    expect(delivery).toMatchObject({ status: 'failed', lastHttpStatus: 307 });
  });
});

describe('which endpoints get an event', () => {
  it('filters by vendor, env and event type', async () => {
    const all = await createEndpoint({ vendor: 'acme', path: '/f-all' });
    const invoices = await createEndpoint({ vendor: acme, path: '/f-invoices', eventTypes: ['invoice.paid', 'invoice.created'] });
    const sandbox = await createEndpoint({ vendor: 'acme', path: '/f-sandbox', env: 'sandbox' });
    const other = await createEndpoint({ vendor: 'globex', path: '/f-globex', eventTypes: ['invoice.paid'] });
    await emit(
      event('subscription.created', acme),
      event('invoice.paid', acme),
      event('invoice.paid', acme, {}, { env: 'sandbox' }),
      event('subscription.created', acme, {}, { env: 'sandbox' }),
      event('invoice.paid', globex),
      event('invoice.created', globex),
    );
    await settled(all.endpointId, invoices.endpointId, sandbox.endpointId, other.endpointId);
    const seen = (path: string) => payloads(path).map((p) => p.type).sort();
    expect(seen('/f-all')).toEqual(['invoice.paid', 'subscription.created']);
    expect(seen('/f-invoices')).toEqual(['invoice.paid']);
    expect(seen('/f-sandbox')).toEqual(['invoice.paid', 'subscription.created']);
    expect(seen('/f-globex')).toEqual(['invoice.paid']);
    // The live and sandbox endpoints of acme got different events: sandbox never sees live data.
    const liveIds = new Set(okIds('/f-all'));
    expect(okIds('/f-sandbox').some((id) => liveIds.has(id))).toBe(false);
  });

  it('sends nothing to a disabled endpoint, and sends again once it is enabled', async () => {
    const { endpointId } = await createEndpoint({ vendor: 'globex', path: '/disabled', eventTypes: ['subscription.status-updated'] });
    const disabled = await api('PATCH', `/billing/webhook-endpoints/${endpointId}`, { status: 'disabled' });
    expect(disabled).toMatchObject({ status: 200, json: { status: 'disabled' } });
    await emit(event('subscription.status-updated', globex));
    const witness = await createEndpoint({ vendor: 'globex', path: '/disabled-witness', eventTypes: ['subscription.status-updated'] });
    await emit(event('subscription.status-updated', globex));
    await until(() => okIds('/disabled-witness').length === 1, 'the witness delivery');
    await settled(endpointId, witness.endpointId);
    expect(at('/disabled')).toEqual([]);
    expect((await api('GET', `/billing/webhook-endpoints/${endpointId}/deliveries`)).json.total).toBe(0);

    expect((await api('PATCH', `/billing/webhook-endpoints/${endpointId}`, { status: 'active' })).json.status).toBe('active');
    await emit(event('subscription.status-updated', globex));
    await until(() => okIds('/disabled').length === 1, 'a delivery after enabling');
  });

  it('keeps the pending deliveries of a disabled endpoint until it is enabled again', async () => {
    const { endpointId } = await createEndpoint({ vendor: 'globex', path: '/paused', eventTypes: ['customer.updated'] });
    const db = t.server.core.db.kysely;
    // Disabled inside the transaction that emits: the delivery exists, and no dispatcher may send it.
    await db.transaction().execute(async (trx) => {
      await t.server.core.webhooks.enqueue(trx, [event('customer.updated', globex)], Date.now());
      await trx.updateTable('billing_webhook_endpoints').set({ status: 'disabled' }).where('endpoint_id', '=', endpointId).execute();
    });
    t.server.core.webhooks.kick();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(at('/paused')).toEqual([]);
    expect((await api('GET', `/billing/webhook-endpoints/${endpointId}/deliveries?status=pending`)).json.total).toBe(1);
    await api('PATCH', `/billing/webhook-endpoints/${endpointId}`, { status: 'active' });
    await until(() => okIds('/paused').length === 1, 'the held delivery');
  });
});

describe('operator API', () => {
  it('answers 401 without a token and 403 to vendor and shop tokens', async () => {
    const vendorToken = await t.token(await t.createClient({ kind: 'vendor', name: 'initech' }));
    const shopToken = await t.token(await t.createClient({ kind: 'shop', shopId: randomUUID() }));
    const routes: [string, string, unknown?][] = [
      ['POST', '/billing/webhook-endpoints', { vendor: 'acme', url: 'https://example.com/hook' }],
      ['GET', '/billing/webhook-endpoints'],
      ['GET', '/billing/webhook-endpoints/ep_x'],
      ['PATCH', '/billing/webhook-endpoints/ep_x', { status: 'disabled' }],
      ['DELETE', '/billing/webhook-endpoints/ep_x'],
      ['POST', '/billing/webhook-endpoints/ep_x/rotate-secret'],
      ['GET', '/billing/webhook-endpoints/ep_x/deliveries'],
      ['GET', '/billing/webhook-deliveries/dlv_x'],
      ['POST', '/billing/webhook-deliveries/dlv_x/replay'],
      ['POST', '/billing/webhook-endpoints/ep_x/replay', {}],
    ];
    for (const [method, path, body] of routes) {
      expect((await api(method, path, body, null)).status, `${method} ${path}`).toBe(401);
      expect((await api(method, path, body, vendorToken)).status, `${method} ${path}`).toBe(403);
      expect((await api(method, path, body, shopToken)).status, `${method} ${path}`).toBe(403);
    }
  });

  it('validates input and answers 404 for unknown ids', async () => {
    const cases: [unknown, number, string][] = [
      [{ vendor: 'acme', url: 'ftp://example.com/hook' }, 400, 'invalid_url'],
      [{ vendor: 'acme', url: 'not a url' }, 400, 'invalid_url'],
      [{ vendor: 'acme', url: 'https://example.com/hook', eventTypes: ['subscription.exploded'] }, 400, 'validation_failed'],
      [{ vendor: 'acme', url: 'https://example.com/hook', env: 'staging' }, 400, 'validation_failed'],
      [{ vendor: 'nobody', url: 'https://example.com/hook' }, 404, 'vendor_not_found'],
    ];
    for (const [body, status, code] of cases) expect(await api('POST', '/billing/webhook-endpoints', body), JSON.stringify(body)).toMatchObject({ status, json: { code } });
    await expect(t.server.core.webhooks.endpoints.create({ vendor: 'acme', url: 'https://example.com/hook', eventTypes: ['subscription.exploded'] })).rejects.toMatchObject({ statusCode: 400, code: 'invalid_event_type' });
    expect(await api('GET', '/billing/webhook-endpoints/ep_missing')).toMatchObject({ status: 404, json: { code: 'webhook_endpoint_not_found' } });
    expect(await api('GET', '/billing/webhook-deliveries/dlv_missing')).toMatchObject({ status: 404, json: { code: 'webhook_delivery_not_found' } });
    expect(await api('POST', '/billing/webhook-deliveries/dlv_missing/replay')).toMatchObject({ status: 404 });
    expect(await api('GET', '/billing/webhook-endpoints?vendor=nobody')).toMatchObject({ status: 404, json: { code: 'vendor_not_found' } });
  });

  it('lists, updates and deletes endpoints', async () => {
    const { endpointId } = await createEndpoint({ vendor: 'globex', path: '/crud', env: 'sandbox', eventTypes: ['invoice.paid'] });
    const listed = await api('GET', '/billing/webhook-endpoints?vendor=globex&env=sandbox');
    expect(listed.json.items).toEqual([expect.objectContaining({ endpointId, vendor: 'globex', vendorClientId: globex, env: 'sandbox', eventTypes: ['invoice.paid'], status: 'active', description: null })]);
    const updated = await api('PATCH', `/billing/webhook-endpoints/${endpointId}`, { url: `${receiver.url}/crud-2`, eventTypes: [], description: 'every event' });
    expect(updated.json).toMatchObject({ url: `${receiver.url}/crud-2`, eventTypes: [], description: 'every event' });
    expect((await api('PATCH', `/billing/webhook-endpoints/${endpointId}`, {})).status).toBe(400);
    expect((await api('DELETE', `/billing/webhook-endpoints/${endpointId}`)).status).toBe(204);
    expect((await api('GET', `/billing/webhook-endpoints/${endpointId}`)).status).toBe(404);
    expect((await api('DELETE', `/billing/webhook-endpoints/${endpointId}`)).status).toBe(404);
  });
});
