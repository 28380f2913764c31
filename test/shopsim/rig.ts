import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Content } from '../../src/catalog/catalog.js';
import { ShopSimulator, type ShopSimulatorOptions } from '../../src/shopsim/shop-simulator.js';
import type { TestServer } from '../support/server.js';

/** A simulated shop registered in a running psif, authenticating with its psif shop client. */
export async function startShop(ts: TestServer, options: Partial<ShopSimulatorOptions> = {}): Promise<ShopSimulator> {
  const sim = new ShopSimulator({ shopId: randomUUID(), psifUrl: ts.url, ...options });
  const url = await sim.listen();
  const { clientId, clientSecret } = await ts.server.core.shops.shops.register(sim.shopId, { url, languages: [...sim.languages] });
  if (options.token === undefined) sim.useCredentials({ clientId, clientSecret });
  return sim;
}

export interface Reply {
  status: number;
  statusText: string;
  text: string;
  /** The JSON body, or undefined when it is not JSON. */
  body: any;
}

async function reply(response: Response): Promise<Reply> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, statusText: response.statusText, text, body };
}

/** CloudSync's call to apiShopContent (GET with the query string, or POST with a form body). */
export async function pull(sim: ShopSimulator, params: Record<string, string | number>, options: { method?: 'GET' | 'POST'; signal?: AbortSignal } = {}): Promise<Reply> {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]));
  const base = `${sim.url}/index.php?fc=module&module=ps_eventbus&controller=apiShopContent`;
  if (options.method === 'POST') {
    return reply(await fetch(base, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: query, signal: options.signal }));
  }
  return reply(await fetch(`${base}&${query}`, { signal: options.signal }));
}

export async function healthCheck(sim: ShopSimulator, jobId?: string): Promise<Reply> {
  return reply(await fetch(`${sim.url}/index.php?fc=module&module=ps_eventbus&controller=apiHealthCheck${jobId === undefined ? '' : `&job_id=${jobId}`}`));
}

/** doFullSync of ps_eventbus' e2e tests: full=1, then full=0 while has_remaining_objects. */
export async function fullSync(sim: ShopSimulator, jobId: string, content: string, options: { lang?: string; limit?: number } = {}): Promise<Reply[]> {
  const params = { shop_content: content, job_id: jobId, limit: options.limit ?? 50, ...(options.lang ? { lang_iso: options.lang } : {}) };
  const replies = [await pull(sim, { ...params, full: 1 })];
  // A refused page would be sent again forever: stop at the first status the module does not move on from.
  while (replies.at(-1)!.body?.has_remaining_objects === true && replies.at(-1)!.status === 201) {
    if (replies.length > 1000) throw new Error(`full sync of ${content} does not end`);
    replies.push(await pull(sim, { ...params, full: 0 }));
  }
  return replies;
}

export { identities } from '../support/sync.js';

/** Ids of the rows psif holds for a shop, live (or deleted when `deleted`). */
export async function storedIds(ts: TestServer, content: Content, shopId: string, deleted = false): Promise<string[]> {
  const result = await sql<{ id: string; sys_deleted: unknown }>`select id, sys_deleted from ${sql.table(content.table)} where shop_id = ${shopId} order by id`.execute(ts.server.core.db.kysely);
  return result.rows.filter((row) => Boolean(Number(row.sys_deleted)) === deleted).map((row) => row.id);
}

export async function storedRow(ts: TestServer, content: Content, shopId: string, id: string): Promise<Record<string, unknown> | undefined> {
  const result = await sql<Record<string, unknown>>`select * from ${sql.table(content.table)} where shop_id = ${shopId} and id = ${id}`.execute(ts.server.core.db.kysely);
  return result.rows[0];
}
