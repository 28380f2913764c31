import { randomUUID } from 'node:crypto';
import type { Content } from '../../src/catalog/catalog.js';
import type { Row } from '../../src/shopsim/content-rules.js';
import { ShopSimulator, type ShopSimulatorOptions } from '../../src/shopsim/shop-simulator.js';
import { type TestServer, freePort, startTestServer } from './server.js';

/** Settings that make the orchestrator react in milliseconds rather than seconds, for tests. */
export const FAST_SYNC_ENV: Record<string, string> = {
  PSIF_ROLE: 'all',
  PSIF_SYNC_POLL_MS: '50',
  PSIF_SYNC_PLAN_INTERVAL_MS: '200',
  PSIF_SYNC_LEASE_MS: '2000',
  PSIF_SYNC_RETRY_BASE_MS: '50',
  PSIF_SYNC_RETRY_MAX_MS: '400',
  PSIF_LIVE_SYNC_DEBOUNCE_MS: '100',
  PSIF_SYNC_HEALTH_INTERVAL: '3600',
};

export interface SyncRig {
  ts: TestServer;
  sim: ShopSimulator;
  shopId: string;
  vendorToken: string;
  close(): Promise<void>;
}

/**
 * psif with a running worker, plus a simulated shop registered in it with its own shop client, and a
 * vendor `acme` whose module `ps_acme` has no consent yet: giving one starts the sync.
 */
export async function startSyncRig(options: { env?: Record<string, string>; sim: Omit<ShopSimulatorOptions, 'shopId'> | Pick<ShopSimulatorOptions, 'source' | 'faults'> }): Promise<SyncRig> {
  const ts = await startTestServer({ ...FAST_SYNC_ENV, ...options.env });
  const shopId = randomUUID();
  const sim = new ShopSimulator({ shopId, psifUrl: ts.url, liveSyncDebounceMs: 0, ...options.sim });
  const port = await freePort();
  const url = await sim.listen(port);
  const { clientId, clientSecret } = await ts.server.core.shops.shops.register(shopId, { url, languages: [...sim.languages] });
  sim.useCredentials({ clientId, clientSecret });
  const vendorToken = await ts.token(await ts.createClient({ kind: 'vendor', name: 'acme' }));
  await ts.server.core.shops.modules.create('ps_acme', 'acme');
  return {
    ts,
    sim,
    shopId,
    vendorToken,
    async close() {
      await ts.close();
      await sim.close();
    },
  };
}

/** Polls until `check` returns a value (not undefined/false), or fails with the last state it saw. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 20_000, describe?: () => Promise<unknown>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${describe ? `: ${JSON.stringify(await describe())}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Resolves when every state of the shop is incremental and nothing is queued or running. */
export async function syncSettled(ts: TestServer, shopId: string, timeoutMs = 30_000): Promise<void> {
  const { sync } = ts.server.core;
  await waitFor(
    `shop ${shopId} to finish syncing`,
    async () => {
      const states = await sync.state.forShop(shopId);
      return states.length > 0 && states.every((s) => s.mode === 'incremental') && (await sync.tasks.active(shopId)).length === 0;
    },
    timeoutMs,
    async () => ({ states: (await sync.state.forShop(shopId)).filter((s) => s.mode !== 'incremental').map((s) => `${s.content}/${s.lang_iso}:${s.mode}:${s.last_error_code}`), active: (await sync.tasks.active(shopId)).map((t) => `${t.content}/${t.langIso}:${t.status}:${t.errorCode}`) }),
  );
}

/**
 * The identities psif gives a shop's rows, computed independently of psif's parser: the catalog's
 * idProperties joined by "-", leaving out absent secondary parts (PrestaShop 1.6), the shop id for info.
 */
export function identities(content: Content, rows: readonly Row[], shopId: string): Set<string> {
  return new Set(rows.map((row) => (content.idProperties.length === 0 ? shopId : content.idProperties.filter((p, i) => i === 0 || row[p.name] !== undefined).map((p) => String(row[p.name])).join('-'))));
}
