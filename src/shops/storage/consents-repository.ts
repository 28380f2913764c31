import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.js';

export interface ConsentRow {
  moduleName: string;
  consent: string;
  grantedAt: number;
}

export class ConsentsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async forShop(shopId: string, moduleName?: string): Promise<ConsentRow[]> {
    let query = this.db.selectFrom('consents').select(['module_name', 'consent', 'granted_at']).where('shop_id', '=', shopId);
    if (moduleName !== undefined) query = query.where('module_name', '=', moduleName);
    const rows = await query.orderBy('module_name').orderBy('consent').execute();
    return rows.map((r) => ({ moduleName: r.module_name, consent: r.consent, grantedAt: r.granted_at }));
  }

  /** Replaces a module's consent set for a shop in one transaction, logging each change. */
  async replace(shopId: string, moduleName: string, wanted: ReadonlySet<string>, via: string, now: number): Promise<{ granted: string[]; revoked: string[] }> {
    return this.db.transaction().execute(async (trx) => {
      const current = new Set(
        (await trx.selectFrom('consents').select('consent').where('shop_id', '=', shopId).where('module_name', '=', moduleName).execute()).map((r) => r.consent),
      );
      const granted = [...wanted].filter((c) => !current.has(c)).sort();
      const revoked = [...current].filter((c) => !wanted.has(c)).sort();
      if (revoked.length > 0) {
        await trx.deleteFrom('consents').where('shop_id', '=', shopId).where('module_name', '=', moduleName).where('consent', 'in', revoked).execute();
      }
      if (granted.length > 0) {
        await trx.insertInto('consents').values(granted.map((consent) => ({ shop_id: shopId, module_name: moduleName, consent, granted_at: now }))).execute();
      }
      await logEvents(trx, shopId, moduleName, via, now, granted, revoked);
      return { granted, revoked };
    });
  }
}

async function logEvents(trx: Transaction<Database>, shopId: string, moduleName: string, via: string, at: number, granted: string[], revoked: string[]): Promise<void> {
  const events = [
    ...granted.map((consent) => ({ consent, action: 'granted' as const })),
    ...revoked.map((consent) => ({ consent, action: 'revoked' as const })),
  ].map((e) => ({ event_id: randomUUID(), shop_id: shopId, module_name: moduleName, via, at, ...e }));
  if (events.length > 0) await trx.insertInto('consent_events').values(events).execute();
}
