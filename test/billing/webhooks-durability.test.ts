import { type Server as HttpServer, createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Server, buildServer, openCore } from '../../src/app.js';
import type { BillingEvent } from '../../src/billing/webhooks/events.js';
import { loadConfig } from '../../src/platform/config/config.js';
import { freePort, isolatedEnv } from '../support/server.js';

/** The outbox survives restarts: psif processes come and go on one database, every event arrives once. */
let env: Record<string, string>;
let cleanup: () => Promise<void>;
let receiverPort: number;
let vendorClientId: string;
let endpointId: string;
let secret: string;

beforeAll(async () => {
  // A long schedule: the deliveries must still be pending when the second process starts.
  ({ env, cleanup } = await isolatedEnv({ PSIF_ROLE: 'all', PSIF_WEBHOOK_RETRY_SCHEDULE: '0.05,0.3,0.5,1,2,5,10', PSIF_WEBHOOK_POLL_MS: '50', PSIF_WEBHOOK_TIMEOUT_MS: '5000' }));
  receiverPort = await freePort();
});
afterAll(() => cleanup());

async function startPsif(): Promise<Server> {
  const config = loadConfig(env);
  const server = await buildServer(await openCore(config));
  await server.app.listen({ port: config.port, host: config.host });
  return server;
}

interface Received {
  id: string;
  path: string;
  answered: number;
}

/** A receiver on the endpoint's fixed port; `/slow` answers after `slowMs`. */
async function startReceiver(slowMs = 0): Promise<{ received: Received[]; started: string[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const started: string[] = [];
  const server: HttpServer = createServer((request, response) => {
    const chunks: Buffer[] = [];
    started.push(request.url ?? '/');
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        new Webhook(secret).verify(body, request.headers as Record<string, string>);
      } catch {
        response.writeHead(400).end();
        return;
      }
      const answer = () => {
        received.push({ id: request.headers['webhook-id'] as string, path: request.url ?? '/', answered: 200 });
        response.writeHead(200).end();
      };
      if (request.url === '/slow') setTimeout(answer, slowMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(receiverPort, '127.0.0.1', resolve));
  return { received, started, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function until<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function event(n: number): BillingEvent {
  return { type: 'invoice.created', env: 'live', vendorClientId, data: { id: `inv_${n}` }, resourceVersion: n, occurredAt: Date.now() };
}

async function deliveries(server: Server) {
  return server.core.db.kysely.selectFrom('billing_webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId).execute();
}

describe('a durable outbox', () => {
  it('delivers, exactly once, what a stopped process could not send', async () => {
    const first = await startPsif();
    try {
      vendorClientId = (await first.core.auth.clients.create({ kind: 'vendor', name: 'acme' })).client.clientId;
      const created = await first.core.webhooks.endpoints.create({ vendor: 'acme', url: `http://127.0.0.1:${receiverPort}/hook` });
      ({ secret } = created);
      endpointId = created.endpoint.endpointId;
      await first.core.webhooks.enqueue(first.core.db.kysely, [event(1), event(2), event(3)], Date.now());
      first.core.webhooks.kick();
      await until(async () => (await deliveries(first)).every((d) => d.attempts >= 1), 'a first, failed attempt of each delivery');
    } finally {
      await first.close();
    }

    const receiver = await startReceiver();
    const second = await startPsif();
    try {
      const held = await deliveries(second);
      expect(held.map((d) => d.status)).toEqual(['pending', 'pending', 'pending']);
      // A stopped process records its attempts and lets go of its leases: nobody waits for them to expire.
      expect(held.every((d) => d.locked_by === null)).toBe(true);

      await until(async () => (await deliveries(second)).every((d) => d.status === 'succeeded'), 'every delivery to succeed');
      await new Promise((resolve) => setTimeout(resolve, 300));
      const ids = receiver.received.map((r) => r.id);
      expect(ids).toHaveLength(3);
      expect(new Set(ids)).toEqual(new Set(held.map((d) => d.event_id)));

      const attempts = await second.core.db.kysely.selectFrom('billing_webhook_attempts').selectAll().where('delivery_id', '=', held[0]!.delivery_id).orderBy('attempt').execute();
      expect(attempts[0]).toMatchObject({ attempt: 1, http_status: null, error: expect.stringMatching(/ECONNREFUSED/) });
      expect(attempts.at(-1)).toMatchObject({ http_status: 200, error: null });
    } finally {
      await second.close();
      await receiver.close();
    }
  });

  it('sends a delivery leased by a process that died once its lease expires', async () => {
    const receiver = await startReceiver();
    const server = await startPsif();
    try {
      const leaseUntil = Date.now() + 1500;
      await server.core.db.kysely.transaction().execute(async (trx) => {
        await server.core.webhooks.enqueue(trx, [event(4)], Date.now());
        await trx.updateTable('billing_webhook_deliveries').set({ locked_by: 'a-dead-process', locked_until: leaseUntil }).where('endpoint_id', '=', endpointId).where('status', '=', 'pending').execute();
      });
      server.core.webhooks.kick();
      await until(() => receiver.received.length === 1, 'the orphaned delivery');
      const delivery = await until(async () => (await deliveries(server)).find((d) => d.event_id === receiver.received[0]!.id && d.status !== 'pending'), 'the attempt to be recorded');
      expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1, locked_by: null });
      const [attempt] = await server.core.db.kysely.selectFrom('billing_webhook_attempts').selectAll().where('delivery_id', '=', delivery.delivery_id).execute();
      expect(attempt!.at).toBeGreaterThanOrEqual(leaseUntil);
    } finally {
      await server.close();
      await receiver.close();
    }
  });

  it('finishes and records the attempts in flight when it stops', async () => {
    const receiver = await startReceiver(400);
    const server = await startPsif();
    try {
      await server.core.webhooks.endpoints.update(endpointId, { url: `http://127.0.0.1:${receiverPort}/slow` });
      await server.core.webhooks.enqueue(server.core.db.kysely, [event(5)], Date.now());
      server.core.webhooks.kick();
      await until(() => receiver.started.includes('/slow'), 'the slow request to start');
    } finally {
      await server.close();
    }
    expect(receiver.received).toHaveLength(1);
    const eventId = receiver.received[0]!.id;
    const core = await openCore(loadConfig(env));
    try {
      const delivery = await core.db.kysely.selectFrom('billing_webhook_deliveries').selectAll().where('event_id', '=', eventId).executeTakeFirstOrThrow();
      expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1, locked_by: null });
    } finally {
      await core.close();
      await receiver.close();
    }
  });
});
