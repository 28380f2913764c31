import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { ShopHealthTable, SyncErrorTable, SyncStateTable, SyncTaskTable } from '../../src/platform/db/schema.js';
import type { TestServer } from '../support/server.js';

/**
 * Rows of the orchestrator's tables as it writes them (src/sync), inserted directly: the Reporting API only
 * reads them. Each helper fills the columns a caller leaves out with a plausible value.
 */

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export interface Vendor {
  name: string;
  module: string;
  client: { clientId: string; clientSecret: string };
  token: string;
}

/** A vendor client with one module; its token carries the API audience and tech-vendor/<name>. */
export async function createVendor(ts: TestServer, name: string): Promise<Vendor> {
  const client = await ts.createClient({ kind: 'vendor', name });
  const module = `ps_${name}`;
  await ts.server.core.shops.modules.create(module, name);
  return { name, module, client, token: await ts.token(client) };
}

export async function insertTask(ts: TestServer, task: Partial<Insertable<SyncTaskTable>> & Pick<SyncTaskTable, 'shop_id' | 'content' | 'created_at'>): Promise<Insertable<SyncTaskTable>> {
  const terminal = task.status === undefined || ['succeeded', 'failed', 'cancelled'].includes(task.status);
  const row: Insertable<SyncTaskTable> = {
    task_id: randomUUID(),
    lang_iso: 'en',
    mode: 'full',
    trigger: 'consent',
    status: 'succeeded',
    priority: 1,
    job_id: randomUUID(),
    page_size: 50,
    full_pending: 0,
    pages: 3,
    objects: 120,
    remaining: 0,
    calls: 3,
    failures: 0,
    run_after: task.created_at,
    locked_by: null,
    locked_until: null,
    started_at: task.created_at + 1000,
    full_started_at: task.mode === 'incremental' ? null : task.created_at + 1000,
    finished_at: terminal ? task.created_at + 61_000 : null,
    updated_at: task.created_at + 61_000,
    error_code: null,
    error_message: null,
    reconciled: null,
    ...task,
  };
  await ts.server.core.db.kysely.insertInto('sync_tasks').values(row).execute();
  return row;
}

export async function insertState(ts: TestServer, state: Partial<Insertable<SyncStateTable>> & Pick<SyncStateTable, 'shop_id' | 'content' | 'lang_iso'>): Promise<void> {
  await ts.server.core.db.kysely
    .insertInto('sync_state')
    .values({
      mode: 'never',
      page_size: 50,
      first_full_sync_finished_at: null,
      last_full_sync_started_at: null,
      last_full_sync_finished_at: null,
      last_incremental_at: null,
      last_success_at: null,
      last_error_at: null,
      last_error_code: null,
      updated_at: Date.now(),
      ...state,
    })
    .execute();
}

export async function insertErrors(ts: TestServer, error: Partial<Insertable<SyncErrorTable>> & Pick<SyncErrorTable, 'shop_id' | 'content' | 'code' | 'at'>, times = 1): Promise<void> {
  const status = /^(?:collector_)?(\d{3})$/.exec(error.code);
  const rows = Array.from({ length: times }, (_, i) => ({
    error_id: randomUUID(),
    task_id: null,
    lang_iso: 'en',
    mode: 'full' as const,
    http_status: status ? Number(status[1]) : null,
    message: `call failed with ${error.code}`,
    ...error,
    at: error.at + i,
  }));
  await ts.server.core.db.kysely.insertInto('sync_errors').values(rows).execute();
}

export async function insertHealth(ts: TestServer, health: Partial<Insertable<ShopHealthTable>> & Pick<ShopHealthTable, 'shop_id' | 'checked_at'>): Promise<void> {
  await ts.server.core.db.kysely
    .insertInto('shop_health')
    .values({ healthy: 1, latency_ms: 120, http_status: 200, error_code: null, error_message: null, report: null, last_healthy_at: health.checked_at, ...health })
    .execute();
}

/** The answer of ps_eventbus' apiHealthCheck when the probe carried a valid job (cloudsync-protocol §3.2). */
export function healthCheckAnswer(shopId: string): Record<string, unknown> {
  return {
    prestashop_version: '9.1.0',
    ps_eventbus_version: '4.0.13',
    ps_accounts_version: false,
    php_version: '8.3.25',
    shop_id: shopId,
    ps_account: true,
    is_valid_jwt: true,
    ps_eventbus: true,
    env: { EVENT_BUS_PROXY_API_URL: 'https://psif.example/collector', EVENT_BUS_SYNC_API_URL: 'https://psif.example/sync-api', EVENT_BUS_LIVE_SYNC_API_URL: 'https://psif.example/live-sync/v1' },
    httpCode: 200,
  };
}
