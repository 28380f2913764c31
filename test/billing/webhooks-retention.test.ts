import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, startTestServer } from '../support/server.js';

/** The delivery log is kept PSIF_WEBHOOK_HISTORY_DAYS; what is still owed is never deleted. */
let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ PSIF_ROLE: 'api', PSIF_WEBHOOK_HISTORY_DAYS: '10' });
});
afterAll(async () => ts?.close());

describe('webhook log retention', () => {
  it('deletes finished deliveries, their attempts and events older than the window, and keeps pending ones', async () => {
    const { core } = ts.server;
    const db = core.db.kysely;
    const vendor = await core.auth.clients.create({ kind: 'vendor', name: 'retained' });
    await core.webhooks.endpoints.create({ vendor: vendor.client.clientId, url: 'http://127.0.0.1:9/hooks', env: 'live' });
    const DAY = 86_400_000;
    const now = Date.now();
    const event = (n: number) => ({ type: 'subscription.updated' as const, env: 'live' as const, vendorClientId: vendor.client.clientId, data: { n }, resourceVersion: n, occurredAt: now });
    await core.webhooks.enqueue(db, [event(1), event(2), event(3)], now - 11 * DAY);
    await core.webhooks.enqueue(db, [event(4)], now - 9 * DAY);
    const deliveries = await db.selectFrom('billing_webhook_deliveries as d').innerJoin('billing_webhook_events as e', 'e.event_id', 'd.event_id').select(['d.delivery_id', 'e.resource_version']).orderBy('e.resource_version').execute();
    const [done, failed, owed, recent] = deliveries.map((d) => d.delivery_id);
    await db.updateTable('billing_webhook_deliveries').set({ status: 'succeeded' }).where('delivery_id', 'in', [done!, recent!]).execute();
    await db.updateTable('billing_webhook_deliveries').set({ status: 'failed' }).where('delivery_id', '=', failed!).execute();
    await db.insertInto('billing_webhook_attempts').values({ attempt_id: 'att_retention1', delivery_id: done!, attempt: 1, at: now - 11 * DAY, http_status: 204, error: null, duration_ms: 3 }).execute();

    expect(await core.webhooks.housekeeping(now)).toEqual({ deliveries: 2, events: 2 });
    const left = await db.selectFrom('billing_webhook_deliveries').select('delivery_id').orderBy('delivery_id').execute();
    expect(left.map((d) => d.delivery_id).sort()).toEqual([owed!, recent!].sort());
    expect((await db.selectFrom('billing_webhook_events').select('resource_version').orderBy('resource_version').execute()).map((e) => e.resource_version)).toEqual([3, 4]);
    expect(await db.selectFrom('billing_webhook_attempts').selectAll().execute()).toEqual([]);
  });
});
