import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openCore } from '../../src/app.js';
import { registerBillingWebhookCommands } from '../../src/cli/billing-webhooks.js';
import { loadConfig } from '../../src/platform/config/config.js';
import { isolatedEnv } from '../support/server.js';

/** `psif billing webhooks`, run in this process against its own database (withCore reads process.env). */
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const isolated = await isolatedEnv();
  cleanup = isolated.cleanup;
  Object.assign(process.env, isolated.env);
  const core = await openCore(loadConfig());
  try {
    await core.auth.clients.create({ kind: 'vendor', name: 'acme' });
  } finally {
    await core.close();
  }
});
afterAll(() => cleanup());

async function psif(...args: string[]): Promise<string> {
  const program = new Command('psif').exitOverride();
  registerBillingWebhookCommands(program);
  let out = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['billing', 'webhooks', ...args], { from: 'user' });
  } finally {
    write.mockRestore();
  }
  return out;
}

const json = async (...args: string[]) => JSON.parse(await psif(...args, '--json')) as any;

describe('psif billing webhooks', () => {
  it('adds an endpoint, printing its secret once', async () => {
    const text = await psif('add', '--vendor', 'acme', '--url', 'https://hooks.example/acme', '--env', 'sandbox', '--events', 'invoice.paid, payment.failed');
    const secret = /secret:\s+(whsec_\S+)/.exec(text)?.[1];
    expect(secret).toBeDefined();
    expect(text).toMatch(/sandbox webhook endpoint ep_[\w-]+ for vendor "acme"/);

    const listed = await psif('list', '--vendor', 'acme');
    expect(listed).toContain('https://hooks.example/acme');
    expect(listed).toContain('invoice.paid payment.failed');
    expect(listed).not.toContain(secret!);
    expect((await json('list', '--env', 'live')).items).toEqual([]);
  });

  it('disables, enables, shows deliveries, replays and removes', async () => {
    const { endpoint } = await json('add', '--vendor', 'acme', '--url', 'http://127.0.0.1:9/never');
    expect(endpoint.eventTypes).toEqual([]);
    expect((await json('disable', endpoint.endpointId)).status).toBe('disabled');
    expect((await json('enable', endpoint.endpointId)).status).toBe('active');

    const core = await openCore(loadConfig());
    try {
      await core.webhooks.enqueue(core.db.kysely, [{ type: 'customer.created', env: 'live', vendorClientId: endpoint.vendorClientId, data: { id: 'c1' }, resourceVersion: 1, occurredAt: Date.now() }], Date.now());
      await core.db.kysely.updateTable('billing_webhook_deliveries').set({ status: 'failed', attempts: 8 }).where('endpoint_id', '=', endpoint.endpointId).execute();
    } finally {
      await core.close();
    }
    const failed = await json('deliveries', endpoint.endpointId, '--status', 'failed');
    expect(failed.total).toBe(1);
    const [delivery] = failed.items;
    expect(delivery).toMatchObject({ eventType: 'customer.created', status: 'failed' });
    expect(await psif('deliveries', endpoint.endpointId)).toMatch(/customer\.created\s+failed/);

    expect(await json('replay', delivery.deliveryId)).toMatchObject({ status: 'pending', attempts: 0 });
    expect((await json('delivery', delivery.deliveryId)).delivery.status).toBe('pending');
    expect(await json('replay-endpoint', endpoint.endpointId, '--since', '2020-01-01T00:00:00Z')).toEqual({ endpointId: endpoint.endpointId, replayed: 0 });
    await expect(psif('replay-endpoint', endpoint.endpointId, '--since', 'yesterday')).rejects.toThrow(/ISO 8601/);

    const rotated = await json('rotate-secret', endpoint.endpointId);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(await psif('remove', endpoint.endpointId)).toContain('deleted');
    await expect(psif('remove', endpoint.endpointId)).rejects.toMatchObject({ code: 'webhook_endpoint_not_found' });
  });
});
