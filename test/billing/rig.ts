import { randomUUID } from 'node:crypto';
import { type IncomingHttpHeaders, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { expect } from 'vitest';
import { BILLING_SCOPES } from '../../src/billing/billing-access.js';
import { type TestServer, startTestServer } from '../support/server.js';

export const ALL_SCOPES = Object.keys(BILLING_SCOPES);
export const DAY = 86_400_000;

export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface Caller {
  token: string | undefined;
  call<T = any>(method: string, path: string, body?: unknown, options?: { sandbox?: boolean; headers?: Record<string, string> }): Promise<Answer<T>>;
}

/** A client of the Billing API over real HTTP; sandbox by default (the header), as integrators test. */
export function caller(url: string, token: string | undefined, defaults: { sandbox: boolean } = { sandbox: true }): Caller {
  return {
    token,
    async call(method, path, body, options = {}) {
      const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers };
      if (options.sandbox ?? defaults.sandbox) headers.sandbox = 'true';
      const response = await fetch(`${url}/billing/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await response.text();
      return { status: response.status, body: text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text, headers: response.headers };
    },
  };
}

/** Calls that must succeed: the answer's body, or a failure that shows the error. */
export async function ok<T = any>(answer: Promise<Answer<T>>, status = 200): Promise<T> {
  const { status: got, body } = await answer;
  expect(got, JSON.stringify(body)).toBe(status);
  return body;
}

export interface Vendor {
  name: string;
  clientId: string;
  api: Caller;
}

export interface BillingRig {
  ts: TestServer;
  admin: string;
  createVendor(name: string, scopes?: string[]): Promise<Vendor>;
  shopToken(shopId: string): Promise<string>;
  close(): Promise<void>;
}

export async function startBillingRig(env: Record<string, string> = {}): Promise<BillingRig> {
  const ts = await startTestServer({ PSIF_ROLE: 'all', PSIF_WEBHOOK_RETRY_SCHEDULE: '0.05,0.1,0.2,0.3,0.5', PSIF_WEBHOOK_POLL_MS: '50', PSIF_BILLING_CLOCK_INTERVAL_MS: '3600000', ...env });
  const adminClient = await ts.createClient({ kind: 'admin', name: 'ops' });
  const admin = await ts.token(adminClient);
  const shopClients = new Map<string, { clientId: string; clientSecret: string }>();
  return {
    ts,
    admin,
    async createVendor(name, scopes = ALL_SCOPES) {
      const client = await ts.createClient({ kind: 'vendor', name, scopes });
      const token = await ts.token(client, scopes.length ? { scope: scopes.join(' ') } : {});
      return { name, clientId: client.clientId, api: caller(ts.url, token) };
    },
    async shopToken(shopId) {
      let client = shopClients.get(shopId);
      if (!client) {
        client = await ts.createClient({ kind: 'shop', shopId });
        shopClients.set(shopId, client);
      }
      return ts.token(client);
    },
    close: () => ts.close(),
  };
}

/** A flat monthly plan (and optional yearly one) of a new product: ids derived from the product. */
export async function flatProduct(vendor: Vendor, productId: string, plans: { id: string; price: number; period?: 'month' | 'year'; group?: string; trialDays?: number }[]): Promise<void> {
  await ok(vendor.api.call('POST', '/products', { id: productId, name: `Product ${productId}` }), 201);
  for (const plan of plans) {
    await ok(vendor.api.call('POST', `/products/${productId}/components`, {
      id: plan.id,
      componentType: 'plan',
      componentGroupId: plan.group ?? plan.id,
      pricingModel: 'flat_fee',
      price: plan.price,
      billingPeriodUnit: plan.period ?? 'month',
      ...(plan.trialDays ? { trialPeriodValue: plan.trialDays, trialPeriodUnit: 'day' } : {}),
    }), 201);
  }
}

export const CARDS = { ok: '4111111111111111', declinedOnAttach: '4000000000000002', chargesFail: '4000000000000341', noFunds: '4000000000009995' };

/** A sandbox shop customer with a card and a billing address (the country sets the VAT rate). */
export async function customer(vendor: Vendor, options: { card?: string | null; country?: string } = {}): Promise<string> {
  const id = randomUUID();
  await ok(vendor.api.call('POST', '/customers', { id, email: `${id.slice(0, 8)}@shop.test`, locale: 'fr' }), 201);
  if (options.card !== null) await ok(vendor.api.call('PUT', `/customers/${id}/payment-method`, { number: options.card ?? CARDS.ok, expiryMonth: 12, expiryYear: 2099, cvc: '123' }));
  if (options.country) await ok(vendor.api.call('PUT', `/customers/${id}/billing-address`, { billingAddress: { country: options.country, city: 'Paris', line1: '1 rue de Rivoli', zip: '75001' } }));
  return id;
}

export async function advance(vendor: Vendor, customerId: string, by: { months?: number; seconds?: number; days?: number; to?: string }): Promise<{ now: string; transitions: number }> {
  const body = by.days !== undefined ? { seconds: Math.round(by.days * 86_400) } : by;
  return ok(vendor.api.call('POST', `/customers/${customerId}/test-clock/advance`, body));
}

export async function invoicesOf(vendor: Vendor, subscriptionId: string): Promise<any[]> {
  const answer = await ok(vendor.api.call('GET', `/invoices?id=${subscriptionId}&type=subscription&order=asc&limit=100`));
  return answer.items;
}

export interface Received {
  id: string;
  type: string;
  data: any;
  headers: IncomingHttpHeaders;
}

/**
 * A vendor's webhook receiver on 127.0.0.1: verifies every request with the standardwebhooks package,
 * answers 500 to the first `failFirst` deliveries of each event, and keeps each event it accepted.
 */
export async function webhookReceiver(rig: BillingRig, vendor: Vendor, options: { env?: 'live' | 'sandbox'; failFirst?: number; eventTypes?: string[] } = {}) {
  const accepted: Received[] = [];
  const attempts = new Map<string, number>();
  let invalid = 0;
  let verify: Webhook | undefined;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let payload: any;
      try {
        payload = verify!.verify(body, request.headers as Record<string, string>);
      } catch {
        invalid++;
        response.writeHead(400).end();
        return;
      }
      const id = String(request.headers['webhook-id']);
      const seen = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, seen);
      if (seen <= (options.failFirst ?? 0)) {
        response.writeHead(500).end('not now');
        return;
      }
      accepted.push({ id, type: payload.type, data: payload.data, headers: request.headers });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  const created = await fetch(`${rig.ts.url}/admin/v1/billing/webhook-endpoints`, {
    method: 'POST',
    headers: { authorization: `Bearer ${rig.admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ vendor: vendor.clientId, url, env: options.env ?? 'sandbox', ...(options.eventTypes ? { eventTypes: options.eventTypes } : {}) }),
  });
  const body = (await created.json()) as { secret: string; endpoint: { endpointId: string } };
  expect(created.status, JSON.stringify(body)).toBe(201);
  verify = new Webhook(body.secret);
  return {
    endpointId: body.endpoint.endpointId,
    accepted,
    attempts,
    invalid: () => invalid,
    /** Events of one subscription (or customer), in the order their resource versions say. */
    ordered(filter: (event: Received) => boolean = () => true): Received[] {
      return accepted.filter(filter).sort((a, b) => a.data.resource_version - b.data.resource_version);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Polls until `check` passes (bounded: 15 s); webhooks arrive asynchronously. */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
